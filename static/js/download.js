// "Ladda ner betalfil för banken" on a form with data-refresh-after-download="<selector>".
// The first download closes the file to undo, so once the file has come the element the
// attribute names is drawn again from the server: the page then shows the file as downloaded
// and offers no Ångra. Without JavaScript the form still posts and the file still downloads.
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

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-refresh-after-download]");
    if (!form || !window.fetch || !window.htmx) return;
    event.preventDefault();
    var selector = form.getAttribute("data-refresh-after-download");
    fetch(form.action, { method: "POST", body: new FormData(form), redirect: "manual" }).then(
      function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/xml") !== 0) {
          // Refused: the server redirects to the page with the reason as a message.
          window.location.reload();
          return null;
        }
        return response.blob().then(function (blob) {
          var url = save(blob, response.headers.get("Content-Disposition"));
          return htmx
            .ajax("GET", window.location.pathname, { target: selector, select: selector, swap: "outerHTML" })
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
