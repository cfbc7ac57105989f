// The "Det finns osparade ändringar" bar. It compares the form's current values with the
// saved state instead of keeping a dirty flag, so typing and then undoing the edit hides it.
(function () {
  "use strict";

  var IGNORED = { csrf_token: true };

  function canonical(pairs) {
    return JSON.stringify(
      pairs
        .filter(function (pair) { return !IGNORED[pair[0]]; })
        .map(function (pair) { return [pair[0], String(pair[1])]; })
        .sort()
    );
  }

  function formState(form) {
    return canonical(Array.from(new FormData(form).entries()));
  }

  function setUp(form) {
    var savedValues = JSON.parse(form.dataset.savedState);
    var saved = canonical(Object.entries(savedValues));
    var bar = form.querySelector("[data-unsaved-bar]");
    var cancel = form.querySelector("[data-unsaved-cancel]");
    var leaving = false;

    function isDirty() {
      return formState(form) !== saved;
    }

    function refresh() {
      var dirty = isDirty();
      bar.hidden = !dirty;
      // "Spara först" answered a form that had changes; once it has none, the advice is wrong.
      if (!dirty) {
        form.querySelectorAll("[data-unsaved-notice]").forEach(function (node) { node.remove(); });
      }
    }

    function restoreSaved() {
      Array.from(form.elements).forEach(function (element) {
        if (!element.name || IGNORED[element.name]) return;
        if (element.type === "checkbox" || element.type === "radio") {
          element.checked = savedValues[element.name] === element.value;
        } else if (element.tagName !== "BUTTON") {
          element.value = savedValues[element.name] || "";
        }
      });
      // Messages of a rejected save belong to values that are no longer there.
      form.querySelectorAll(".field-error").forEach(function (node) { node.remove(); });
      form.querySelectorAll(".has-error").forEach(function (node) { node.classList.remove("has-error"); });
      refresh();
    }

    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
    form.addEventListener("submit", function () { leaving = true; });
    cancel.addEventListener("click", function (event) {
      event.preventDefault();
      restoreSaved();
    });
    window.addEventListener("beforeunload", function (event) {
      if (!leaving && isDirty()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-unsaved-changes]").forEach(setUp);
  });
})();
