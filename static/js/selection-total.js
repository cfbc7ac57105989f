// The sum of the ticked invoices, live, for a form marked data-selection-total: its checkboxes
// carry data-amount ("1234.50") and data-currency, and the text goes to the element marked
// data-selection-total-output, in the same words the server writes there.
(function () {
  "use strict";

  var format = new Intl.NumberFormat("sv-SE", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  // Whole öre, so that adding many amounts never drifts as floating point would.
  function ore(text) {
    var parts = text.split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }

  function update(form) {
    var output = form.querySelector("[data-selection-total-output]");
    if (!output) return;
    var sums = {};
    var count = 0;
    form.querySelectorAll("input[type=checkbox][data-amount]:checked").forEach(function (box) {
      var currency = box.getAttribute("data-currency");
      sums[currency] = (sums[currency] || 0) + ore(box.getAttribute("data-amount"));
      count += 1;
    });
    output.textContent = "";
    if (count === 0) {
      output.textContent = "Inga fakturor markerade.";
      return;
    }
    var total = Object.keys(sums).sort().map(function (currency) {
      return format.format(sums[currency] / 100) + " " + currency;
    }).join(", ");
    output.append("Markerade: " + count + (count === 1 ? " faktura" : " fakturor") + " · Summa ");
    var amount = document.createElement("span");
    amount.className = "nowrap";
    amount.textContent = total;
    output.append(amount);
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-selection-total]");
    if (form) update(form);
  });

  // Boxes the browser ticks again on back/forward navigation count too.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-selection-total]").forEach(update);
  });
})();
