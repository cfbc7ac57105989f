// "Ladda ner betalfil för banken" on a form with data-refresh-after-download="<selector>".
// The first download closes the file to undo, so once the file has come the element the
// attribute names is drawn again from the server (from the address in data-refresh-from, or
// else the page's own): the page then shows the file as downloaded and offers no Ångra. A refusal (a stale page, a file not ready, a date that has passed) is
// shown in the page's error box, as for htmx requests, and the element is drawn again. Without JavaScript the form still posts and the file still
// downloads.
(function () {
  "use strict";

  function save(blob, disposition) {
    var name = /filename="([^"]+)"/.exec(disposition || "");
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name ? name[1] : "pain001.xml";
    document.body.appendChild(link);
    link.click();
    link.remove();
    return link.href;
  }

  function showRefusal(response, selector, source) {
    var type = response.headers.get("Content-Type") || "";
    if (response.ok || type.indexOf("text/html") !== 0) {
      // No error fragment (e.g. a redirect): the page as the server now draws it says why.
      window.location.reload();
      return null;
    }
    return response.text().then(function (html) {
      function show() {
        var box = document.getElementById("global-error");
        // Our error fragments are rendered by the server from templates, hence safe to insert.
        box.innerHTML = html;
        box.hidden = false;
      }
      // The file as it is now first (downloaded by someone else meanwhile, the confirmation
      // then naming that download; or dated on a day that has passed, the new date offered),
      // then the reason: an htmx request hides the error box when it starts.
      return htmx
        .ajax("GET", source, { target: selector, select: selector, swap: "outerHTML" })
        .then(show, show);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-refresh-after-download]");
    if (!form || !window.fetch || !window.htmx) return;
    event.preventDefault();
    document.getElementById("global-error").hidden = true;
    var selector = form.getAttribute("data-refresh-after-download");
    var source = form.getAttribute("data-refresh-from") || window.location.pathname + window.location.search;
    // Asked as htmx asks, so that a refusal comes back as a fragment with its reason.
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "HX-Request": "true" },
      redirect: "manual",
    }).then(
      function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/xml") !== 0) return showRefusal(response, selector, source);
        return response.blob().then(function (blob) {
          var url = save(blob, response.headers.get("Content-Disposition"));
          return htmx
            .ajax("GET", source, { target: selector, select: selector, swap: "outerHTML" })
            .then(function () { URL.revokeObjectURL(url); });
        });
      },
      function () {
        // The request did not get through: the plain form post still downloads the file.
        form.submit();
      }
    );
  });
})();
