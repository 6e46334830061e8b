// Members pages: show only the chosen route's details, +/- buttons on household counts,
// and submit the status filter when it changes. Everything works without this script.
"use strict";
(function () {
  document.documentElement.classList.add("js");

  function showRouteDetails() {
    var chosen = document.querySelector('input[name="route"]:checked');
    document.querySelectorAll(".route-details").forEach(function (box) {
      var hasError = box.querySelector(".error");
      box.hidden = !hasError && !(chosen && chosen.value === box.getAttribute("data-route"));
    });
  }

  function addSteppers() {
    document.querySelectorAll(".counter input[type=number]").forEach(function (input) {
      var wrap = document.createElement("div");
      wrap.className = "stepper";
      input.parentNode.insertBefore(wrap, input);
      var label = input.id ? document.querySelector('label[for="' + input.id + '"]') : null;
      var name = label ? label.textContent : "count";
      function button(text, delta, aria) {
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = text;
        b.setAttribute("aria-label", aria + " " + name);
        b.addEventListener("click", function () {
          var min = Number(input.min || 0), max = Number(input.max || 20);
          var value = Number(input.value || 0) + delta;
          input.value = String(Math.max(min, Math.min(max, isNaN(value) ? min : value)));
        });
        return b;
      }
      wrap.appendChild(button("−", -1, "One fewer:"));
      wrap.appendChild(input);
      wrap.appendChild(button("+", 1, "One more:"));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll('input[name="route"]').forEach(function (radio) {
      radio.addEventListener("change", showRouteDetails);
    });
    if (document.querySelector(".route-details")) { showRouteDetails(); }
    addSteppers();
    document.querySelectorAll("select.auto-submit").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });
})();
