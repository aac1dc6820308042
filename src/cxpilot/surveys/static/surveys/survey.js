/* CX Pilot hosted survey page, progressive enhancement: follow-up questions appear in place
   when their condition is met, instead of on a next step. The page works without it. */
(function () {
  "use strict";
  var form = document.querySelector("[data-survey-form]");
  if (!form) return;
  var flag = form.querySelector("[data-js-flag]");
  if (flag) flag.value = "1";
  var conditional = form.querySelectorAll("[data-show-if]");
  if (!conditional.length) return;

  function score(key) {
    var box = form.querySelector('[data-question="' + key + '"]');
    if (!box || box.hidden) return null;
    var checked = box.querySelector("input:checked");
    return checked ? parseInt(checked.value, 10) : null;
  }

  function update() {
    // in document order, so that a question depending on a hidden one hides too
    conditional.forEach(function (box) {
      var value = score(box.getAttribute("data-show-if"));
      var low = box.getAttribute("data-min");
      var high = box.getAttribute("data-max");
      var shown =
        value !== null &&
        (low === "" || value >= parseInt(low, 10)) &&
        (high === "" || value <= parseInt(high, 10));
      box.hidden = !shown;
    });
  }

  form.addEventListener("change", update);
  update();
})();
