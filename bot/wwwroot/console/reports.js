// Charts of the console's reports page. Imported by ReportsPage.razor through IJSRuntime ("import");
// the C# side passes the data, this module only draws. No inline script: the console's CSP allows 'self' only.

const palette = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];
const charts = new WeakMap();
let loading;

// The vendored UMD build sets globalThis.Chart when imported as a module (no exports/define in a module scope).
function chartJs() {
  loading ??= import(new URL('../lib/chartjs/chart.umd.min.js', import.meta.url).href).then(() => globalThis.Chart);
  return loading;
}

function replace(canvas, config, Chart) {
  charts.get(canvas)?.destroy();
  const chart = new Chart(canvas, config);
  charts.set(canvas, chart);
  canvas.dataset.rendered = 'true'; // tests and people can tell a drawn chart from an empty canvas
}

/**
 * Counts over periods, one stacked bar series per key.
 * data: { labels: string[], series: [{ key, label?, counts: number[], color? }], title } (a series' own colour when it has one;
 * its label in the agent's language, else its key)
 */
export async function drawCounts(canvas, data) {
  const Chart = await chartJs();
  replace(canvas, {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: data.series.map((s, i) => ({ label: s.label ?? s.key, data: s.counts, backgroundColor: s.color ?? palette[i % palette.length], stack: 'counts' })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { title: { display: !!data.title, text: data.title }, legend: { position: 'bottom' } },
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
  }, Chart);
}

/**
 * Processed share over periods, as a percentage line (gaps where nothing arrived).
 * data: { labels: string[], rates: (number|null)[], title, label }
 */
export async function drawRate(canvas, data) {
  const Chart = await chartJs();
  replace(canvas, {
    type: 'line',
    data: {
      labels: data.labels,
      datasets: [{
        label: data.label,
        data: data.rates.map(r => (r === null ? null : Math.round(r * 1000) / 10)),
        borderColor: palette[1],
        backgroundColor: palette[1],
        spanGaps: false,
        tension: 0.2,
      }],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { title: { display: !!data.title, text: data.title }, legend: { display: false } },
      scales: { y: { min: 0, max: 100, ticks: { callback: v => v + ' %' } } },
    },
  }, Chart);
}

export function dispose(canvas) {
  charts.get(canvas)?.destroy();
  charts.delete(canvas);
}
