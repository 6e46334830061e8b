// The tablets page: keeps the id of the tablet just enrolled from this browser in
// localStorage ("supermarket.device"), marks this tablet in the list, and forgets the id
// when this tablet has been revoked. No inline script (CSP).
(function () {
  "use strict";
  var KEY = "supermarket.device";

  function stored() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (e) {
      return null;
    }
  }

  function store(id) {
    try {
      if (id) {
        window.localStorage.setItem(KEY, id);
      } else {
        window.localStorage.removeItem(KEY);
      }
    } catch (e) {
      /* storage refused (private mode): the tablet simply is not enrolled here */
    }
  }

  function init() {
    var panel = document.getElementById("devices");
    if (!panel) {
      return;
    }
    var enrolled = panel.getAttribute("data-enrolled-device");
    if (enrolled) {
      store(enrolled);
      // The id has been kept: take it out of the address so a reload cannot store it again.
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", window.location.pathname);
      }
    }
    var mine = stored();
    var note = document.getElementById("this-tablet");
    var rows = document.querySelectorAll("tr[data-device-id]");
    var found = false;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      if (mine && row.getAttribute("data-device-id") === mine) {
        found = true;
        if (row.getAttribute("data-device-active") === "yes") {
          var tag = row.querySelector(".this-tablet-tag");
          if (tag) {
            tag.hidden = false;
          }
          if (note) {
            note.textContent = "This tablet is enrolled as “" + row.cells[0].firstChild.textContent.trim() + "”.";
            note.hidden = false;
          }
        } else {
          store(null);
          mine = null;
        }
      }
    }
    if (note && !found) {
      note.textContent = mine ? "This tablet is enrolled at another site." : "This tablet is not enrolled.";
      note.hidden = false;
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
