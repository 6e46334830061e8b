// Small progressive enhancements shared by every page. No inline script: the CSP forbids it.
"use strict";
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to an error summary so screen readers announce it at once.
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
    foldMenu();
    markWideTables();
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

  // The main menu folds behind its "Menu" button when it does not fit on one line beside the
  // site's name (and always on a phone); without this script the menu wraps instead.
  function foldMenu() {
    var nav = document.querySelector(".mainnav");
    var button = nav && nav.querySelector(".menu-button");
    var bar = nav && nav.parentNode;
    var list = nav && nav.querySelector(":scope > ul");
    if (!button || !list) { return; }
    button.hidden = false;
    function setOpen(open) {
      nav.classList.toggle("open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    function fit() {
      var open = nav.classList.contains("open");
      nav.classList.remove("folded", "open");
      var oneLine = list.offsetHeight <= 52 && bar.offsetHeight <= 64;
      nav.classList.toggle("folded", window.innerWidth < 600 || !oneLine);
      if (open && nav.classList.contains("folded")) { nav.classList.add("open"); }
      if (!nav.classList.contains("folded")) { setOpen(false); }
    }
    fit();
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) { window.cancelAnimationFrame(pending); }
      pending = window.requestAnimationFrame(fit);
    });
    button.addEventListener("click", function () { setOpen(!nav.classList.contains("open")); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("open")) { setOpen(false); button.focus(); }
    });
    document.addEventListener("click", function (event) {
      if (!nav.contains(event.target)) {
        setOpen(false);
        var account = nav.querySelector(".account-menu");
        if (account) { account.open = false; }
      }
    });
  }

  // A table wider than its room scrolls inside its box: say so above it, and keep its first
  // column in place (the CSS does that for a .table-wrap marked "overflows").
  function markWideTables() {
    var wraps = Array.prototype.slice.call(document.querySelectorAll(".table-wrap"));
    if (!wraps.length) { return; }
    wraps.forEach(function (wrap) {
      wrap.addEventListener("scroll", function () {
        wrap.classList.toggle("scrolled", wrap.scrollLeft > 0);
      }, { passive: true });
    });
    function check() {
      wraps.forEach(function (wrap) {
        var overflows = wrap.scrollWidth > wrap.clientWidth + 1;
        wrap.classList.toggle("overflows", overflows);
        var hint = wrap.previousElementSibling;
        var hasHint = hint && hint.classList.contains("table-hint");
        if (overflows && !hasHint) {
          hint = document.createElement("p");
          hint.className = "table-hint";
          hint.textContent = "Scroll sideways for more columns";
          wrap.parentNode.insertBefore(hint, wrap);
          if (!wrap.hasAttribute("tabindex")) {
            wrap.setAttribute("tabindex", "0"); // a keyboard can scroll it too
            wrap.setAttribute("role", "region");
            wrap.setAttribute("aria-label", "Table, scrolls sideways");
          }
        } else if (!overflows && hasHint) {
          hint.parentNode.removeChild(hint);
        }
      });
    }
    check();
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) { window.cancelAnimationFrame(pending); }
      pending = window.requestAnimationFrame(check);
    });
    window.appCheckTables = check; // for pages that add rows to a table
  }

  // The app's own confirm step: a form marked data-confirm="Question?" asks in a dialog on the
  // page (not the browser's pop-up) and goes ahead only when the person says yes. The yes
  // button reads data-confirm-yes, or the form's own button, or "Yes, go ahead".
  var dialog = null;
  function confirmDialog() {
    if (dialog) { return dialog; }
    dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-message");
    var message = document.createElement("p");
    message.className = "confirm-message";
    message.id = "confirm-message";
    var actions = document.createElement("div");
    actions.className = "confirm-actions";
    var no = document.createElement("button");
    no.type = "button";
    no.className = "button";
    no.value = "no";
    no.textContent = "No, go back";
    var yes = document.createElement("button");
    yes.type = "button";
    yes.className = "button primary";
    yes.value = "yes";
    actions.appendChild(no);
    actions.appendChild(yes);
    dialog.appendChild(message);
    dialog.appendChild(actions);
    no.addEventListener("click", function () { dialog.close("no"); });
    yes.addEventListener("click", function () { dialog.close("yes"); });
    document.body.appendChild(dialog);
    return dialog;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (!question) { return; }
    if (form.getAttribute("data-confirmed") === "yes") {
      form.removeAttribute("data-confirmed");
      return;
    }
    event.preventDefault();
    var submitter = event.submitter || null;
    var box = confirmDialog();
    box.querySelector(".confirm-message").textContent = question;
    var yes = box.querySelector('button[value="yes"]');
    var own = submitter || form.querySelector('button[type="submit"], button:not([type])');
    yes.textContent = form.getAttribute("data-confirm-yes") ||
      (own && own.textContent.trim()) || "Yes, go ahead";
    if (form.classList.contains("danger") || (own && own.classList.contains("danger"))) {
      yes.classList.add("danger");
    } else {
      yes.classList.remove("danger");
    }
    box.returnValue = "";
    box.onclose = function () {
      box.onclose = null;
      if (box.returnValue !== "yes") {
        if (own && own.focus) { own.focus(); }
        return;
      }
      form.setAttribute("data-confirmed", "yes");
      if (form.requestSubmit) {
        form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      } else {
        form.submit();
      }
    };
    box.showModal();
    box.querySelector('button[value="no"]').focus();
  });
})();
