// One place that tells the user, in Swedish, when an htmx request fails, so that a click
// never silently does nothing.
(function () {
  "use strict";

  function showError(html, isText) {
    var box = document.getElementById("global-error");
    if (!box) return;
    if (isText) {
      box.textContent = html;
    } else {
      box.innerHTML = html;
    }
    box.hidden = false;
  }

  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("global-error");
    if (box) box.hidden = true;
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    // Our error fragments are rendered by the server from templates, hence safe to insert.
    if (xhr.getResponseHeader("Content-Type", "").indexOf("text/html") === 0 && xhr.responseText.length < 2000) {
      showError(xhr.responseText, false);
    } else {
      showError("Något gick fel (HTTP " + xhr.status + "). Ladda om sidan och försök igen.", true);
    }
  });

  document.addEventListener("htmx:sendError", function () {
    showError("Servern svarar inte. Kontrollera nätverket och försök igen.", true);
  });
})();

// Requests a page makes by itself (a row asking for Inyett's answer every 2 s, the file status
// and the list's sums fetched again after a row changed) say so, so that they do not keep an
// idle session alive (inyett/security.py). The mark is read from the asking element only:
// hx-headers would be inherited by the buttons inside a waiting row, making a click look
// automatic, and htmx's HX-Trigger header (the element's id) is the same for a poll and a click.
(function () {
  "use strict";

  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt && event.detail.elt.hasAttribute("data-poll")) {
      event.detail.headers["X-Inyett-Poll"] = "true";
    }
  });
})();

// The message of Attestera markerade ("Markera de betalningar som ska attesteras.", or how
// many were attested) is about that one click: it goes when the ticked rows change or a later
// action changes a row. htmx raises payment-changed before it swaps in the answer that carries
// it, so the bulk answer's own new message is put in after the old one is cleared.
(function () {
  "use strict";

  function clearBulkResult() {
    var box = document.getElementById("bulk-result");
    if (box) box.replaceChildren();
  }

  document.body.addEventListener("payment-changed", clearBulkResult);
  document.addEventListener("change", function (event) {
    if (event.target.name === "payment_ids") clearBulkResult();
  });
})();

// The review of Attestera markerade (<dialog data-modal="review">) opens as a modal when htmx
// brings it in: the browser keeps Tab inside it and closes it on Escape. When it closes, focus
// goes back to what opened it, and a dialog closed without an answer leaves the page. (A row's
// undo question is a dialog of its own, opened by access.js, which answers Avbryt on Escape.)
(function () {
  "use strict";

  var opener = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.closest("dialog") === null) opener = event.detail.elt;
  });

  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll('dialog[data-modal="review"]:not([open])').forEach(function (dialog) {
      var returnTo = opener;
      dialog.addEventListener("close", function () {
        if (dialog.isConnected) dialog.remove();
        if (returnTo && returnTo.isConnected) returnTo.focus();
      });
      dialog.showModal();
    });
  });
})();

// A filter form's choices live in its controls' properties, which htmx's history snapshot (the
// page's HTML as first drawn) does not keep: Back and Forward would show a list under filters
// it was not made with. After htmx restores a page, each form that puts its filters in the
// address takes them from the restored address again; a control the address does not name
// keeps what the page was first drawn with, which is what that address showed.
(function () {
  "use strict";

  document.addEventListener("htmx:historyRestore", function () {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form[hx-push-url]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (control) {
        if (!control.name || !("value" in control)) return;
        if (params.has(control.name)) {
          control.value = params.get(control.name);
        } else if (control.tagName === "SELECT") {
          var drawn = control.querySelector("option[selected]") || control.options[0];
          if (drawn) control.value = drawn.value;
        } else {
          control.value = control.defaultValue;
        }
      });
    });
  });
})();
