// bianzhi: small progressive enhancements; every page works without it.
(function () {
  "use strict";
  // Filter the unit tree as you type (the same box also submits a server search).
  function initials(el) { return el.getAttribute("data-name") || el.textContent; }
  var box = document.querySelector("[data-filter-tree]");
  var tree = box && document.querySelector(box.getAttribute("data-filter-tree"));
  if (box && tree) {
    box.addEventListener("input", function () {
      var q = box.value.trim();
      var items = tree.querySelectorAll("li");
      if (!q) {
        items.forEach(function (li) { li.classList.remove("hidden"); });
        tree.querySelectorAll("details").forEach(function (d) { d.open = false; });
        return;
      }
      // Leaves first: a node stays visible if it or anything below matches.
      Array.prototype.slice.call(items).reverse().forEach(function (li) {
        var a = li.querySelector("a");
        var hit = a && initials(a).indexOf(q) >= 0;
        var child = li.querySelector("ul > li:not(.hidden)");
        var show = hit || !!child;
        li.classList.toggle("hidden", !show);
        var d = li.querySelector("details");
        if (d) d.open = !!child;
      });
    });
  }
  // The print view's 打印 button.
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  // Ask before destructive actions.
  document.querySelectorAll("form[action$='/withdraw']").forEach(function (f) {
    f.addEventListener("submit", function (e) { if (!confirm("确定撤回这份申请吗？")) e.preventDefault(); });
  });
})();
