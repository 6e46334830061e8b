// The tablet survey: one tap sends one answer. Another tap while the next screen is loading
// (a double tap, or a slow connection) is ignored; the server also records a repeat only once.
"use strict";
(function () {
  var sent = false;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest || !form.closest(".survey-main")) { return; }
    if (sent) { event.preventDefault(); return; }
    sent = true;
    // A class, not `disabled`: a disabled button would drop the answer it carries.
    document.body.classList.add("sending");
  });
  // Back to a page from the browser's history: let it be used again.
  window.addEventListener("pageshow", function () {
    sent = false;
    document.body.classList.remove("sending");
  });
})();
