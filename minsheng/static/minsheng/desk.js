/* Staff desk: "select all" for the bulk assignment. htmx does the rest declaratively.
   Loaded as a static file: the CSP allows no inline script. */
(function () {
  "use strict";
  function reveal() {
    var all = document.getElementById("check-all");
    if (all) { all.hidden = false; }
  }
  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSettle", reveal);
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target || target.id !== "check-all") { return; }
    var boxes = document.querySelectorAll("#bulk input[name=codes]");
    for (var i = 0; i < boxes.length; i += 1) { boxes[i].checked = target.checked; }
  });
}());
