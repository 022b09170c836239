/* The dashboard: fetches /dashboard/data.json and draws ECharts charts and a Leaflet map.
   No inline scripts (CSP), no third-party hosts except the optional tile server. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) return;

  // Words in the page's language, from the template (json_script); the Chinese here is the fallback.
  var labels = {};
  try {
    var source = document.getElementById("dashboard-labels");
    if (source) labels = JSON.parse(source.textContent) || {};
  } catch (err) { labels = {}; }
  function t(key, fallback, values) {
    var text = typeof labels[key] === "string" ? labels[key] : fallback;
    return text.replace(/%\((\w+)\)s/g, function (all, name) {
      return values && values[name] !== undefined && values[name] !== null ? String(values[name]) : all;
    });
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function pct(x) { return x === null || x === undefined ? "—" : (x * 100).toFixed(1) + "%"; }
  function score(x) { return x === null || x === undefined ? "—" : (x * 100).toFixed(1); }
  function link(name) {
    var a = el("a", name);
    a.href = "/dashboard/?scope=" + encodeURIComponent(name);
    return a;
  }
  var charts = [];
  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node || !window.echarts) return;
    var c = window.echarts.init(node);
    c.setOption(option);
    charts.push(c);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });

  function crumbs(d) {
    var nav = document.getElementById("crumbs");
    if (d.parent) { nav.appendChild(el("span", t("parent", "上级："))); nav.appendChild(link(d.parent)); }
    if (d.children.length) {
      nav.appendChild(el("span", d.level === "district" ? t("towns", "镇/街道：")
        : d.level === "town" ? t("communities", "社区：") : t("grids", "网格：")));
      d.children.forEach(function (c) { nav.appendChild(link(c.name)); });
    }
  }

  function cards(k) {
    var box = document.getElementById("kpi-cards");
    [["response_rate", t("response_rate", "响应率"), pct], ["resolution_rate", t("resolution_rate", "解决率"), pct],
     ["satisfaction_rate", t("satisfaction_rate", "满意率"), pct],
     ["composite", t("composite", "综合得分"), score]].forEach(function (m) {
      var card = el("div", null, "kpi-card");
      card.dataset.kpi = m[0];
      card.appendChild(el("div", t("kpi_card", "%(kpi)s（%(period)s）", { kpi: m[1], period: k.this_month.period }), "label"));
      card.appendChild(el("div", m[2](k.this_month[m[0]]), "value"));
      card.appendChild(el("div", t("last_month", "上月 %(period)s：%(value)s",
        { period: k.last_month.period, value: m[2](k.last_month[m[0]]) }), "prev"));
      box.appendChild(card);
    });
  }

  function pie(id, rows) {
    chart(id, { tooltip: { trigger: "item" }, legend: { type: "scroll", bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], data: rows }] });
  }

  function draw(d) {
    crumbs(d);
    cards(d.kpis);
    var months = d.trend.map(function (r) { return r.month; });
    function line(key, name) {
      return { name: name, type: "line", yAxisIndex: 1, smooth: true,
        data: d.trend.map(function (r) { return r[key] === null ? null : +(r[key] * 100).toFixed(1); }) };
    }
    chart("chart-trend", {
      tooltip: { trigger: "axis" }, legend: { type: "scroll", bottom: 0 }, grid: { left: 40, right: 40, bottom: 50 },
      xAxis: { type: "category", data: months },
      yAxis: [{ type: "value", name: t("demands", "诉求数") }, { type: "value", name: "%", max: 100 }],
      series: [{ name: t("demands", "诉求数"), type: "bar", data: d.trend.map(function (r) { return r.received; }) },
        line("response_rate", t("response_rate", "响应率")), line("resolution_rate", t("resolution_rate", "解决率")),
        line("satisfaction_rate", t("satisfaction_rate", "满意率")), line("composite", t("composite", "综合得分"))]
    });
    pie("chart-categories", d.categories);
    pie("chart-channels", d.channels);
    var p = d.projects;
    document.getElementById("budget-line").textContent = t("budget_line",
      "已立项预算 %(budget)s 万元，已支出 %(spent)s 万元，预算执行率 %(execution)s",
      { budget: (p.budget / 10000).toFixed(1), spent: (p.spent / 10000).toFixed(1), execution: pct(p.execution) });
    chart("chart-pipeline", {
      tooltip: { trigger: "axis" }, grid: { left: 60, right: 20, bottom: 30 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: p.pipeline.map(function (r) { return r.name; }) },
      series: [{ name: t("projects", "项目数"), type: "bar", data: p.pipeline.map(function (r) { return r.count; }) }]
    });
    var list = document.getElementById("project-list");
    p.active.forEach(function (r) {
      var li = el("li");
      li.appendChild(el("div", r.title + " · " + r.status + " · " + r.progress + "%"));
      var bar = el("progress");
      bar.max = 100; bar.value = r.progress;
      bar.setAttribute("aria-label", t("progress", "%(title)s 进度", { title: r.title }));
      li.appendChild(bar);
      list.appendChild(li);
    });
    pie("chart-facilities", d.facilities.conditions);
    document.getElementById("activity-line").textContent = t("activity_line",
      "%(year)s 年开展服务活动 %(count)s 场，服务群众 %(served)s 人次",
      { year: d.activities.year, count: d.activities.count, served: d.activities.served });
    var body = document.getElementById("overdue");
    if (!d.overdue.length) {
      var tr0 = el("tr"); var td0 = el("td", t("no_overdue", "没有超期未办结的诉求")); td0.colSpan = 6; tr0.appendChild(td0); body.appendChild(tr0);
    }
    d.overdue.forEach(function (r) {
      var tr = el("tr");
      var a = el("a", r.code); a.href = r.url;
      var td = el("td"); td.appendChild(a); tr.appendChild(td);
      [r.category, r.status, r.community, r.grid].forEach(function (t) { tr.appendChild(el("td", t)); });
      tr.appendChild(el("td", String(r.days), "num"));
      body.appendChild(tr);
    });
    drawMap(d.map);
  }

  // Leaflet puts a string tooltip in as HTML; names come from people (staff of any community), so
  // each tooltip is a node whose words are set as text.
  function tip() {
    return el("span", Array.prototype.slice.call(arguments).join(" "));
  }

  function drawMap(m) {
    if (!window.L) return;
    var map = window.L.map("map", { preferCanvas: false, maxZoom: 19, minZoom: 3 });
    var tiles = root.dataset.tiles;
    if (tiles) window.L.tileLayer(tiles, { attribution: root.dataset.attribution || "", maxZoom: 19 }).addTo(map);
    // Without a base layer the outlines are the map: grids carry their names, communities a bold edge
    // and their name; with one, grid names come on hover so the streets stay readable.
    var grids = window.L.geoJSON(m.grids, {
      style: function (f) { return { color: f.properties.kind === "basic" ? "#3366cc" : "#9933cc", weight: 1.5, fillOpacity: tiles ? 0.08 : 0.04 }; },
      onEachFeature: function (f, layer) {
        if (tiles) { layer.bindTooltip(tip(f.properties.community, f.properties.name)); return; }
        // On the map the community's name is already there: 夏雷第一网格 reads 第一网格 inside 夏雷社区.
        var prefix = f.properties.community.replace(/社区$/, ""), name = f.properties.name;
        var short = name.indexOf(prefix) === 0 && name.length > prefix.length ? name.slice(prefix.length) : name;
        layer.bindTooltip(tip(short), { permanent: true, direction: "center", className: "map-label grid-label" });
        layer.bindPopup(tip(f.properties.community, name));
      }
    });
    var outlines = window.L.geoJSON(m.communities);  // a district sends its towns' outlines, no grids
    var bounds = m.grids.features.length ? grids.getBounds() : outlines.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds); else map.setView([31.72, 119.95], 13);
    grids.addTo(map);
    // A grid's name shows only when it fits inside the grid at this zoom (zoom in to read the rest).
    function fitLabels() {
      grids.eachLayer(function (layer) {
        var label = layer.getTooltip && layer.getTooltip() && layer.getTooltip().getElement();
        if (!label || !layer.getBounds) return;
        var b = layer.getBounds();
        var width = map.latLngToContainerPoint(b.getNorthEast()).x - map.latLngToContainerPoint(b.getSouthWest()).x;
        label.style.visibility = label.offsetWidth <= width - 4 ? "visible" : "hidden";
      });
    }
    if (!tiles) { map.on("zoomend", fitLabels); fitLabels(); }
    window.L.geoJSON(m.communities, {
      interactive: false,
      style: function () { return { color: "#c8102e", weight: 3, fill: false }; },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(tip(f.properties.name), { permanent: true, direction: "top", className: "map-label community-label" });
      }
    }).addTo(map);
    var cluster = window.L.markerClusterGroup ? window.L.markerClusterGroup() : window.L.layerGroup();
    m.demands.forEach(function (r) {
      window.L.circleMarker([r.lat, r.lon], { radius: 6, color: r.open ? "#d9534f" : "#5cb85c", fillOpacity: 0.8 })
        .bindTooltip(tip(r.code, r.category, r.status)).addTo(cluster);
    });
    cluster.addTo(map);
    m.projects.forEach(function (r) {
      window.L.circleMarker([r.lat, r.lon], { radius: 9, color: "#337ab7", fillOpacity: 0.6 })
        .bindTooltip(tip(r.title, r.status)).addTo(map);
    });
    m.facilities.forEach(function (r) {
      window.L.circleMarker([r.lat, r.lon], { radius: 5, color: "#f0ad4e", fillOpacity: 0.8 })
        .bindTooltip(tip(r.name, r.condition)).addTo(map);
    });
  }

  fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error(b.detail || r.status); return b; }); })
    .then(draw)
    .catch(function (e) {
      var box = document.getElementById("dash-error");
      box.textContent = t("load_failed", "数据加载失败：%(error)s", { error: e && e.message ? e.message : String(e) });
      if (window.console) console.warn(e && e.stack ? e.stack : e);
      box.hidden = false;
    });
})();
