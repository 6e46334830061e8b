// The check-in desk's service worker: keeps the desk's page and its assets so that the desk
// opens with no network once it has been opened at the site that day. Served at /sw.js (scope
// "/") by a small Flask route. Never caches an /api/ answer, nor a page other than /checkin.
// Network first for everything it keeps (the static files carry no version in their names, so
// a cache-first copy could outlive a deployment); the cached copy only when the network fails.
"use strict";
var CACHE = "supermarket-desk-v1";
var SHELL = ["/static/css/app.css", "/static/css/checkin.css", "/static/js/app.js",
             "/static/js/checkin.js", "/static/js/offline.js"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) {
        return cache.addAll(SHELL).then(function () {
          // The desk's page as the signed-in volunteer sees it (not the login page it
          // redirects to when nobody is signed in).
          return fetch("/checkin", { credentials: "same-origin" }).then(function (response) {
            if (response.ok && !response.redirected) { return cache.put("/checkin", response); }
          });
        });
      })
      .catch(function () { /* offline at install: the pages fill the cache as they load */ })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (n) { return n !== CACHE; })
          .map(function (n) { return caches.delete(n); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("message", function (event) {
  // Sign-out: the desk's page (it holds the volunteer's session's CSRF token) goes too.
  if (event.data === "forget") { event.waitUntil(forgetAll()); }
});

function kept(url) {
  if (url.origin !== self.location.origin) { return false; }
  if (url.pathname.indexOf("/api/") === 0 || url.pathname.indexOf("/api/") !== -1) { return false; }
  if (url.pathname === "/checkin") { return url.search === ""; } // never a member's panel
  return SHELL.indexOf(url.pathname) !== -1;
}

// Signing out from any page: the kept page and the roster go (offline.js does the same on the
// desk's page, and the key in that tab's sessionStorage; without the roster it opens nothing).
function forgetAll() {
  var roster = new Promise(function (resolve) {
    var open = indexedDB.open("supermarket-offline");
    open.onsuccess = function () {
      var db = open.result;
      if (!db.objectStoreNames.contains("roster")) { db.close(); resolve(); return; }
      var t = db.transaction("roster", "readwrite");
      t.objectStore("roster").clear();
      t.oncomplete = t.onerror = t.onabort = function () { db.close(); resolve(); };
    };
    open.onerror = function () { resolve(); };
    // No such database yet: nothing to wipe, and none is made here (offline.js makes it).
    open.onupgradeneeded = function () { open.transaction.abort(); };
  });
  return Promise.all([caches.delete(CACHE), roster]);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method === "POST" && url.origin === self.location.origin && url.pathname === "/logout") {
    event.waitUntil(forgetAll());
    return;
  }
  if (request.method !== "GET") { return; }
  if (!kept(url)) { return; }
  event.respondWith(
    fetch(request)
      .then(function (response) {
        // Only a real page for a signed-in volunteer: not a redirect to the login page.
        if (response.ok && !response.redirected && response.type === "basic") {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { return cache.put(url.pathname, copy); });
        }
        return response;
      })
      .catch(function (error) {
        return caches.open(CACHE)
          .then(function (cache) { return cache.match(url.pathname); })
          .then(function (hit) { if (hit) { return hit; } throw error; });
      })
  );
});
