/* The application form: add table rows, and keep the budget total live. Works without it too
   (the page always offers blank rows, and the server checks every sum). */
(function () {
  "use strict";

  function amount(text) {
    var v = parseFloat(String(text || "").replace(/[,，\s]/g, ""));
    return isFinite(v) ? v : 0;
  }
  function yuan(v) {
    return v.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function updateTotal() {
    var table = document.getElementById("budget-table");
    var out = document.getElementById("budget-total");
    if (!table || !out) { return; }
    var total = 0;
    table.querySelectorAll("input.budget-amount").forEach(function (input) { total += amount(input.value); });
    out.textContent = yuan(total);
    var requested = document.getElementById("id_requested_amount");
    var diff = document.getElementById("budget-diff");
    if (requested && diff) {
      var gap = Math.round((amount(requested.value) - total) * 100) / 100;
      diff.textContent = gap === 0 ? diff.dataset.same
        : (gap > 0 ? diff.dataset.less : diff.dataset.more) + " " + yuan(Math.abs(gap)) + " " + diff.dataset.unit;
      diff.className = gap === 0 ? "tag tag-ok" : "tag tag-warn";
    }
  }

  function addRow(button) {
    var list = button.getAttribute("data-list");
    var tpl = document.getElementById("tpl-" + list);
    var body = document.querySelector("table[data-list='" + list + "'] tbody");
    if (!tpl || !body) { return; }
    var next = parseInt(button.getAttribute("data-next"), 10);
    body.insertAdjacentHTML("beforeend", tpl.innerHTML.replace(/__i__/g, String(next)));
    button.setAttribute("data-next", String(next + 1));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("application-form");
    if (!form) { return; }
    form.querySelectorAll("button.add-row").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { addRow(b); });
    });
    form.addEventListener("input", updateTotal);
    form.addEventListener("change", updateTotal);
    updateTotal();
  });
})();
