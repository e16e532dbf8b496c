// Interval report chart: calls per interval as bars, service level as a line (right axis).
// The numbers are the server-rendered report's (json_script), so chart and table agree.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("interval-chart");
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  if (!el || !window.Chart) return;
  window.hostlineChart = new window.Chart(el, {
    data: {
      labels: data.labels,
      datasets: [
        { type: "bar", label: "Answered", data: data.answered, backgroundColor: "#2563eb", stack: "calls", maxBarThickness: 48 },
        { type: "bar", label: "Abandoned", data: data.abandoned, backgroundColor: "#dc2626", stack: "calls", maxBarThickness: 48 },
        { type: "line", label: "Service level %", data: data.service_level, borderColor: "#16a34a",
          backgroundColor: "#16a34a", yAxisID: "sl", spanGaps: true, tension: 0.2, pointRadius: 4 },
      ],
    },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true, title: { display: true, text: "calls" } },
        sl: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false },
              title: { display: true, text: "SL %" } },
      },
    },
  });
});
