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
  var SUPPORT_REFUSED = "That could not be recorded: scan the card again and try once more.";
  var NUMBER_SHAPE = /^[0-9A-Za-z]{4}[\s-]?[0-9A-Za-z]{4}$/;
  // Pounds as typed in the Paid box: "3", "3.5", "3.50", ".50" (a £ sign is allowed too).
  var POUNDS_SHAPE = /^(\d{1,7}(\.\d{0,2})?|\.\d{1,2})$/;
  var COUNT_SHAPE = /^\d{1,7}$/;
  // When the server refuses the input anyway: the desk's own words, never the schema's.
  var NOT_SENT_AS_IT_WAS = "The check-in could not be sent as it was: check the boxes and tap again.";
  var BAND_UNKNOWN = "The basket names a band this site does not have: reload the page and try again.";
  var LINE_REFUSED = "A scanned product cannot be used here: remove it and scan it again, or count it by band.";
  var REASON_TOO_LONG = "Keep the reason to 200 characters or fewer.";
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

  // Pence from the Paid box: null when it is empty (the fee), NaN when it is not an amount.
  function poundsToPence(text) {
    text = String(text || "").replace("£", "").trim();
    if (text === "") { return null; }
    if (!POUNDS_SHAPE.test(text)) { return NaN; }
    var parts = text.split(".");
    var pence = parts.length > 1 ? parseInt((parts[1] + "00").slice(0, 2), 10) : 0;
    return parseInt(parts[0] || "0", 10) * 100 + pence;
  }

  // A count typed in a band's box: 0 when empty, NaN when it is not a whole number.
  function countOf(text) {
    text = String(text || "").trim();
    if (text === "") { return 0; }
    return COUNT_SHAPE.test(text) ? parseInt(text, 10) : NaN;
  }

  function listed(names) {
    if (names.length < 2) { return names.join(""); }
    return names.slice(0, -1).join(", ") + " and " + names[names.length - 1];
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
    var queue = window.SupermarketOffline || null; // offline.js: the check-ins kept to send
    // A check-in kept after a failed tap is not sent by the queue while its panel is on screen.
    if (queue) { queue.holdWhile(function (key) { return current !== null && current.key === key; }); }
    if (queue) { queue.refreshRoster(api); } // inert without an enrolled device
    if (navigator.serviceWorker && window.isSecureContext) {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    }

    function say(text, kind) {
      statusBox.className = "status" + (kind ? " " + kind : "");
      statusBox.textContent = text;
    }

    function focusSearch(select, keepScroll) {
      if (keepScroll) { search.focus({ preventScroll: true }); } else { search.focus(); }
      if (select) { search.select(); }
    }

    function onScreen(element) {
      var box = element.getBoundingClientRect();
      return box.top >= 0 && box.bottom <= (window.innerHeight || document.documentElement.clientHeight);
    }

    // The member's name and any refusal at the top of the screen when they, or the action
    // bar below them (which stays at the foot of the screen), would be out of sight.
    function showMember() {
      var head = panelBox.querySelector(".member-head") || panelBox.querySelector(".member-panel");
      if (!head) { return; }
      var bar = panelBox.querySelector(".action-bar");
      if (onScreen(head) && (!bar || onScreen(bar))) { return; }
      window.scrollTo(0, Math.max(0, window.pageYOffset + head.getBoundingClientRect().top - 16));
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
          // The search box keeps the focus for the scanner, without scrolling back to it.
          focusSearch(true, true);
          showMember();
        })
        .catch(function (error) {
          if (seq !== panelSeq) { return; }
          if (!(error && error.message === "signed-out") && findOffline(text)) { return; }
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
          if (!(error && error.message === "signed-out") && findOffline(text)) { return; }
          say(error && error.message === "signed-out" ? SIGNED_OUT : LOOKUP_OFFLINE, "error");
        });
    }

    // No network: the member list kept on an enrolled tablet (offline.js), if there is one.
    function findOffline(text) {
      if (!queue) { return false; }
      current = null;
      return queue.showOffline(text, {
        api: api, panel: panelBox, matches: matchesBox, say: say,
        done: function (firstName) {
          matchesBox.innerHTML = "";
          search.value = "";
          say("✓ " + firstName + ": checked offline; the server will confirm.", "ok");
          focusSearch(false);
        },
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
      // Names as you type; numbers and postcodes (with digits) wait for Enter. Matches for
      // an earlier name go as soon as the box no longer holds one.
      if (text.length < 2 || /[0-9]/.test(text)) {
        matchSeq++;
        matchesBox.innerHTML = "";
        return;
      }
      typingTimer = setTimeout(function () { loadMatches(text); }, 250);
    });

    search.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        search.value = "";
        matchSeq++;
        panelSeq++;
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

    // --- support from the panel: a signpost, a referral or a prompt dismissed ---------------
    // Sent in place: the answer is the panel's support part again, so the basket and payment
    // being entered stay as they are.
    panelBox.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.classList || !form.classList.contains("support-form")) { return; }
      event.preventDefault();
      var box = panelBox.querySelector("#checkin-support");
      if (!box || box.getAttribute("aria-busy") === "true") { return; }
      var data = new FormData(form);
      var button = event.submitter;
      if (button && button.name) { data.append(button.name, button.value); }
      box.setAttribute("aria-busy", "true");
      withTimeout(form.action, { method: "POST", body: data,
                                 headers: { "Accept": "text/html", "X-Fragment": "support" } })
        .then(function (response) {
          if (signedOut(response)) { throw new Error("signed-out"); }
          if (response.status !== 200 && response.status !== 422) { throw new Error("refused"); }
          return response.text();
        })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#checkin-support");
          // Its status line is announced; the search box keeps the focus for the scanner.
          if (fresh) { box.replaceWith(fresh); } else { box.remove(); }
        })
        .catch(function (error) {
          box.removeAttribute("aria-busy");
          var text = error && error.message === "signed-out" ? SIGNED_OUT
            : error && error.message === "refused" ? SUPPORT_REFUSED : LOOKUP_OFFLINE;
          say(text, "error");
        });
    });

    function wirePanel() {
      var section = panelBox.querySelector(".member-panel[data-number]");
      var form = panelBox.querySelector("#checkin-form");
      current = null;
      if (!section || !form) { return; }
      var reasonText = form.querySelector("#action-reason-text");
      current = {
        section: section,
        form: form,
        number: section.getAttribute("data-number"),
        firstName: section.getAttribute("data-first-name"),
        fee: toInt(section.getAttribute("data-fee")),
        feeAmount: section.getAttribute("data-fee-amount"),
        maxItems: toInt(section.getAttribute("data-max-items")),
        maxAmount: toInt(section.getAttribute("data-max-amount-pence")),
        key: uuid(),
        lines: [],
        override: form.querySelector("#override"),
        needsOverride: !form.querySelector("#override").hasAttribute("hidden"),
        button: form.querySelector("#checkin-submit"),
        error: form.querySelector("#checkin-error"),
        total: form.querySelector("#basket-total"),
        reason: form.querySelector("#action-reason"),
        reasonText: reasonText,
        rules: reasonText ? reasonText.textContent.trim() : "", // the refusals the server gave
        confirm: form.querySelector("#confirm-empty"),
        emptyConfirmed: false,
        amount: form.querySelector("#pay-amount"), // none when nothing is due
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
            recheck();
          });
        });
        input.addEventListener("input", function () { update(); recheck(); });
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

      var amount = current.amount;
      if (amount) {
        var reason = form.querySelector("#pay-reason");
        var reasonField = form.querySelector(".reason-field");
        var fee = current.feeAmount;
        var payUpdate = function () {
          // The reason box shows only when it is needed: a waived fee or another amount.
          var method = form.querySelector("input[name=payment_method]:checked").value;
          var usual = method !== "waived" && (amount.value.replace("£", "").trim() === fee || amount.value.trim() === "");
          reasonField.classList.toggle("quiet", usual && !reason.value && reason.getAttribute("aria-invalid") !== "true");
        };
        Array.prototype.forEach.call(form.querySelectorAll("input[name=payment_method]"), function (radio) {
          radio.addEventListener("change", function () {
            if (radio.value === "waived") {
              amount.value = "0.00";
              amount.disabled = true;
              recheck();
              payUpdate();
              reason.focus();
            } else {
              amount.disabled = false;
              if (amount.value === "0.00" || amount.value === "") { amount.value = fee; }
              recheck();
              payUpdate();
            }
          });
        });
        amount.addEventListener("input", function () { recheck(); payUpdate(); });
        reason.addEventListener("input", function () { recheck(); payUpdate(); });
        payUpdate();
      }
      Array.prototype.forEach.call(form.querySelectorAll("input[name=override_reason]"), function (radio) {
        radio.addEventListener("change", function () { recheck(); });
      });
      // More than one visit type: the chosen one decides the fee and whether an override is
      // needed (the server gave both on each choice).
      var chooseType = function (radio) {
        current.fee = toInt(radio.getAttribute("data-fee"));
        current.needsOverride = radio.getAttribute("data-override") === "yes";
        current.rules = radio.getAttribute("data-reasons") || "";
        update();
      };
      Array.prototype.forEach.call(form.querySelectorAll("input[name=visit_type]"), function (radio) {
        radio.addEventListener("change", function () { chooseType(radio); recheck(); });
        if (radio.checked) { chooseType(radio); }
      });
      var other = form.querySelector("#reason-other");
      if (other) {
        other.addEventListener("change", function () { form.querySelector("#override-other").focus(); });
        form.querySelector("#override-other").addEventListener("input", function () {
          other.checked = true;
          recheck();
        });
      }

      form.querySelector("#confirm-empty-yes").addEventListener("click", function () {
        if (!current) { return; }
        current.emptyConfirmed = true;
        askEmpty(false);
        checkIn();
      });
      form.querySelector("#confirm-empty-no").addEventListener("click", function () {
        if (!current) { return; }
        askEmpty(false);
        var first = current.form.querySelector(".count");
        if (first) { first.focus(); } else { focusSearch(false); }
      });

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

    function basketIsEmpty() {
      return Object.keys(basket()).length === 0 && current.lines.length === 0;
    }

    function update() {
      if (!current) { return; }
      var parts = [];
      var overParts = [];
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
        if (isOver) { overParts.push(label); }
      });
      current.total.textContent = parts.join(" · ") + " · worth about " + money(value);
      current.total.classList.toggle("over", over);
      // Beside the button: why an override is needed, the server's reasons and the basket's.
      var why = current.rules;
      if (overParts.length) { why = (why ? why + " " : "") + "More than the allowance: " + overParts.join(", ") + "."; }
      if (current.reasonText) {
        current.reasonText.textContent = why;
        current.reason.hidden = !why;
      }
      // A changed basket asks again before checking in with nothing.
      current.emptyConfirmed = false;
      askEmpty(false);
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

    // The app's own confirm step, in the action bar in place of the button.
    function askEmpty(ask) {
      if (!current || !current.confirm) { return; }
      if (ask) {
        current.confirm.querySelector("#confirm-empty-text").textContent =
          "Nothing is in " + current.firstName + "'s basket. An override is recorded and " +
          "reported: check " + current.firstName + " in with nothing?";
      }
      current.confirm.hidden = !ask;
      current.button.hidden = ask;
    }

    function overrideReason() {
      var chosen = current.form.querySelector("input[name=override_reason]:checked");
      if (!chosen) { return ""; }
      if (chosen.value === "other") { return current.form.querySelector("#override-other").value.trim(); }
      return chosen.value;
    }

    // --- what is wrong, box by box, in the box's units ------------------------------------------

    function problem(input, box, name, text) {
      return { input: input, box: box, name: name, text: text };
    }

    function bandName(row) {
      var band = row.getAttribute("data-band");
      return band.charAt(0).toUpperCase() + band.slice(1);
    }

    function hintOf(box) { return box.getAttribute("data-hint"); }

    function amountProblem() {
      var box = current.form.querySelector("#pay-amount-error");
      return problem(current.amount, box, "Paid (£)", hintOf(box));
    }

    function reasonProblem(text) {
      var form = current.form;
      if (!text) {
        var waived = form.querySelector("input[name=payment_method]:checked").value === "waived";
        text = waived ? "Say why the fee is waived." : "Say why the amount paid is not the fee.";
      }
      return problem(form.querySelector("#pay-reason"), form.querySelector("#pay-reason-error"),
                     "the reason for the fee", text);
    }

    function overrideProblem(text) {
      var form = current.form;
      var input = form.querySelector("input[name=override_reason]:checked") || form.querySelector("input[name=override_reason]");
      return problem(input, form.querySelector("#override-error"), "the override reason", text);
    }

    // Everything wrong with the form, all at once, before anything is sent.
    function check() {
      var form = current.form;
      var found = [];
      Array.prototype.forEach.call(form.querySelectorAll(".band-row"), function (row) {
        var n = countOf(row.querySelector(".count").value);
        if (isNaN(n) || n > current.maxItems) {
          var box = row.querySelector(".field-error");
          found.push(problem(row.querySelector(".count"), box, bandName(row), hintOf(box)));
        }
      });
      if (current.amount) {
        var waived = form.querySelector("input[name=payment_method]:checked").value === "waived";
        var pence = waived ? 0 : poundsToPence(current.amount.value);
        var reason = form.querySelector("#pay-reason").value.trim();
        if (pence !== null && (isNaN(pence) || pence > current.maxAmount)) {
          found.push(amountProblem());
        } else if (!reason && (waived || (pence !== null && pence !== current.fee))) {
          found.push(reasonProblem());
        }
      }
      if (!current.override.hidden && form.querySelector("input[name=override_reason]") && !overrideReason()) {
        found.push(overrideProblem("Choose a reason to override, or type one."));
      }
      return found;
    }

    function clearProblems() {
      Array.prototype.forEach.call(current.form.querySelectorAll(".field-error"), function (box) {
        box.textContent = "";
        box.hidden = true;
      });
      Array.prototype.forEach.call(current.form.querySelectorAll("[aria-invalid]"), function (input) {
        input.removeAttribute("aria-invalid");
      });
    }

    // Each problem beside its box, and a summary by the button naming the boxes.
    function showProblems(found, focus) {
      clearProblems();
      var names = [];
      var loose = [];
      found.forEach(function (p) {
        if (p.box) {
          p.box.textContent = p.text;
          p.box.hidden = false;
          if (p.input) { p.input.setAttribute("aria-invalid", "true"); }
          if (names.indexOf(p.name) === -1) { names.push(p.name); }
        } else if (loose.indexOf(p.text) === -1) {
          loose.push(p.text);
        }
      });
      var summary = loose.slice();
      if (names.length) { summary.unshift("Not checked in yet: check " + listed(names) + "."); }
      showError(summary.join(" "));
      if (focus && found.length && found[0].input) { found[0].input.focus(); }
    }

    // Once a problem shows, each change says at once whether it is put right.
    function recheck() {
      if (!current) { return; }
      if (!current.form.querySelector(".field-error:not([hidden])")) { return; }
      showProblems(check(), false);
    }

    // The server's refusal of the input, box by box, in the desk's own words.
    function fromFields(fields) {
      var found = [];
      var form = current.form;
      Object.keys(fields).forEach(function (name) {
        var value = fields[name];
        var inner = value && typeof value === "object" && !Array.isArray(value) ? value : {};
        if (name === "payment" && current.amount) {
          if (inner.amount_pence) { found.push(amountProblem()); }
          if (inner.reason) { found.push(reasonProblem()); }
          if (!inner.amount_pence && !inner.reason) { found.push(problem(null, null, "", NOT_SENT_AS_IT_WAS)); }
        } else if (name === "basket") {
          Object.keys(inner).forEach(function (band) {
            var row = form.querySelector('.band-row[data-band="' + band.replace(/[^a-z0-9_]/g, "") + '"]');
            if (row) {
              var box = row.querySelector(".field-error");
              found.push(problem(row.querySelector(".count"), box, bandName(row), hintOf(box)));
            } else {
              found.push(problem(null, null, "", BAND_UNKNOWN));
            }
          });
          if (!Object.keys(inner).length) { found.push(problem(null, null, "", NOT_SENT_AS_IT_WAS)); }
        } else if (name === "lines") {
          found.push(problem(form.querySelector("#product-code"), form.querySelector("#lines-error"), "the products scanned", LINE_REFUSED));
        } else if (name === "override_reason" && !current.override.hidden && form.querySelector("input[name=override_reason]")) {
          found.push(overrideProblem(REASON_TOO_LONG));
        } else {
          found.push(problem(null, null, "", NOT_SENT_AS_IT_WAS));
        }
      });
      return found.length ? found : [problem(null, null, "", NOT_SENT_AS_IT_WAS)];
    }

    // --- checking in -------------------------------------------------------------------------

    function body() {
      var form = current.form;
      var data = {
        membership_number: current.number,
        basket: basket(),
        lines: current.lines.map(function (l) { return { sku: l.sku, quantity: l.quantity }; }),
      };
      if (current.amount) { // nothing due: no payment, and the server records the fee of £0.00
        var method = form.querySelector("input[name=payment_method]:checked").value;
        var payment = { method: method, reason: form.querySelector("#pay-reason").value.trim() };
        if (method !== "waived") {
          var typed = current.amount.value.replace("£", "").trim();
          if (typed === current.feeAmount) {
            payment.amount_pence = current.fee; // the fee, as the server gave it
          } else {
            var pence = poundsToPence(typed);
            if (pence !== null) { payment.amount_pence = pence; }
          }
        }
        data.payment = payment;
      }
      if (!current.override.hidden) { data.override_reason = overrideReason(); }
      var type = form.querySelector("input[name=visit_type]:checked");
      if (type) { data.visit_type = type.value; }
      var proxy = form.querySelector("input[name=proxy]:checked");
      if (proxy && proxy.value) { data.proxy = parseInt(proxy.value, 10); }
      return data;
    }

    function checkIn() {
      if (!current || current.busy) { return; }
      var panel = current;
      var found = check();
      if (found.length) { showProblems(found, true); return; }
      clearProblems();
      if (!panel.override.hidden && !panel.form.querySelector("input[name=override_reason]")) {
        showError("Only a site manager can override a rule at this site. Ask the manager on shift.");
        return;
      }
      if (!panel.override.hidden && basketIsEmpty() && !panel.emptyConfirmed) {
        showError("");
        askEmpty(true);
        // The button that had the focus is gone: the next card scanned still lands in the box.
        focusSearch(false, true);
        return;
      }
      showError("");
      panel.busy = true;
      panel.button.disabled = true;
      var label = panel.button.textContent;
      panel.button.textContent = "Checking in…";
      var sent = body();
      withTimeout(api, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "Idempotency-Key": panel.key },
        body: JSON.stringify(sent),
      })
        .then(function (response) {
          return response.json().catch(function () { return {}; })
            .then(function (data) { return { status: response.status, data: data }; });
        })
        .then(function (result) {
          if (result.status === 200 || result.status === 201) {
            if (queue) { queue.forget(panel.key); } // kept after an earlier failed tap
            done(result.data);
            return;
          }
          panel.busy = false;
          panel.button.disabled = false;
          panel.button.textContent = label;
          if (panel !== current) { return; }
          if (result.status >= 500) { showError(OFFLINE); return; }
          if (result.status === 401) { showError(SIGNED_OUT); return; }
          refused((result.data && result.data.error) || {});
        })
        .catch(function () {
          // Nothing is known about the attempt: keep its key so a retry cannot double it.
          // The check-in is queued on the tablet with that key (offline.js): offline, the
          // desk moves on; online, the panel stays for a tap and the queue sends it if not.
          var wasOffline = navigator.onLine === false;
          var kept = queue ? queue.record(api, sent, panel.key, wasOffline) : Promise.reject(new Error("no queue"));
          kept.then(function () {
            if (wasOffline) { doneOffline(panel); return; }
            throw new Error("online");
          }).catch(function () {
            panel.busy = false;
            panel.button.disabled = false;
            panel.button.textContent = label;
            if (panel === current) { showError(OFFLINE); }
          });
        });
    }

    function refused(error) {
      if (error.code === "validation_error") {
        showProblems(fromFields(error.fields || {}), true);
        return;
      }
      showError(error.message || "The check-in was refused.");
      if (error.details && error.details.overridable) {
        current.needsOverride = true;
        showOverride(true);
      }
    }

    function doneOffline(panel) {
      panel.busy = false;
      if (panel !== current) { return; }
      panelBox.innerHTML = "";
      matchesBox.innerHTML = "";
      current = null;
      search.value = "";
      say("✓ " + panel.firstName + ": checked offline; the server will confirm.", "ok");
      focusSearch(false);
    }

    function done(visit) {
      var left = visit.visits_left_this_week;
      var paid = visit.payment_method === "waived" ? "fee waived"
        : (visit.fee_pence === 0 && visit.amount_paid_pence === 0) ? "nothing to pay"
        : money(visit.amount_paid_pence) + " " + visit.payment_method;
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
    if (panelBox.querySelector(".member-panel")) {
      focusSearch(Boolean(search.value), true);
      showMember();
    } else {
      focusSearch(Boolean(search.value));
    }
  });
})();
