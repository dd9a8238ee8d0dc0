// bianzhi: small progressive enhancements; every page works without it.
(function () {
  "use strict";
  // Filter the unit tree as you type (the same box also submits a server search).
  function initials(el) { return el.getAttribute("data-name") || el.textContent; }
  var box = document.querySelector("[data-filter-tree]");
  var tree = box && document.querySelector(box.getAttribute("data-filter-tree"));
  if (box && tree) {
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase();
      var items = tree.querySelectorAll("li");
      if (!q) {
        items.forEach(function (li) { li.classList.remove("hidden"); });
        tree.querySelectorAll("details").forEach(function (d) { d.open = false; });
        return;
      }
      // Leaves first: a node stays visible if it or anything below matches.
      Array.prototype.slice.call(items).reverse().forEach(function (li) {
        var a = li.querySelector("a");
        var hit = a && initials(a).toLowerCase().indexOf(q) >= 0;
        var child = li.querySelector("ul > li:not(.hidden)");
        var show = hit || !!child;
        li.classList.toggle("hidden", !show);
        var d = li.querySelector("details");
        if (d) d.open = !!child;
      });
    });
  }
  // 登记事项: pick a person by name, 拼音首字母 or 身份证号 (the list comes
  // from the 人员 search, within the user's scope); the box keeps the
  // person's number, the line under it says who that is.
  document.querySelectorAll("input[data-pick=person]").forEach(function (input) {
    var list = document.createElement("datalist");
    list.id = input.id + "-list";
    input.after(list);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    var note = document.getElementById(input.id + "-picked");
    var seen = {};
    var timer = null;
    function show() {
      var who = seen[input.value.trim()];
      if (note && who) note.textContent = "已选：" + who;
    }
    input.addEventListener("input", function () {
      show();
      var q = input.value.trim();
      if (q.length < 1 || seen[q]) return;
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch("/api/v1/people?per_page=20&q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (data) {
            list.textContent = "";
            (data.items || []).forEach(function (p) {
              var o = document.createElement("option");
              var label = p.name + " · " + p.unit + " · " + p.id_number + " · " + p.status;
              o.value = String(p.id);
              o.label = label;
              o.textContent = label;
              seen[String(p.id)] = label;
              list.appendChild(o);
            });
          })
          .catch(function () {});
      }, 250);
    });
  });
  // 登记事项: a plan-line list shows only the lines of the unit and 编制类型
  // chosen in the same operation.
  document.querySelectorAll("select[data-pick=plan], select[data-pick=body]").forEach(function (sel) {
    var box = sel.closest("fieldset");
    if (!box) return;
    var unit = box.querySelector("input[data-pick=unit]");
    var qtype = box.querySelector("select[data-pick=qtype]");
    function filter() {
      var u = unit ? unit.value.trim() : "";
      var q = sel.getAttribute("data-pick") === "plan" && qtype ? qtype.value : "";
      Array.prototype.forEach.call(sel.options, function (o, i) {
        if (i === 0) return;
        var t = o.textContent;
        var ok = (!u || t.indexOf(" · " + u + " · ") >= 0) && (!q || t.indexOf(" · " + q + " · ") >= 0);
        o.hidden = !ok;
      });
    }
    if (unit) unit.addEventListener("input", filter);
    if (qtype) qtype.addEventListener("change", filter);
    filter();
  });
  // The print view's 打印 button.
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  // Ask before destructive actions.
  document.querySelectorAll("form[action$='/withdraw']").forEach(function (f) {
    f.addEventListener("submit", function (e) { if (!confirm("确定撤回这份申请吗？")) e.preventDefault(); });
  });
})();
