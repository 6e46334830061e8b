// Receiving a delivery on the tablet: a keyboard-wedge scanner types a barcode into the scan
// box and presses Enter; the product lands on a line (or that line's quantity goes up).
"use strict";
(function () {
  var SHORT_LIFE = { chilled: true, fresh_produce: true, bakery: true };

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#f-lines [data-row]")); }
  function field(row, role) { return row.querySelector('[data-role="' + role + '"]'); }

  function setDateKind(row) {
    var select = field(row, "sku");
    var option = select.options[select.selectedIndex];
    var category = option ? option.getAttribute("data-category") : "";
    if (category && !field(row, "date").value) {
      field(row, "date_kind").value = SHORT_LIFE[category] ? "use_by" : "best_before";
    }
  }

  function renumber(row, index) {
    Array.prototype.forEach.call(row.querySelectorAll("[name], [id], label[for]"), function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) { el.setAttribute(attr, value.replace(/line-\d+-/g, "line-" + index + "-")); }
      });
    });
    Array.prototype.forEach.call(row.querySelectorAll("legend, .visually-hidden"), function (el) {
      el.textContent = el.textContent.replace(/(line|Line) \d+/, "$1 " + (index + 1));
    });
  }

  function clearRow(row) {
    ["sku", "quantity", "date", "weight", "cost"].forEach(function (role) { field(row, role).value = ""; });
    field(row, "date_kind").value = "best_before";
    Array.prototype.forEach.call(row.querySelectorAll(".error"), function (el) { el.remove(); });
    Array.prototype.forEach.call(row.querySelectorAll("[aria-invalid]"), function (el) { el.removeAttribute("aria-invalid"); });
  }

  function addRow() {
    var all = rows();
    var copy = all[all.length - 1].cloneNode(true);
    renumber(copy, all.length);
    clearRow(copy);
    all[all.length - 1].parentNode.appendChild(copy);
    wireRow(copy);
    return copy;
  }

  function wireRow(row) {
    field(row, "sku").addEventListener("change", function () { setDateKind(row); });
    var clear = field(row, "clear");
    clear.hidden = false;
    clear.addEventListener("click", function () { clearRow(row); row.classList.remove("just-added"); });
  }

  var lastRow = null;

  function place(product) {
    var row = null;
    if (lastRow && field(lastRow, "sku").value === product.sku && !field(lastRow, "date").value) {
      row = lastRow;
    } else {
      row = rows().filter(function (r) { return !field(r, "sku").value && !field(r, "quantity").value; })[0] || addRow();
      field(row, "sku").value = product.sku;
      setDateKind(row);
    }
    var quantity = field(row, "quantity");
    quantity.value = String((parseInt(quantity.value, 10) || 0) + 1);
    rows().forEach(function (r) { r.classList.remove("just-added"); });
    row.classList.add("just-added");
    lastRow = row;
    return quantity.value;
  }

  function initScan() {
    var box = document.getElementById("scan-box");
    if (!box) { return; }
    box.hidden = false;
    var input = document.getElementById("scan");
    var status = document.getElementById("scan-status");
    var template = box.getAttribute("data-lookup");
    function lookup() {
      var code = input.value.trim();
      if (!code) { return; }
      input.value = "";
      status.classList.remove("not-found");
      window.appFetch(template.replace("CODE", encodeURIComponent(code)), { method: "GET" })
        .then(function (response) {
          if (response.status === 404) { throw new Error("missing"); }
          if (!response.ok) { throw new Error("server"); }
          return response.json();
        })
        .then(function (product) {
          var option = document.querySelector('#f-lines select[data-role="sku"] option[value="' + product.sku + '"]');
          if (!option) { throw new Error("missing"); }
          var count = place(product);
          status.textContent = "Added " + product.name + " (" + count + "). Type its date on the line if it has one.";
        })
        .catch(function (error) {
          status.classList.add("not-found");
          status.textContent = error.message === "missing"
            ? "No product has the code " + code + ". Pick it from the list, or ask a manager to add it to the catalogue."
            : "Could not reach the server. Check the connection and scan again.";
        })
        .then(function () { input.focus(); });
    }
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); lookup(); }
    });
    document.getElementById("scan-add").addEventListener("click", lookup);
    // Ready for the scanner, without scrolling the page's heading away on a small screen.
    input.focus({ preventScroll: true });
  }

  function initLines() {
    if (!document.getElementById("f-lines") || !rows().length) { return; }
    rows().forEach(wireRow);
    var add = document.getElementById("add-line");
    if (add) {
      add.hidden = false;
      add.addEventListener("click", function () { field(addRow(), "sku").focus(); });
    }
  }

  function initDonor() {
    var form = document.getElementById("receive-form");
    var donor = document.querySelector('[data-role="donor"]');
    var kind = document.querySelector('[data-role="donor_kind"]');
    if (!form || !donor) { return; }
    form.classList.add("js");
    function toggle() {
      var option = donor.options[donor.selectedIndex];
      var known = donor.value !== "";
      Array.prototype.forEach.call(document.querySelectorAll(".new-donor"), function (el) { el.hidden = known; });
      var chosen = known ? option.getAttribute("data-kind") : (kind ? kind.value : "");
      // Only purchases have a cost: the cost boxes show for them alone.
      if (chosen === "purchase") { form.setAttribute("data-purchase", ""); } else { form.removeAttribute("data-purchase"); }
    }
    donor.addEventListener("change", toggle);
    if (kind) { kind.addEventListener("change", toggle); }
    toggle();
  }

  // A form marked data-once is sent once: a second tap while it is on its way does nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-once") || event.defaultPrevented) { return; }
    if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
  });

  document.addEventListener("DOMContentLoaded", function () { initDonor(); initLines(); initScan(); });
})();
