// Dashboard charts (ECharts, served locally). The data is a JSON island written by the server.
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var charts = [];
  function draw(id, block, type) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") { return; }
    var chart = echarts.init(el, null, { locale: "ZH", renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 40, right: 16, top: 40, bottom: 30 },
      xAxis: { type: "category", data: block.dates.map(function (d) { return d.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: block.series.map(function (s) {
        return { name: s.name, type: type, stack: type === "bar" ? "all" : undefined, data: s.data };
      })
    });
    if (!block.series.length) {
      chart.setOption({ title: { text: "暂无数据", left: "center", top: "middle", textStyle: { color: "#999", fontSize: 14 } } });
    }
    charts.push(chart);
  }
  draw("chart-category", data.category, "bar");
  draw("chart-place", data.place, "line");
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
