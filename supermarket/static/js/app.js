// Small progressive enhancements shared by every page. No inline script: the CSP forbids it.
"use strict";
(function () {
  // Move focus to an error summary so screen readers announce it at once.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
  // Fetch helper for our own pages: sends the CSRF token with cookie-authenticated calls.
  window.appFetch = function (url, options) {
    options = options || {};
    options.headers = options.headers || {};
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { options.headers["X-CSRFToken"] = meta.getAttribute("content"); }
    options.credentials = "same-origin";
    return fetch(url, options);
  };
  // Confirm dangerous actions: forms marked data-confirm ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
