/* Enhancements for the survey pages; every page works without this file.
   - culture steps: a live running sum per dimension ("Total: 90 of 100 points");
   - value steps: a live count of the chosen values ("3 of 10 chosen"). */
(function () {
  "use strict";

  function fill(template, name, value) {
    return template.split("{" + name + "}").join(String(value));
  }

  function watchDimension(fieldset) {
    var total = fieldset.querySelector(".survey-total");
    var inputs = fieldset.querySelectorAll("input[type=number]");
    var points = parseInt(fieldset.getAttribute("data-points"), 10) || 100;
    if (!total || !total.getAttribute("data-template")) { return; }
    function update() {
      var sum = 0, valid = true;
      Array.prototype.forEach.call(inputs, function (input) {
        var text = input.value.trim();
        if (text === "") { return; }
        if (!/^\d{1,3}$/.test(text)) { valid = false; return; }
        sum += parseInt(text, 10);
      });
      total.textContent = fill(total.getAttribute("data-template"), "total", valid ? sum : "?");
      total.classList.toggle("off", !valid || sum !== points);
    }
    Array.prototype.forEach.call(inputs, function (input) { input.addEventListener("input", update); });
    update();
  }

  function watchValues(fieldset) {
    var count = fieldset.querySelector(".survey-count");
    var boxes = fieldset.querySelectorAll("input[type=checkbox]");
    var max = parseInt(fieldset.getAttribute("data-max"), 10) || 10;
    if (!count || !count.getAttribute("data-template")) { return; }
    function update() {
      var chosen = fieldset.querySelectorAll("input[type=checkbox]:checked").length;
      count.textContent = fill(count.getAttribute("data-template"), "count", chosen);
      count.classList.toggle("over", chosen > max);
    }
    Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", update); });
    update();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".survey-dimension"), watchDimension);
    Array.prototype.forEach.call(document.querySelectorAll(".survey-values"), watchValues);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
