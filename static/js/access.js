// Keyboard and screen-reader use of the pages: the folding menu on narrow screens, where focus
// goes after htmx replaced a row, what is said after an action, and the undo dialog.
(function () {
  "use strict";

  // The same width at which app.css puts the menu above the page.
  var NARROW = window.matchMedia("(max-width: 63.99rem)");

  function setUpMenu(area) {
    var button = area.querySelector(".nav-toggle");
    if (!button) return;
    function show(open) {
      button.setAttribute("aria-expanded", String(open));
      area.classList.toggle("nav-closed", !open);
    }
    button.hidden = false;
    show(!NARROW.matches);
    button.addEventListener("click", function () {
      show(button.getAttribute("aria-expanded") !== "true");
    });
    NARROW.addEventListener("change", function () { show(!NARROW.matches); });
  }

  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region || !text) return;
    // Emptied first, so that the same sentence twice in a row is said twice.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  // The next thing to do in a row just drawn again: the button that opened a dialog when the
  // dialog was cancelled, else its first action that can be used, else its state.
  function focusInRow(element, returnTo) {
    var buttons = Array.from(element.querySelectorAll(".actions button:not([disabled])"));
    var target = buttons.find(function (b) { return b.textContent.trim() === returnTo; }) ||
      buttons[0] || element.querySelector(".actions .badge, .actions .field-error");
    if (!target) return;
    if (!target.matches("button")) target.setAttribute("tabindex", "-1");
    target.focus();
  }

  function keepTabInside(dialog, event) {
    if (event.key !== "Tab") return;
    var inside = Array.from(dialog.querySelectorAll("button:not([disabled]), a[href], input, select, textarea"));
    if (!inside.length) return;
    var first = inside[0];
    var last = inside[inside.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  function openDialog(dialog) {
    if (dialog.open) return;
    // Escape closes the dialog; closed without an answer is Avbryt: the row comes back (the
    // server draws it), and focus with it.
    dialog.addEventListener("htmx:beforeRequest", function () { dialog.setAttribute("data-answered", ""); });
    dialog.addEventListener("close", function () {
      if (dialog.isConnected && !dialog.hasAttribute("data-answered")) {
        dialog.querySelector("[data-dialog-cancel]").click();
      }
    });
    dialog.addEventListener("keydown", function (event) { keepTabInside(dialog, event); });
    dialog.showModal();
  }

  // What each swap replaces, noted by the target's id before it does: afterwards the old
  // element is gone. Swaps overlap (a row's answer makes the list's sums ask again).
  var pending = {};
  var opener = null;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var asking = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!target.id) return;
    pending[target.id] = {
      id: target.id,
      hadFocus: target.contains(document.activeElement) || document.activeElement === document.body,
      action: !!event.detail.requestConfig && event.detail.requestConfig.verb === "post",
      poll: !!asking && asking.hasAttribute("data-poll"),
      label: asking ? asking.textContent.trim() : "",
    };
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var id = event.detail.target && event.detail.target.id;
    var done = id && pending[id];
    if (!done) return;
    delete pending[id];
    if (done.poll) return;
    var element = document.getElementById(done.id);
    if (!element) return;
    var dialog = element.querySelector("dialog[data-modal]");
    if (dialog) {
      opener = { id: done.id, label: done.label };
      openDialog(dialog);
      return;
    }
    // The attest that made its file ready for the bank brings the download under its row:
    // that is the next thing to do, so it is said, and focus goes there.
    var ready = done.action && element.nextElementSibling;
    ready = ready && ready.matches(".file-ready-row") ? ready : null;
    var status = null;
    if (done.action) {
      status = element.matches("[role=status]") ? null : element.querySelector("[role=status]");
      var said = element.getAttribute("data-announce") || (status && status.textContent.trim()) || "";
      announce(ready ? said + " " + ready.querySelector("[role=status]").textContent.trim() : said);
    }
    var returnTo = opener && opener.id === done.id && !done.action ? opener.label : null;
    if (opener && opener.id === done.id) opener = null;
    if (done.hadFocus && ready) {
      ready.querySelector("button, a").focus();
    } else if (done.hadFocus && element.matches(".payment-row")) {
      focusInRow(element, returnTo);
    } else if (done.hadFocus && status && !element.contains(document.activeElement)) {
      // A whole part of the page drawn again (a file after Skicka igen alla or a new date):
      // the button pressed is gone, so focus goes to what the action answered.
      status.setAttribute("tabindex", "-1");
      status.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-nav]").forEach(setUpMenu);
  });
})();
