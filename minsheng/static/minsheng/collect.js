/* 民情收集 pages: show the fields that belong to the chosen recurrence or question type, and
   "select all" for the issues extracted from minutes. Loaded as a static file (strict CSP). */
(function () {
  "use strict";
  function syncRecurrence() {
    var select = document.querySelector("[data-recurrence]");
    if (!select) { return; }
    var blocks = document.querySelectorAll("[data-show-for]");
    for (var i = 0; i < blocks.length; i += 1) {
      var kinds = blocks[i].getAttribute("data-show-for").split(" ");
      blocks[i].hidden = kinds.indexOf(select.value) === -1;
    }
  }
  function syncKind() {
    var select = document.querySelector("[data-kind]");
    var options = document.querySelector("[data-options]");
    if (!select || !options) { return; }
    options.hidden = !(select.value === "single" || select.value === "multi");
  }
  function init() {
    syncRecurrence();
    syncKind();
    var all = document.querySelectorAll("[data-check-all]");
    for (var i = 0; i < all.length; i += 1) { all[i].hidden = false; }
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target) { return; }
    if (target.hasAttribute("data-recurrence")) { syncRecurrence(); }
    if (target.hasAttribute("data-kind")) { syncKind(); }
    if (target.hasAttribute("data-check-all")) {
      var name = target.getAttribute("data-check-all");
      var table = target.closest("table");
      var boxes = table ? table.querySelectorAll("input[name='" + name + "']") : [];
      for (var j = 0; j < boxes.length; j += 1) { boxes[j].checked = target.checked; }
    }
  });
}());
