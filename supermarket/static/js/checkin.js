// The check-in desk: scan a card or type a name, see the member's panel, check in through the
// JSON API, and be ready for the next card without reloading. No inline script (CSP).
// Every check-in attempt carries an Idempotency-Key that is reused on retry, so a tap after a
// network failure never records a visit twice.
"use strict";
(function () {
  document.documentElement.classList.add("js");

  var OFFLINE = "Could not reach the server — tap again; it will not be recorded twice.";
  var LOOKUP_OFFLINE = "Could not reach the server — check the Wi-Fi and try again.";
  var SIGNED_OUT = "You have been signed out. Sign in again to carry on.";
  var NUMBER_SHAPE = /^[0-9A-Za-z]{4}[\s-]?[0-9A-Za-z]{4}$/;
  var TIMEOUT_MS = 15000;

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    // crypto.randomUUID needs a secure context; getRandomValues does not.
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function money(pence) {
    var sign = pence < 0 ? "-" : "";
    pence = Math.abs(pence);
    return sign + "£" + Math.floor(pence / 100) + "." + ("0" + (pence % 100)).slice(-2);
  }

  function toInt(text) {
    var n = parseInt(String(text || "").trim(), 10);
    return isNaN(n) || n < 0 ? 0 : n;
  }

  function withTimeout(url, options) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    if (controller) { options.signal = controller.signal; }
    var call = options.method === "POST" ? window.appFetch(url, options) : fetch(url, options);
    return call.then(function (response) { clearTimeout(timer); return response; },
                     function (error) { clearTimeout(timer); throw error; });
  }

  ready(function () {
    var root = document.querySelector(".checkin");
    if (!root) { return; }
    var search = document.getElementById("checkin-q");
    var searchForm = document.getElementById("checkin-search");
    var statusBox = document.getElementById("checkin-status");
    var matchesBox = document.getElementById("checkin-matches");
    var panelBox = document.getElementById("checkin-panel");
    var api = root.getAttribute("data-api");
    var panelUrl = root.getAttribute("data-panel-url");
    var matchesUrl = root.getAttribute("data-matches-url");
    var productUrl = root.getAttribute("data-product-url");
    var typingTimer = null;
    var panelSeq = 0;
    var matchSeq = 0;
    var current = null; // the wired panel: {form, key, lines, ...}

    function say(text, kind) {
      statusBox.className = "status" + (kind ? " " + kind : "");
      statusBox.textContent = text;
    }

    function focusSearch(select) {
      search.focus();
      if (select) { search.select(); }
    }

    function signedOut(response) {
      return response.status === 401 || (response.redirected && response.url.indexOf("/login") !== -1);
    }

    // --- finding the member ------------------------------------------------------------------

    function loadPanel(text, fallbackToNames) {
      var seq = ++panelSeq;
      matchSeq++;
      matchesBox.innerHTML = "";
      say("");
      var number = text.replace(/[\s-]+/g, "");
      withTimeout(panelUrl.replace("NUMBER", encodeURIComponent(number)),
                  { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (signedOut(response)) { throw new Error("signed-out"); }
          return response.text().then(function (html) { return { status: response.status, html: html }; });
        })
        .then(function (result) {
          if (seq !== panelSeq) { return; }
          if (result.status === 422 && fallbackToNames) {
            panelBox.innerHTML = "";
            current = null;
            loadMatches(text);
            return;
          }
          panelBox.innerHTML = result.html;
          wirePanel();
          focusSearch(true);
          // Keep the check-in button on screen; the search box keeps the focus for the scanner.
          var button = panelBox.querySelector("#checkin-submit") || panelBox.querySelector(".member-panel");
          if (button && button.scrollIntoView) { button.scrollIntoView({ block: "nearest" }); }
        })
        .catch(function (error) {
          if (seq !== panelSeq) { return; }
          say(error && error.message === "signed-out" ? SIGNED_OUT : LOOKUP_OFFLINE, "error");
        });
    }

    function loadMatches(text) {
      var seq = ++matchSeq;
      withTimeout(matchesUrl + "?q=" + encodeURIComponent(text),
                  { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (signedOut(response)) { throw new Error("signed-out"); }
          return response.text();
        })
        .then(function (html) {
          if (seq !== matchSeq) { return; }
          matchesBox.innerHTML = html;
        })
        .catch(function (error) {
          if (seq !== matchSeq) { return; }
          say(error && error.message === "signed-out" ? SIGNED_OUT : LOOKUP_OFFLINE, "error");
        });
    }

    function find(text) {
      text = text.trim();
      clearTimeout(typingTimer);
      if (!text) { return; }
      if (NUMBER_SHAPE.test(text)) {
        // Some names have the shape of a number ("Chambers"): without a digit, fall back.
        loadPanel(text, !/[0-9]/.test(text));
      } else {
        panelSeq++;
        panelBox.innerHTML = "";
        current = null;
        loadMatches(text);
      }
    }

    searchForm.addEventListener("submit", function (event) {
      event.preventDefault();
      find(search.value);
    });

    search.addEventListener("input", function () {
      clearTimeout(typingTimer);
      var text = search.value.trim();
      // Names as you type; numbers and postcodes (with digits) wait for Enter.
      if (text.length < 2 || /[0-9]/.test(text)) { return; }
      typingTimer = setTimeout(function () { loadMatches(text); }, 250);
    });

    search.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        search.value = "";
        matchesBox.innerHTML = "";
        panelBox.innerHTML = "";
        current = null;
      }
    });

    matchesBox.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a.match") : null;
      if (!link) { return; }
      event.preventDefault();
      loadPanel(link.getAttribute("data-number"), false);
    });

    // --- the panel ---------------------------------------------------------------------------

    function wirePanel() {
      var section = panelBox.querySelector(".member-panel[data-number]");
      var form = panelBox.querySelector("#checkin-form");
      current = null;
      if (!section || !form) { return; }
      current = {
        section: section,
        form: form,
        number: section.getAttribute("data-number"),
        firstName: section.getAttribute("data-first-name"),
        fee: toInt(section.getAttribute("data-fee")),
        feeAmount: section.getAttribute("data-fee-amount"),
        maxItems: toInt(section.getAttribute("data-max-items")),
        key: uuid(),
        lines: [],
        override: form.querySelector("#override"),
        needsOverride: !form.querySelector("#override").hasAttribute("hidden"),
        button: form.querySelector("#checkin-submit"),
        error: form.querySelector("#checkin-error"),
        total: form.querySelector("#basket-total"),
        busy: false,
      };
      form.querySelector("input[name=idempotency_key]").value = current.key;

      Array.prototype.forEach.call(form.querySelectorAll(".band-row"), function (row) {
        var input = row.querySelector(".count");
        Array.prototype.forEach.call(row.querySelectorAll(".step"), function (button) {
          button.addEventListener("click", function () {
            var delta = button.getAttribute("data-step") === "1" ? 1 : -1;
            var next = Math.min(current.maxItems, Math.max(0, toInt(input.value) + delta));
            input.value = next ? String(next) : "";
            update();
          });
        });
        input.addEventListener("input", update);
        input.addEventListener("keydown", function (event) {
          // A card scanned while a count has focus goes to the search box, not the count.
          if (event.key && event.key.length === 1 && /[A-Za-z]/.test(event.key)) {
            event.preventDefault();
            search.value = event.key;
            focusSearch(false);
          }
        });
      });

      form.addEventListener("keydown", function (event) {
        // Only the big button checks in: Enter in a box never does.
        if (event.key === "Enter" && event.target.tagName === "INPUT" && event.target.id !== "product-code") {
          event.preventDefault();
        }
      });

      var amount = form.querySelector("#pay-amount");
      var reason = form.querySelector("#pay-reason");
      var reasonField = form.querySelector(".reason-field");
      var fee = current.feeAmount;
      function payUpdate() {
        // The reason box shows only when it is needed: a waived fee or another amount.
        var method = form.querySelector("input[name=payment_method]:checked").value;
        var usual = method !== "waived" && (amount.value.replace("£", "").trim() === fee || amount.value.trim() === "");
        reasonField.classList.toggle("quiet", usual && !reason.value);
      }
      Array.prototype.forEach.call(form.querySelectorAll("input[name=payment_method]"), function (radio) {
        radio.addEventListener("change", function () {
          if (radio.value === "waived") {
            amount.value = "0.00";
            amount.disabled = true;
            payUpdate();
            reason.focus();
          } else {
            amount.disabled = false;
            if (amount.value === "0.00" || amount.value === "") { amount.value = fee; }
            payUpdate();
          }
        });
      });
      amount.addEventListener("input", payUpdate);
      payUpdate();
      Array.prototype.forEach.call(form.querySelectorAll("input[name=override_reason]"), function (radio) {
        radio.addEventListener("change", function () { showError(""); });
      });
      var other = form.querySelector("#reason-other");
      if (other) {
        other.addEventListener("change", function () { form.querySelector("#override-other").focus(); });
        form.querySelector("#override-other").addEventListener("input", function () { other.checked = true; });
      }

      var scan = form.querySelector(".scan-products");
      if (scan && productUrl) {
        scan.hidden = false;
        var code = scan.querySelector("#product-code");
        code.addEventListener("keydown", function (event) {
          if (event.key !== "Enter") { return; }
          event.preventDefault();
          addProduct(code.value.trim(), code);
        });
      }
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        checkIn();
      });
      update();
    }

    function addProduct(text, box) {
      if (!text || !current) { return; }
      var panel = current;
      withTimeout(productUrl.replace("CODE", encodeURIComponent(text)),
                  { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (result) {
          if (panel !== current) { return; }
          if (!result.ok) { showError(result.body.error ? result.body.error.message : "No product has that code."); return; }
          var p = result.body;
          var found = panel.lines.filter(function (l) { return l.sku === p.sku; })[0];
          if (found) { found.quantity += 1; } else {
            panel.lines.push({ sku: p.sku, name: p.name, band: p.band, price: p.reference_price_pence, quantity: 1 });
          }
          box.value = "";
          renderLines();
          update();
        })
        .catch(function () { if (panel === current) { showError(LOOKUP_OFFLINE); } });
    }

    function renderLines() {
      var list = current.form.querySelector("#scanned-lines");
      list.innerHTML = "";
      current.lines.forEach(function (line, index) {
        var item = document.createElement("li");
        var label = document.createElement("span");
        label.textContent = line.name + " (" + line.band + ") × " + line.quantity;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "button";
        remove.textContent = "Remove";
        remove.addEventListener("click", function () {
          current.lines.splice(index, 1);
          renderLines();
          update();
        });
        item.appendChild(label);
        item.appendChild(remove);
        list.appendChild(item);
      });
    }

    function basket() {
      var counts = {};
      Array.prototype.forEach.call(current.form.querySelectorAll(".band-row"), function (row) {
        var n = toInt(row.querySelector(".count").value);
        if (n) { counts[row.getAttribute("data-band")] = n; }
      });
      return counts;
    }

    function update() {
      if (!current) { return; }
      var parts = [];
      var value = 0;
      var over = false;
      var typed = basket();
      Array.prototype.forEach.call(current.form.querySelectorAll(".band-row"), function (row) {
        var band = row.getAttribute("data-band");
        var limit = row.getAttribute("data-limit");
        var n = typed[band] || 0;
        value += n * toInt(row.getAttribute("data-value"));
        current.lines.forEach(function (line) {
          if (line.band === band) { n += line.quantity; value += line.quantity * line.price; }
        });
        var isOver = limit !== "" && n > toInt(limit);
        row.classList.toggle("over", isOver);
        over = over || isOver;
        if (limit === "" && !n) { return; } // an uncounted band says nothing until used
        var label = band.charAt(0).toUpperCase() + band.slice(1) + " " + n + (limit !== "" ? " of " + limit : "");
        parts.push(isOver ? label + " (over)" : label);
      });
      current.total.textContent = parts.join(" · ") + " · worth about " + money(value);
      current.total.classList.toggle("over", over);
      showOverride(current.needsOverride || over);
    }

    function showOverride(show) {
      if (!current.override) { return; }
      current.override.hidden = !show;
      current.button.textContent = show ? "Override and check in" : "Check in " + current.firstName;
    }

    function showError(text) {
      current.error.textContent = text;
      current.error.hidden = !text;
    }

    function overrideReason() {
      var chosen = current.form.querySelector("input[name=override_reason]:checked");
      if (!chosen) { return ""; }
      if (chosen.value === "other") { return current.form.querySelector("#override-other").value.trim(); }
      return chosen.value;
    }

    function body() {
      var form = current.form;
      var method = form.querySelector("input[name=payment_method]:checked").value;
      var payment = { method: method, reason: form.querySelector("#pay-reason").value.trim() };
      if (method !== "waived") {
        var typed = form.querySelector("#pay-amount").value.replace("£", "").trim();
        if (typed === current.feeAmount) {
          payment.amount_pence = current.fee; // the fee, as the server gave it
        } else if (typed !== "") {
          var pence = Math.round(parseFloat(typed) * 100);
          payment.amount_pence = isNaN(pence) ? -1 : pence;
        }
      }
      var data = {
        membership_number: current.number,
        basket: basket(),
        lines: current.lines.map(function (l) { return { sku: l.sku, quantity: l.quantity }; }),
        payment: payment,
      };
      if (!current.override.hidden) { data.override_reason = overrideReason(); }
      return data;
    }

    function checkIn() {
      if (!current || current.busy) { return; }
      var panel = current;
      if (!panel.override.hidden && panel.form.querySelector("input[name=override_reason]") && !overrideReason()) {
        showError("Choose a reason to override, or type one.");
        return;
      }
      if (!panel.override.hidden && !panel.form.querySelector("input[name=override_reason]")) {
        showError("Only a site manager can override a rule at this site. Ask the manager on shift.");
        return;
      }
      showError("");
      panel.busy = true;
      panel.button.disabled = true;
      var label = panel.button.textContent;
      panel.button.textContent = "Checking in…";
      withTimeout(api, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "Idempotency-Key": panel.key },
        body: JSON.stringify(body()),
      })
        .then(function (response) {
          return response.json().catch(function () { return {}; })
            .then(function (data) { return { status: response.status, data: data }; });
        })
        .then(function (result) {
          if (result.status === 200 || result.status === 201) { done(result.data); return; }
          panel.busy = false;
          panel.button.disabled = false;
          panel.button.textContent = label;
          if (result.status >= 500) { showError(OFFLINE); return; }
          if (result.status === 401) { showError(SIGNED_OUT); return; }
          refused((result.data && result.data.error) || {});
        })
        .catch(function () {
          // Nothing is known about the attempt: keep its key so a retry cannot double it.
          panel.busy = false;
          panel.button.disabled = false;
          panel.button.textContent = label;
          if (panel === current) { showError(OFFLINE); }
        });
    }

    function refused(error) {
      var text = error.message || "The check-in was refused.";
      var fields = error.fields || {};
      var detail = [];
      Object.keys(fields).forEach(function (name) {
        var value = fields[name];
        if (typeof value === "string") { detail.push(value); }
        else if (Array.isArray(value)) { detail.push(value.join(" ")); }
        else if (value && typeof value === "object") {
          Object.keys(value).forEach(function (k) {
            var v = value[k];
            detail.push(Array.isArray(v) ? v.join(" ") : (typeof v === "string" ? v : ""));
          });
        }
      });
      showError(detail.length ? text + " " + detail.join(" ") : text);
      if (error.details && error.details.overridable) {
        current.needsOverride = true;
        showOverride(true);
      }
    }

    function done(visit) {
      var left = visit.visits_left_this_week;
      var paid = visit.payment_method === "waived" ? "fee waived" : money(visit.amount_paid_pence) + " " + visit.payment_method;
      var text = "✓ " + visit.first_name + " checked in — " + paid + ". " +
        (left === 0 ? "No visits left this week." : left + " visit" + (left === 1 ? "" : "s") + " left this week.");
      if (visit.replayed) { text += " (It had already been recorded.)"; }
      panelBox.innerHTML = "";
      matchesBox.innerHTML = "";
      current = null;
      search.value = "";
      say(text, "ok");
      focusSearch(false);
    }

    if (panelBox.querySelector("#checkin-form")) { wirePanel(); }
    focusSearch(Boolean(search.value));
  });
})();
