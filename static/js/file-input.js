// A file input hidden behind a Swedish "Välj CSV-fil" label: the browser's own button and its
// "No file chosen" follow the browser's language. An input with data-file-name="<id>" writes the
// chosen file's name into that element.
(function () {
  "use strict";

  function show(input) {
    var target = document.getElementById(input.dataset.fileName);
    if (!target) return;
    target.textContent = input.files && input.files.length ? input.files[0].name : "Ingen fil vald";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[type=file][data-file-name]").forEach(function (input) {
      input.addEventListener("change", function () { show(input); });
      // A page re-rendered by the browser's back button can still hold a chosen file.
      show(input);
    });
  });
})();
