/* Expert review — live sums; every page works without them (the server checks everything). */
(function () {
  "use strict";

  function num(value) {
    var s = String(value || "").trim();
    if (!/^\d+(\.\d{1,2})?$/.test(s)) { return null; }
    return parseFloat(s);
  }

  // The criteria editor: show the sum of the weights (must be 100).
  function initCriteria(form) {
    var out = form.querySelector("[data-weight-sum]");
    if (!out) { return; }
    function update() {
      var sum = 0;
      form.querySelectorAll("input[name$='_weight']").forEach(function (input) {
        var v = num(input.value);
        if (v !== null) { sum += v; }
      });
      out.textContent = sum.toFixed(2);
      out.classList.toggle("warn", Math.abs(sum - 100) > 0.001);
    }
    form.addEventListener("input", update);
    update();
  }

  // The scoring form: Σ score / full mark × weight, as the service computes it.
  function initScore(form) {
    var out = form.querySelector("[data-score-total]");
    if (!out) { return; }
    function update() {
      var total = 0, complete = true;
      form.querySelectorAll("input.score-input").forEach(function (input) {
        var v = num(input.value), max = parseFloat(input.dataset.max), w = parseFloat(input.dataset.weight);
        if (v === null || v > max) { complete = false; return; }
        total += v / max * w;
      });
      out.textContent = complete ? (Math.round(total * 100 + 1e-9) / 100).toFixed(2) : "—";
    }
    form.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-criteria-editor]").forEach(initCriteria);
    document.querySelectorAll("form[data-score-form]").forEach(initScore);
  });
})();
