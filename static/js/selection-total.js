// The count and sum of the ticked rows, live, for a container marked data-selection-total: its
// checkboxes carry data-amount ("1234.50") and data-currency, and the text goes to the element
// marked data-selection-total-output, in the same words the server writes there. A box marked
// data-select-all ticks every row box of the container, and shows when only some are ticked.
(function () {
  "use strict";

  var format = new Intl.NumberFormat("sv-SE", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var ROW_BOXES = "input[type=checkbox][data-amount]";

  // Whole öre, so that adding many amounts never drifts as floating point would.
  function ore(text) {
    var parts = text.split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }

  // "12 450,00 SEK", one per currency in alphabetical order, never mixing currencies.
  function sumsOf(boxes) {
    var sums = {};
    boxes.forEach(function (box) {
      var currency = box.getAttribute("data-currency");
      sums[currency] = (sums[currency] || 0) + ore(box.getAttribute("data-amount"));
    });
    return Object.keys(sums).sort().map(function (currency) {
      return format.format(sums[currency] / 100) + " " + currency;
    });
  }

  function amountSpan(text) {
    var span = document.createElement("span");
    span.className = "nowrap";
    span.textContent = text;
    return span;
  }

  // The invoice proposal: "Markerade: 2 fakturor · Summa 1 234,50 SEK, 100,00 NOK".
  function describeInvoices(output, ticked) {
    if (ticked.length === 0) {
      output.textContent = "Inga fakturor markerade.";
      return;
    }
    output.append("Markerade: " + ticked.length + (ticked.length === 1 ? " faktura" : " fakturor") + " · Summa ");
    output.append(amountSpan(sumsOf(ticked).join(", ")));
  }

  // The attestation list: "3 markerade · 12 450,00 SEK · 1 200,00 USD".
  function describeMarked(output, ticked) {
    output.append(ticked.length + " markerade");
    sumsOf(ticked).forEach(function (sum) {
      output.append(" · ");
      output.append(amountSpan(sum));
    });
  }

  function update(container) {
    var boxes = Array.prototype.slice.call(container.querySelectorAll(ROW_BOXES));
    var ticked = boxes.filter(function (box) { return box.checked; });
    var all = container.querySelector("input[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && ticked.length === boxes.length;
      all.indeterminate = ticked.length > 0 && ticked.length < boxes.length;
    }
    var output = container.querySelector("[data-selection-total-output]");
    if (!output) return;
    // Written only when it changes, so that the polite announcement is not repeated.
    var scratch = document.createElement("p");
    (container.getAttribute("data-selection-total") === "markerade" ? describeMarked : describeInvoices)(scratch, ticked);
    if (output.innerHTML !== scratch.innerHTML) output.replaceChildren.apply(output, scratch.childNodes);
  }

  document.addEventListener("change", function (event) {
    var container = event.target.closest("[data-selection-total]");
    if (!container) return;
    if (event.target.hasAttribute("data-select-all")) {
      container.querySelectorAll(ROW_BOXES).forEach(function (box) { box.checked = event.target.checked; });
    }
    update(container);
  });

  function updateAll() {
    document.querySelectorAll("[data-selection-total]").forEach(update);
  }

  // Boxes the browser ticks again on back/forward navigation count too, and rows replaced in
  // place (attested, undone) leave the selection.
  window.addEventListener("pageshow", updateAll);
  document.addEventListener("htmx:afterSettle", updateAll);
})();
