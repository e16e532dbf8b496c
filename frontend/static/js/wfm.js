// WFM charts: every <canvas data-chart="ID"> draws the JSON in <script id="ID"> —
// {labels, datasets: [{type, label, data, color, axis?, stepped?, fill?}], y, y2}.
// The figures are the server's (the same the tables show).
function drawWfmCharts() {
  if (!window.Chart) return;
  document.querySelectorAll("canvas[data-chart]").forEach((el) => {
    const spec = JSON.parse(document.getElementById(el.dataset.chart).textContent);
    const scales = { x: {}, y: { beginAtZero: true, title: { display: true, text: spec.y } } };
    if (spec.y2) scales.y2 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                               title: { display: true, text: spec.y2 } };
    const chart = new window.Chart(el, {
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map((d) => ({
          type: d.type, label: d.label, data: d.data, borderColor: d.color, backgroundColor: d.fill ? d.color + "33" : d.color,
          yAxisID: d.axis || "y", stepped: d.stepped || false, fill: d.fill || false, pointRadius: 0, spanGaps: true,
          maxBarThickness: 24,
        })),
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 interaction: { mode: "index", intersect: false }, scales },
    });
    (window.wfmCharts = window.wfmCharts || []).push(chart);
  });
}
document.addEventListener("DOMContentLoaded", drawWfmCharts);
