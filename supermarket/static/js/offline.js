// The desk's offline side: a queue of check-ins kept in IndexedDB and sent when the network is
// back, a calm banner saying how many are waiting, and (on an enrolled tablet) the site's roster
// kept encrypted for finding members offline. No inline script (CSP). Loaded before checkin.js,
// which uses window.SupermarketOffline.
//
// Every check-in keeps the Idempotency-Key it was given when it was recorded, and its body is
// fixed then too, so a send cut off mid-way and sent again can never record a visit twice.
// Only one tab sends at a time (navigator.locks); the key makes a double send harmless anyway.
"use strict";
(function () {
  var DB_NAME = "supermarket-offline";
  var QUEUE = "queue";
  var ROSTER = "roster";
  var DEVICE_KEY = "supermarket.device";
  var ROSTER_KEY_SESSION = "supermarket.roster-key";
  var LOCK = "supermarket-checkin-queue";
  var BACKOFF_MS = [2000, 5000, 10000, 30000, 60000];
  var RETRY_STATUSES = [408, 429];

  var dbPromise = null;
  var holder = function () { return false; };
  var sending = false;
  var retryTimer = null;
  var failures = 0;
  var lastCount = 0;
  var signedOut = false;
  var listeners = [];
  var channel = window.BroadcastChannel ? new BroadcastChannel("supermarket-offline") : null;

  // --- IndexedDB ---------------------------------------------------------------------------

  function openDb() {
    if (dbPromise) { return dbPromise; }
    dbPromise = new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no-indexeddb")); return; }
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(QUEUE)) {
          var store = db.createObjectStore(QUEUE, { keyPath: "id", autoIncrement: true });
          store.createIndex("idempotency_key", "idempotency_key", { unique: true });
        }
        if (!db.objectStoreNames.contains(ROSTER)) { db.createObjectStore(ROSTER, { keyPath: "site" }); }
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return dbPromise;
  }

  function tx(store, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode);
        var result;
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
        work(t.objectStore(store), function (value) { result = value; });
      });
    });
  }

  function all() {
    return tx(QUEUE, "readonly", function (store, set) {
      var request = store.getAll();
      request.onsuccess = function () { set(request.result || []); };
    });
  }

  function put(item) {
    return tx(QUEUE, "readwrite", function (store) { store.put(item); });
  }

  function removeKey(key) {
    return tx(QUEUE, "readwrite", function (store) {
      var request = store.index("idempotency_key").getKey(key);
      request.onsuccess = function () { if (request.result !== undefined) { store.delete(request.result); } };
    });
  }

  function byKey(key) {
    return tx(QUEUE, "readonly", function (store, set) {
      var request = store.index("idempotency_key").get(key);
      request.onsuccess = function () { set(request.result || null); };
    });
  }

  // --- the device, the clock ------------------------------------------------------------------

  function device() {
    try { return window.localStorage.getItem(DEVICE_KEY) || ""; } catch (e) { return ""; }
  }

  function offline() { return navigator.onLine === false; }

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // --- recording and sending ----------------------------------------------------------------

  // Keep a check-in to send later. `recordedOffline`: the tablet knew it was offline when the
  // volunteer checked the member in, so the server is told when (and on which enrolled
  // tablet, if it is one) and applies the rules as of then, marking for review what they
  // would refuse: the food has gone, so the visit is never dropped.
  // The body is fixed now: a retry with the same key sends the very same request.
  function record(api, body, key, recordedOffline) {
    return byKey(key).then(function (existing) {
      if (existing) { return existing; }
      var data = JSON.parse(JSON.stringify(body));
      var recordedAt = new Date().toISOString();
      var id = device();
      if (recordedOffline) { data.offline = { recorded_at: recordedAt, device: id || "" }; }
      var item = {
        idempotency_key: key,
        api: api,
        body: data,
        number: body.membership_number || "",
        recorded_at: recordedAt,
        attempts: 0,
        state: "waiting",
        error: "",
      };
      return put(item).then(function () { return item; });
    }).then(function (item) {
      changed();
      schedule(offline() ? null : BACKOFF_MS[0]);
      return item;
    });
  }

  function forget(key) {
    return removeKey(key).then(changed, changed);
  }

  function errorText(status, data) {
    var error = (data && data.error) || {};
    return error.message || ("The server refused it (" + status + ").");
  }

  // One item, with its own key. Resolves to "sent", "retry", "attention" or "signed-out".
  function sendOne(item) {
    var headers = {
      "Content-Type": "application/json",
      "Accept": "application/json",
      "Idempotency-Key": item.idempotency_key,
    };
    var token = csrf();
    if (token) { headers["X-CSRFToken"] = token; }
    return fetch(item.api, {
      method: "POST", credentials: "same-origin", headers: headers, body: JSON.stringify(item.body),
    }).then(function (response) {
      if ((response.status === 200 || response.status === 201) && item.kind === "registration") {
        return response.json().then(function (data) {
          return settleRegistration(item, data.membership_number);
        }).then(function () { return "sent"; });
      }
      if (response.status === 200 || response.status === 201) {
        return removeKey(item.idempotency_key).then(function () { return "sent"; });
      }
      if (response.status === 401 || (response.redirected && response.url.indexOf("/login") !== -1)) {
        return "signed-out";
      }
      if (response.status >= 500 || RETRY_STATUSES.indexOf(response.status) !== -1) { return "retry"; }
      return response.json().catch(function () { return {}; }).then(function (data) {
        // The same registration was being stored from another tab at that moment: its
        // retry, with the same key, is answered with that registration.
        if (data && data.error && data.error.code === "registration_in_progress") { return "retry"; }
        item.state = "attention";
        item.error = errorText(response.status, data);
        return put(item).then(function () { return "attention"; });
      });
    }, function () {
      // Cut off: nothing is known of this attempt; the same key goes again later.
      item.attempts += 1;
      return put(item).then(function () { return "retry"; }, function () { return "retry"; });
    });
  }

  function sendAll() {
    return all().then(function (items) {
      var waiting = items.filter(function (i) { return i.state === "waiting"; })
        .sort(function (a, b) { return a.id - b.id; }); // oldest first
      var outcome = "done";
      var held = false;
      var chain = Promise.resolve();
      waiting.forEach(function (item) {
        chain = chain.then(function () {
          if (outcome !== "done") { return; }
          // On screen after a failed tap: the volunteer's next tap sends it; the rest go on.
          if (holder(item.idempotency_key)) { held = true; return; }
          return Promise.all([byKey(item.idempotency_key), all()]).then(function (found) {
            var fresh = found[0];
            if (!fresh || fresh.state !== "waiting") { return; } // sent by another tab
            if (waitsForRegistration(fresh, found[1])) { return; } // its registration is not in
            return sendOne(fresh).then(function (result) {
              if (result === "retry" || result === "signed-out") { outcome = result; }
              changed();
            });
          });
        });
      });
      return chain.then(function () { return outcome === "done" && held ? "held" : outcome; });
    });
  }

  function withLock(work) {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request(LOCK, { ifAvailable: true }, function (lock) {
        if (!lock) { return "busy"; } // another tab is sending
        return work();
      });
    }
    return work();
  }

  function sync() {
    if (sending || offline()) { return Promise.resolve("skipped"); }
    clearTimeout(retryTimer);
    retryTimer = null;
    sending = true;
    changed();
    return withLock(sendAll).then(function (outcome) {
      sending = false;
      signedOut = outcome === "signed-out";
      if (outcome === "retry" || outcome === "busy") {
        failures += 1;
        schedule(BACKOFF_MS[Math.min(failures, BACKOFF_MS.length) - 1]);
      } else if (outcome === "held") {
        failures = 0;
        schedule(BACKOFF_MS[1]);
      } else {
        failures = 0;
      }
      changed();
      return outcome;
    }, function () {
      sending = false;
      failures += 1;
      schedule(BACKOFF_MS[Math.min(failures, BACKOFF_MS.length) - 1]);
      changed();
      return "retry";
    });
  }

  function schedule(delay) {
    if (delay === null || delay === undefined) { return; }
    if (retryTimer) { return; }
    retryTimer = setTimeout(function () { retryTimer = null; sync(); }, delay);
  }

  // --- the banner ---------------------------------------------------------------------------

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function changed() {
    return all().then(render, function () {});
  }

  // "2 check-ins", "1 registration and 2 check-ins": what waits, in the volunteer's words.
  function describe(items) {
    var registrations = items.filter(function (i) { return i.kind === "registration"; }).length;
    var checkIns = items.length - registrations;
    var parts = [];
    if (registrations) { parts.push(plural(registrations, "registration")); }
    if (checkIns || !registrations) { parts.push(plural(checkIns, "check-in")); }
    return parts.join(" and ");
  }

  function render(items) {
    var waiting = items.filter(function (i) { return i.state === "waiting"; });
    var attention = items.filter(function (i) { return i.state === "attention"; });
    var what = describe(waiting);
    listeners.forEach(function (fn) { try { fn(items); } catch (e) { /* a listener's own */ } });
    var banner = document.getElementById("offline-banner");
    if (!banner) { return; }
    var text = "";
    var kind = "";
    if (waiting.length) {
      if (offline()) {
        text = "Offline — " + what + " waiting to send";
        kind = "offline";
      } else if (signedOut) {
        text = what + " waiting to send: sign in again to send them";
        kind = "offline";
      } else if (sending) {
        text = "Sending… " + what + " waiting";
        kind = "sending";
      } else {
        text = what + " waiting to send";
        kind = "sending";
      }
    } else if (offline()) {
      text = "Offline — check-ins are kept on this tablet and sent when the connection returns";
      kind = "offline";
    } else if (lastCount > 0) {
      text = "All sent";
      kind = "sent";
    }
    if (waiting.length) { lastCount = waiting.length; } // "All sent" stays once they have gone
    var line = banner.querySelector(".offline-banner-text");
    line.textContent = text;
    banner.className = "offline-banner" + (kind ? " " + kind : "");
    // A parcel without registering is recorded by the server: not offered while offline.
    var parcel = document.querySelector(".anonymous-link");
    if (parcel) { parcel.hidden = offline(); }
    var list = banner.querySelector(".offline-attention");
    list.innerHTML = "";
    attention.forEach(function (item) {
      var li = document.createElement("li");
      var remove = document.createElement("button");
      var subject = item.kind === "registration"
        ? "registration of " + item.name + " (" + item.provisional + ")" : (item.number || "a check-in");
      li.textContent = "Needs attention: " + subject + " at " +
        new Date(item.recorded_at).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" }) +
        " — " + item.error + " ";
      remove.type = "button";
      remove.className = "button";
      remove.textContent = "Dismiss";
      remove.addEventListener("click", function () { forget(item.idempotency_key); });
      li.appendChild(remove);
      list.appendChild(li);
    });
    banner.hidden = !text && !attention.length;
  }

  // --- the roster (an enrolled tablet only; inert until the server offers it) ----------------

  var rosterKey = null; // a CryptoKey, not extractable, in memory
  var ROSTER_OVERLAP_MS = 5 * 60 * 1000;
  var ROSTER_REFRESH_MS = 10 * 60 * 1000; // while the desk is open and online
  var roster = null;    // the decrypted roster, in memory only

  function b64urlToBytes(text) {
    text = text.replace(/-/g, "+").replace(/_/g, "/");
    while (text.length % 4) { text += "="; }
    var raw = atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function importKey(raw) {
    return crypto.subtle.importKey("raw", b64urlToBytes(raw), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  }

  function siteOf(api) {
    var m = /\/sites\/([^/]+)\/visits/.exec(api || "");
    return m ? decodeURIComponent(m[1]) : "";
  }

  function rosterUrl(api, tail) { return api.replace(/\/visits$/, "/roster" + (tail || "")); }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json", "X-Device": device() } })
      .then(function (response) {
        if (!response.ok) { var e = new Error("status"); e.status = response.status; throw e; }
        return response.json();
      });
  }

  function storeRoster(site, data) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    var plain = new TextEncoder().encode(JSON.stringify(data));
    return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, rosterKey, plain).then(function (cipher) {
      return tx(ROSTER, "readwrite", function (store) {
        store.put({ site: site, iv: iv, data: cipher, expires_at: data.expires_at });
      });
    });
  }

  function loadRoster(site) {
    return tx(ROSTER, "readonly", function (store, set) {
      var request = store.get(site);
      request.onsuccess = function () { set(request.result || null); };
    }).then(function (row) {
      if (!row) { return null; }
      if (Date.parse(row.expires_at) <= Date.now()) { return wipeRoster().then(function () { return "expired"; }); }
      if (!rosterKey) { return null; }
      return crypto.subtle.decrypt({ name: "AES-GCM", iv: row.iv }, rosterKey, row.data).then(function (plain) {
        return JSON.parse(new TextDecoder().decode(plain));
      }, function () { return null; });
    });
  }

  function wipeRoster() {
    roster = null;
    rosterKey = null;
    try { sessionStorage.removeItem(ROSTER_KEY_SESSION); } catch (e) { /* none kept */ }
    return tx(ROSTER, "readwrite", function (store) { store.clear(); }).catch(function () {});
  }

  // The roster this tablet already holds for the site (under this sign-in's key), brought up
  // to date with only what changed since it was made; otherwise the whole roster. The server
  // answers the whole roster itself when `since` is not today at the site.
  function fetchRoster(api, site) {
    var held = roster && roster.site && roster.site.code === site ? Promise.resolve(roster) : loadRoster(site);
    return held.catch(function () { return null; }).then(function (old) {
      if (!old || old === "expired" || !old.generated_at || !old.members) { return getJson(rosterUrl(api)); }
      // A little overlap: a change committed just after the roster was made is fetched again.
      var since = new Date(Date.parse(old.generated_at) - ROSTER_OVERLAP_MS).toISOString();
      return getJson(rosterUrl(api, "?since=" + encodeURIComponent(since))).then(function (change) {
        return mergeRoster(old, change);
      });
    });
  }

  function mergeRoster(old, change) {
    if (change.full !== false) { return change; }
    var byNumber = {};
    old.members.forEach(function (m) { byNumber[m.membership_number] = m; });
    (change.members || []).forEach(function (m) { byNumber[m.membership_number] = m; });
    (change.removed || []).forEach(function (number) { delete byNumber[number]; });
    var members = Object.keys(byNumber).sort().map(function (number) { return byNumber[number]; });
    return Object.assign({}, change, { members: members, removed: [], full: true });
  }

  // Online with a device: fetch the key and the roster, keep the roster encrypted. The raw key
  // is kept in sessionStorage (gone when the tab closes; never in localStorage or IndexedDB) so
  // that a reload while offline can still read the roster. Any refusal (404: no such endpoint
  // on this server; 403: not enrolled) leaves the desk as it is without a roster.
  function refreshRoster(api) {
    rosterApi = api;
    var site = siteOf(api);
    if (!device() || !site || !window.crypto || !crypto.subtle) { return Promise.resolve(null); }
    if (offline()) {
      var raw = null;
      try { raw = sessionStorage.getItem(ROSTER_KEY_SESSION); } catch (e) { raw = null; }
      if (!raw) { return Promise.resolve(null); }
      return importKey(raw).then(function (key) { rosterKey = key; return loadRoster(site); })
        .then(function (data) { roster = data && data !== "expired" ? data : null; return data; })
        .catch(function () { return null; });
    }
    return getJson(rosterUrl(api, "/key"))
      .then(function (answer) {
        try { sessionStorage.setItem(ROSTER_KEY_SESSION, answer.key); } catch (e) { /* memory only */ }
        return importKey(answer.key);
      })
      .then(function (key) { rosterKey = key; return fetchRoster(api, site); })
      .then(function (data) { roster = data; return storeRoster(site, data).then(function () { return data; }); })
      .catch(function (error) {
        // 403: this tablet is not (or no longer) enrolled: what it held goes.
        if (error && error.status === 403) { return wipeRoster().then(function () { return null; }); }
        return null;
      });
  }

  function normalise(text) { return String(text || "").replace(/[\s-]+/g, "").toUpperCase(); }

  // Offline search in the roster: "expired", null (no roster), or a list of members.
  function findInRoster(text) {
    if (!roster) { return null; }
    if (roster.expires_at && Date.parse(roster.expires_at) <= Date.now()) { wipeRoster(); return "expired"; }
    var number = normalise(text);
    var words = String(text || "").trim().toLowerCase();
    return (roster.members || []).filter(function (m) {
      return normalise(m.membership_number) === number || normalise(m.display_number) === number ||
        (words.length >= 2 && String(m.display_name || "").toLowerCase().indexOf(words) !== -1);
    }).slice(0, 20);
  }

  // The site's visit types the roster carries (issue 16); the weekly shop when it has none.
  function visitTypes() {
    var types = (roster && roster.site && roster.site.visit_types) || [];
    return types.length ? types : [{ key: "weekly_shop", label: "Weekly shop", parcel: "", fee_pence: null }];
  }

  // Whether a queued check-in counts against the weekly shop's limit on this tablet.
  function countsWeekly(item) {
    var key = item.body && item.body.visit_type;
    if (!key || key === "weekly_shop") { return true; }
    return visitTypes().some(function (t) { return t.key === key && t.counts_toward_weekly; });
  }

  function queuedFor(number) {
    return all().then(function (items) {
      return items.filter(function (i) { return normalise(i.number) === normalise(number) && countsWeekly(i); }).length;
    });
  }

  // --- the offline panel: found in the roster, checked in to the queue -------------------------

  var EXPIRED = "The member list on this tablet has expired: connect to the internet to check members in.";
  var NOT_FOUND = "Not in the member list on this tablet: check the card number, or try the name.";

  function money(pence) {
    return "£" + Math.floor(pence / 100) + "." + ("0" + (pence % 100)).slice(-2);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // desk: {api, panel, matches, say(text, kind), done(firstName)}. Returns false when the
  // tablet holds no roster (the desk then says what it says today).
  function showOffline(text, desk) {
    var found = findInRoster(text);
    if (found === null) { return false; }
    desk.matches.innerHTML = "";
    desk.panel.innerHTML = "";
    if (found === "expired") { desk.say(EXPIRED, "error"); return true; }
    if (!found.length) { desk.say(NOT_FOUND, "error"); return true; }
    if (found.length === 1) { offlinePanel(found[0], desk); return true; }
    var list = el("ul", { "class": "matches offline-matches", "aria-label": "Members found on this tablet" });
    found.forEach(function (m) {
      var item = el("li");
      var pick = el("button", { type: "button", "class": "button match" }, m.display_name + " · " + m.display_number);
      pick.addEventListener("click", function () { desk.matches.innerHTML = ""; offlinePanel(m, desk); });
      item.appendChild(pick);
      list.appendChild(item);
    });
    desk.matches.appendChild(list);
    return true;
  }

  function proxyLabel(x) { return x.relationship ? x.name + " (" + x.relationship + ")" : x.name; }

  function offlinePanel(m, desk) {
    queuedFor(m.membership_number).then(function (queued) {
      var site = (roster && roster.site) || {};
      var fee = typeof m.fee_pence === "number" ? m.fee_pence : (site.fee_pence || 0);
      var left = Math.max(0, (m.visits_left_this_week || 0) - queued);
      var first = String(m.display_name || "").split(" ")[0] || m.display_name;
      var section = el("section", { "class": "panel member-panel offline-panel", "aria-labelledby": "offline-name" });
      var head = el("div", { "class": "member-head" });
      head.appendChild(el("h2", { id: "offline-name", "class": "member-name" }, m.display_name));
      head.appendChild(el("span", { "class": "badge " + (m.status === "active" ? "ok" : "warn") },
        String(m.status || "").charAt(0).toUpperCase() + String(m.status || "").slice(1)));
      head.appendChild(el("span", { "class": "card-no" }, m.display_number || m.membership_number));
      section.appendChild(head);
      section.appendChild(el("p", { "class": "member-summary" },
        (left === 1 ? "1 visit" : left + " visits") + " left this week" +
        (queued ? " (" + queued + " checked in on this tablet offline)" : "") + "."));
      var note = "Offline: from the member list on this tablet; the server will confirm.";
      if (left === 0 || m.status !== "active") { note += " The server will mark this visit for the manager to review."; }
      section.appendChild(el("p", { "class": "offline-note" }, note));
      var proxies = m.proxies || [];
      if (proxies.length) {
        section.appendChild(el("p", { "class": "may-collect" }, "May collect: " + proxies.map(proxyLabel).join(", ")));
      }
      // Visit types (where the site has more than one): the tablet holds no visits by type,
      // so a type's own limit is checked by the server when the check-in syncs.
      var types = visitTypes();
      var chosen = types[0];
      var typeNote = el("p", { "class": "offline-note offline-type-note", hidden: "" },
        "This visit type's limit is checked when back online.");
      if (types.length > 1) {
        var kinds = el("fieldset", { "class": "visit-type", id: "offline-visit-type" });
        kinds.appendChild(el("legend", {}, "What is this visit?"));
        var choices = el("div", { "class": "reasons type-choices" });
        types.forEach(function (t, i) {
          var id = "offline-type-" + String(t.key).replace(/[^a-z0-9_]/gi, "");
          var radio = el("input", { type: "radio", name: "offline_visit_type", id: id, value: t.key });
          if (i === 0) { radio.checked = true; }
          radio.addEventListener("change", function () { chosen = t; showType(); });
          choices.appendChild(radio);
          var label = el("label", { "for": id }, t.label);
          label.appendChild(el("span", { "class": "hint" }, t.key === "weekly_shop"
            ? (left === 1 ? "1 visit" : left + " visits") + " left this week"
            : "checked when back online" + (t.parcel ? " · fixed parcel: no basket" : "")));
          choices.appendChild(label);
        });
        kinds.appendChild(choices);
        section.appendChild(kinds);
        section.appendChild(typeNote);
      }
      var inputs = {};
      var bandLabels = {};
      var bandRows = [];
      var allowance = m.allowance || {};
      Object.keys(allowance).forEach(function (band) {
        var row = el("div", { "class": "field" });
        var id = "offline-band-" + band.replace(/[^a-z0-9_]/gi, "");
        bandLabels[band] = el("label", { "for": id });
        row.appendChild(bandLabels[band]);
        var input = el("input", { id: id, inputmode: "numeric", autocomplete: "off", "class": "count" });
        inputs[band] = input;
        row.appendChild(input);
        bandRows.push(row);
        section.appendChild(row);
      });
      var parcelNote = el("p", { "class": "offline-parcel", hidden: "" });
      section.appendChild(parcelNote);
      var method = null;
      var feeOf = function (t) {
        if (!t || t.key === "weekly_shop") { return fee; }
        if (t.payment_model && t.payment_model !== "flat_fee") { return 0; }
        return typeof t.fee_pence === "number" ? t.fee_pence : fee;
      };
      var anyFee = types.some(function (t) { return feeOf(t) > 0; });
      if (anyFee) {
        var pay = el("fieldset", { "class": "payment" });
        pay.appendChild(el("legend", {}, "Fee " + money(feeOf(chosen))));
        var choice = el("div", { "class": "segmented", role: "radiogroup", "aria-label": "Payment" });
        ["cash", "card"].forEach(function (value, i) {
          var id = "offline-pay-" + value;
          var radio = el("input", { type: "radio", name: "offline_payment", id: id, value: value });
          if (i === 0) { radio.checked = true; }
          choice.appendChild(radio);
          choice.appendChild(el("label", { "for": id }, value === "cash" ? "Cash" : "Card"));
        });
        pay.appendChild(choice);
        section.appendChild(pay);
        method = pay;
      }
      var proxyPick = null;
      if (proxies.length) {
        proxyPick = el("fieldset", { "class": "proxy", id: "offline-proxy" });
        proxyPick.appendChild(el("legend", {}, "Who is collecting?"));
        var whoChoices = el("div", { "class": "reasons" });
        [{ id: "", label: first }].concat(proxies.map(function (x) {
          return { id: String(x.id), label: "Proxy: " + proxyLabel(x) };
        })).forEach(function (x, i) {
          var id = "offline-proxy-" + (x.id || "member");
          var radio = el("input", { type: "radio", name: "offline_proxy", id: id, value: x.id });
          if (i === 0) { radio.checked = true; }
          whoChoices.appendChild(radio);
          whoChoices.appendChild(el("label", { "for": id }, x.label));
        });
        proxyPick.appendChild(whoChoices);
        section.appendChild(proxyPick);
      }
      // What the chosen type allows: its band limits, a fixed parcel's description, its fee.
      function showType() {
        var weekly = !chosen || chosen.key === "weekly_shop";
        var limits = (!weekly && chosen.band_limits) || {};
        Object.keys(allowance).forEach(function (band) {
          var max = allowance[band];
          if (max !== null && max !== undefined && band in limits) { max = limits[band]; }
          bandLabels[band].textContent = band.charAt(0).toUpperCase() + band.slice(1) +
            (max === null || max === undefined ? " (not counted)" : " (up to " + max + ")");
        });
        var parcel = !weekly && chosen.parcel;
        bandRows.forEach(function (row) { row.hidden = !!parcel; });
        parcelNote.hidden = !parcel;
        parcelNote.textContent = parcel ? chosen.label + ": " + chosen.parcel + " (a fixed parcel, no basket)." : "";
        typeNote.hidden = weekly;
        if (method) {
          var due = feeOf(chosen);
          method.hidden = due <= 0;
          method.querySelector("legend").textContent = "Fee " + money(due);
        }
      }
      showType();
      var error = el("p", { "class": "problem", role: "alert", hidden: "" });
      section.appendChild(error);
      var button = el("button", { type: "button", "class": "button primary big block" }, "Check in " + first);
      section.appendChild(button);
      var key = newKey(); // made now, kept with the check-in until the server has it
      button.addEventListener("click", function () {
        var basket = {};
        var bad = false;
        Object.keys(inputs).forEach(function (band) {
          var text = inputs[band].value.trim();
          if (text === "") { return; }
          if (!/^\d{1,3}$/.test(text)) { bad = true; return; }
          if (parseInt(text, 10)) { basket[band] = parseInt(text, 10); }
        });
        if (bad) { error.textContent = "Not checked in yet: the counts are whole numbers."; error.hidden = false; return; }
        var parcel = chosen && chosen.key !== "weekly_shop" && chosen.parcel;
        var body = { membership_number: m.membership_number, basket: parcel ? {} : basket, lines: [] };
        if (types.length > 1) { body.visit_type = chosen.key; }
        if (proxyPick) {
          var who = proxyPick.querySelector("input:checked");
          if (who && who.value) { body.proxy = parseInt(who.value, 10); }
        }
        var due = feeOf(chosen);
        if (method && due > 0) {
          body.payment = { method: method.querySelector("input:checked").value, amount_pence: due, reason: "" };
        }
        button.disabled = true;
        record(desk.api, body, key, true).then(function () {
          if (channel) { channel.postMessage("changed"); }
          desk.panel.innerHTML = "";
          desk.done(first);
        }, function () {
          button.disabled = false;
          error.textContent = "This tablet could not keep the check-in: try again.";
          error.hidden = false;
        });
      });
      desk.panel.innerHTML = "";
      desk.panel.appendChild(section);
    });
  }

  // --- registering a household offline (where the site allows it) ---------------------------
  //
  // The household is queued with its own Idempotency-Key and given a provisional number
  // ("P-" + the tablet's short code + its own count) shown on screen for a card or paper. It
  // can be checked in at once: that check-in is queued behind the registration with the
  // provisional number, and is sent only once the registration has synced and the server's
  // membership number has replaced it (settleRegistration). The server runs its duplicate
  // check when the registration arrives: a possible duplicate is registered and marked for
  // the site manager's review, never refused nor merged.

  var COUNTER_KEY = "supermarket.provisional-counter";
  var SHORT_KEY = "supermarket.provisional-tablet";

  function tabletCode() {
    var code = normalise(device()).replace(/[^A-Z0-9]/g, "").slice(0, 4);
    if (code.length === 4) { return code; }
    try {
      code = localStorage.getItem(SHORT_KEY) || "";
      if (!code) {
        code = normalise(newKey()).replace(/[^A-Z0-9]/g, "").slice(0, 4);
        localStorage.setItem(SHORT_KEY, code);
      }
    } catch (e) { code = code || "TABL"; }
    return code;
  }

  function provisionalNumber() {
    var next = 1;
    try {
      next = (parseInt(localStorage.getItem(COUNTER_KEY) || "0", 10) || 0) + 1;
      localStorage.setItem(COUNTER_KEY, String(next));
    } catch (e) { next = Date.now() % 100000; }
    return "P-" + tabletCode() + "-" + next;
  }

  // Whether a check-in is for a household whose registration is still in the queue.
  function waitsForRegistration(item, items) {
    if (item.kind === "registration") { return false; }
    var number = item.body && item.body.membership_number;
    return items.some(function (i) { return i.kind === "registration" && i.provisional === number; });
  }

  // The registration has synced: in one transaction, its check-ins take the real number and
  // the registration leaves the queue, so a reload between the two can lose nothing.
  function settleRegistration(item, number) {
    return tx(QUEUE, "readwrite", function (store) {
      var request = store.getAll();
      request.onsuccess = function () {
        (request.result || []).forEach(function (other) {
          if (other.kind === "registration") {
            if (other.idempotency_key === item.idempotency_key) { store.delete(other.id); }
            return;
          }
          if (other.body && other.body.membership_number === item.provisional && number) {
            other.body.membership_number = number;
            other.number = number;
            store.put(other);
          }
        });
      };
    });
  }

  function bandLimits(site, size) {
    var tiers = (site.tiers || []).filter(function (t) { return size >= t.min_people; });
    var tier = tiers.length ? tiers[tiers.length - 1] : null;
    var allowance = {};
    (site.bands || []).forEach(function (band) {
      allowance[band.key] = tier && band.limits_by_tier && tier.name in band.limits_by_tier
        ? band.limits_by_tier[tier.name] : band.limit;
    });
    return { allowance: allowance, fee: tier ? tier.fee_pence : (site.fee_pence || 0) };
  }

  // What the registration may leave out, from the member list's site settings (issue 16).
  function inclusive() {
    var site = (roster && roster.site) || {};
    return { dobOptional: site.date_of_birth_optional === true, noPostcode: site.postcode_optional_routes || [],
      ageBands: site.age_bands || [] };
  }

  // Show the age band and "care of" fields where the site allows them.
  function fitRegisterForm(form) {
    var rules = inclusive();
    var bandField = document.getElementById("or-age_band-field");
    var select = form.elements.age_band;
    if (bandField && select) {
      bandField.hidden = !rules.dobOptional;
      if (select.options.length <= 1) {
        rules.ageBands.forEach(function (band) { select.appendChild(el("option", { value: band }, band)); });
      }
    }
    var careOf = document.getElementById("or-care_of-field");
    if (careOf) { careOf.hidden = !rules.noPostcode.length; }
    var optional = document.getElementById("or-postcode-optional");
    if (optional) { optional.hidden = !rules.noPostcode.length; }
  }

  function registerAllowed() {
    return offline() && roster && roster.site && roster.site.offline_registration === true &&
      !(roster.expires_at && Date.parse(roster.expires_at) <= Date.now());
  }

  function updateRegister() {
    var section = document.getElementById("offline-register");
    if (!section) { return; }
    section.hidden = !registerAllowed();
  }

  function deskParts() {
    var status = document.getElementById("checkin-status");
    var root = document.querySelector(".checkin");
    return {
      api: root ? root.getAttribute("data-api") : "",
      panel: document.getElementById("checkin-panel"),
      matches: document.getElementById("checkin-matches"),
      say: function (text, kind) {
        if (!status) { return; }
        status.className = "status" + (kind ? " " + kind : "");
        status.textContent = text;
      },
      done: function (firstName) {
        this.say("✓ " + firstName + ": checked offline; the server will confirm.", "ok");
        var search = document.getElementById("checkin-q");
        if (search) { search.value = ""; search.focus(); }
      },
    };
  }

  function whole(form, name, least) {
    var text = String((form.elements[name] && form.elements[name].value) || "").trim();
    if (!/^\d{1,2}$/.test(text)) { return null; }
    var n = parseInt(text, 10);
    return n >= least && n <= 20 ? n : null;
  }

  function wireRegister() {
    var section = document.getElementById("offline-register");
    if (!section) { return; }
    var form = document.getElementById("offline-register-form");
    var open = document.getElementById("offline-register-open");
    var error = document.getElementById("offline-register-error");
    var doneBox = document.getElementById("offline-register-done");
    var joiningFee = parseInt(section.getAttribute("data-joining-fee") || "0", 10) || 0;
    var key = null;
    open.addEventListener("click", function () {
      key = newKey(); // made now, kept with the registration until the server has it
      fitRegisterForm(form);
      form.hidden = false;
      open.hidden = true;
      doneBox.innerHTML = "";
      form.elements.first_name.focus();
    });
    document.getElementById("offline-register-cancel").addEventListener("click", function () {
      form.reset();
      form.hidden = true;
      open.hidden = false;
      error.hidden = true;
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = function (name) { return form.elements[name] ? String(form.elements[name].value || "").trim() : ""; };
      var household = {
        adults: whole(form, "adults", 1), children_0_4: whole(form, "children_0_4", 0),
        children_5_11: whole(form, "children_5_11", 0), children_12_17: whole(form, "children_12_17", 0),
      };
      var problem = "";
      if (!value("first_name") || !value("last_name")) { problem = "Enter the first name and surname."; }
      else if (value("date_of_birth") && value("age_band")) { problem = "Give the date of birth or the age band, not both."; }
      else if (value("date_of_birth") && !/^\d{4}-\d{2}-\d{2}$/.test(value("date_of_birth"))) { problem = "Enter the date of birth."; }
      else if (!value("date_of_birth") && !(inclusive().dobOptional && value("age_band"))) {
        problem = inclusive().dobOptional ? "Enter the date of birth, or choose an age band." : "Enter the date of birth.";
      }
      else if (!value("postcode") && inclusive().noPostcode.indexOf(value("route")) === -1) { problem = "Enter the postcode."; }
      else if (Object.keys(household).some(function (k) { return household[k] === null; })) {
        problem = "The household counts are whole numbers (at least 1 adult).";
      } else if (!form.elements.privacy_notice_given.checked) {
        problem = "Give the household the privacy notice first: it is required.";
      } else if (value("route") === "referral" && !value("referral_agency")) {
        problem = "A referral needs the agency's name.";
      }
      if (problem) { error.textContent = "Not registered yet: " + problem; error.hidden = false; return; }
      error.hidden = true;
      var eligibility = { route: value("route") };
      if (eligibility.route === "referral") { eligibility.referral_agency = value("referral_agency"); }
      var provisional = provisionalNumber();
      var recordedAt = new Date().toISOString();
      var body = {
        first_name: value("first_name"), last_name: value("last_name"),
        phone: null, email: null, household: household, eligibility: eligibility,
        dietary: [], dietary_notes: "",
        consents: { privacy_notice_given: true, survey: false, contact: false },
        offline: { recorded_at: recordedAt, device: device(), provisional_number: provisional },
      };
      // Left out when not given (no fixed abode, an age band instead): the server checks.
      if (value("date_of_birth")) { body.date_of_birth = value("date_of_birth"); }
      else { body.age_band = value("age_band"); }
      if (value("postcode")) { body.postcode = value("postcode").toUpperCase(); }
      if (value("care_of")) { body.care_of = value("care_of"); }
      if (joiningFee > 0) { body.joining_fee = { method: value("joining_fee") || "cash" }; }
      var name = body.first_name + " " + body.last_name;
      var item = {
        idempotency_key: key, kind: "registration", api: section.getAttribute("data-api"),
        body: body, number: "", provisional: provisional, name: name,
        recorded_at: recordedAt, attempts: 0, state: "waiting", error: "",
      };
      put(item).then(function () {
        if (channel) { channel.postMessage("changed"); }
        changed();
        form.reset();
        form.hidden = true;
        open.hidden = false;
        showRegistered(item, household, doneBox);
      }, function () {
        error.textContent = "This tablet could not keep the registration: try again.";
        error.hidden = false;
      });
    });
  }

  function showRegistered(item, household, box) {
    var size = household.adults + household.children_0_4 + household.children_5_11 + household.children_12_17;
    var site = (roster && roster.site) || {};
    var limits = bandLimits(site, size);
    var first = item.body.first_name;
    box.innerHTML = "";
    var said = el("p", { "class": "provisional" }, "✓ " + item.name + " registered offline. Provisional number: ");
    said.appendChild(el("strong", { "class": "nowrap" }, item.provisional));
    said.appendChild(document.createTextNode(
      " (write it on their card). The membership number comes when the tablet is back online."));
    box.appendChild(said);
    var checkIn = el("button", { type: "button", "class": "button primary big block" }, "Check in " + first + " now");
    checkIn.addEventListener("click", function () {
      box.innerHTML = "";
      offlinePanel({
        membership_number: item.provisional, display_number: item.provisional,
        display_name: item.name, status: "active",
        visits_left_this_week: site.visits_per_week || 1,
        allowance: limits.allowance, fee_pence: limits.fee,
      }, deskParts());
    });
    box.appendChild(checkIn);
  }

  // --- wiring -------------------------------------------------------------------------------

  var rosterApi = "";
  window.addEventListener("online", function () {
    updateRegister();
    failures = 0;
    changed();
    sync();
    if (rosterApi) { refreshRoster(rosterApi); }
  });
  // Keep the roster fresh while the desk is open: only the changes since it was made.
  setInterval(function () {
    if (rosterApi && roster && !offline()) { refreshRoster(rosterApi); }
  }, ROSTER_REFRESH_MS);
  window.addEventListener("offline", function () {
    clearTimeout(retryTimer);
    retryTimer = null;
    changed();
    updateRegister();
  });
  if (channel) { channel.onmessage = function () { changed(); }; }

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    // Sign-out wipes the roster and the kept page (the queue stays: its visits happened).
    Array.prototype.forEach.call(document.querySelectorAll('form[action$="/logout"]'), function (form) {
      form.addEventListener("submit", function (event) {
        // Wait (a moment at most) for the wipe: leaving the page could cut it short.
        event.preventDefault();
        if (navigator.serviceWorker && navigator.serviceWorker.controller) {
          navigator.serviceWorker.controller.postMessage("forget");
        }
        var patience = new Promise(function (resolve) { setTimeout(resolve, 1000); });
        Promise.race([wipeRoster(), patience]).then(function () { form.submit(); });
      });
    });
    wireRegister();
    updateRegister();
    changed();
    sync();
  });

  window.SupermarketOffline = {
    record: function (api, body, key, recordedOffline) {
      return record(api, body, key, recordedOffline).then(function (item) {
        if (channel) { channel.postMessage("changed"); }
        return item;
      });
    },
    forget: forget,
    sync: sync,
    holdWhile: function (fn) { holder = fn; },
    onChange: function (fn) { listeners.push(fn); },
    refreshRoster: function (api) {
      return refreshRoster(api).then(function (data) { updateRegister(); return data; });
    },
    findInRoster: findInRoster,
    showOffline: showOffline,
    queuedFor: queuedFor,
    wipeRoster: wipeRoster,
    device: device,
    isOffline: offline,
  };
})();
