// Charts drawn with uPlot (loaded before this module as the global `uPlot`): time series on shared
// bucket starts, and grouped bars of two distributions. Each chart lists its series' totals under it
// in text, so the numbers stay readable where a canvas is not (and a test can compare them).

/** uPlot's IIFE build defines it on the page before any module runs. */
const chartLibrary = () => globalThis.uPlot;

const PALETTE = ["#1f6feb", "#d1495b", "#2a9d8f", "#e9a03b", "#7b4fbf", "#5b6673", "#00798c", "#a05195"];
const charts = new Map();

export function colorOf(index) {
  return PALETTE[index % PALETTE.length];
}

function widthOf(figure) {
  return Math.max(240, Math.floor(figure.clientWidth - 16));
}

/** Replaces the chart in `figure` (keeping its caption) with `content`, or a note when there is none. */
function reset(figure) {
  charts.get(figure)?.destroy();
  charts.delete(figure);
  for (const child of [...figure.children]) if (child.tagName !== "FIGCAPTION") child.remove();
}

function note(figure, text) {
  const p = document.createElement("p");
  p.className = "empty";
  p.textContent = text;
  figure.append(p);
  figure.dataset.series = "0";
}

function totals(figure, lines) {
  const list = document.createElement("ul");
  list.className = "totals";
  for (const line of lines) {
    const item = document.createElement("li");
    item.textContent = line;
    list.append(item);
  }
  figure.append(list);
}

export function formatNumber(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(digits - 1);
  return Number(value.toPrecision(digits)).toString();
}

/**
 * A time-series chart. `series`: [{ label, color, values (one per x, null for none), dash?, total? }];
 * `x`: bucket starts in epoch ms; `span`: [from, until] in epoch ms; `threshold`: a horizontal line drawn as its own dashed series.
 */
export function timeChart(figure, { x, span, series, threshold, yRange, emptyText, format = formatNumber }) {
  reset(figure);
  const drawn = series.filter((s) => s.values.some((v) => v !== null));
  if (x.length === 0 || drawn.length === 0) {
    note(figure, emptyText ?? "No data in this span.");
    return;
  }
  // The span's two ends are points of the x axis too (no series has a value there), so a threshold
  // runs across the whole chart even when one bucket holds all the data.
  const ends = [span[0], span[1]].filter((t) => !x.includes(t));
  const times = [...x, ...ends].sort((a, b) => a - b);
  const at = new Map(x.map((t, i) => [t, i]));
  const aligned = (values) => times.map((t) => (at.has(t) ? values[at.get(t)] : null));
  const data = [times.map((t) => t / 1000), ...drawn.map((s) => aligned(s.values))];
  const uSeries = [
    {},
    ...drawn.map((s) => ({
      label: s.label,
      stroke: s.color,
      width: 2,
      dash: s.dash,
      spanGaps: false,
      points: { show: true, size: 5 },
      value: (_, v) => format(v),
    })),
  ];
  if (threshold !== undefined) {
    data.push(times.map(() => threshold.value));
    uSeries.push({
      label: threshold.label,
      stroke: "#b35900",
      dash: [6, 4],
      width: 1.5,
      points: { show: false },
    });
  }
  const options = {
    width: widthOf(figure),
    height: 220,
    series: uSeries,
    // The whole span asked for, so one bucket sits where it belongs in time, not across the chart.
    scales: {
      x: { time: true, range: [span[0] / 1000, span[1] / 1000] },
      y: yRange ? { range: yRange } : { auto: true },
    },
    axes: [{}, { size: 56, values: (_, ticks) => ticks.map((v) => format(v)) }],
    legend: { live: true },
    cursor: { points: { size: 7 } },
  };
  const chart = new (chartLibrary())(options, data, figure);
  charts.set(figure, chart);
  figure.dataset.series = String(drawn.length);
  totals(
    figure,
    drawn.filter((s) => s.total !== undefined).map((s) => `${s.label}: ${s.total}`),
  );
}

/**
 * Two distributions as grouped bars over named bins, each side as shares of its own total.
 * `sides`: [{ label, color, counts }] (counts null for a side without data).
 */
export function barChart(figure, { bins, sides, emptyText }) {
  reset(figure);
  const present = sides.filter((side) => side.counts?.some((c) => c > 0));
  if (bins.length === 0 || present.length === 0) {
    note(figure, emptyText ?? "No data in this span.");
    return;
  }
  const shares = present.map((side) => {
    const total = side.counts.reduce((a, b) => a + b, 0);
    return side.counts.map((c) => c / total);
  });
  const bars = chartLibrary().paths.bars;
  const width = 0.8 / present.length;
  const data = [bins.map((_, i) => i), ...shares];
  const options = {
    width: widthOf(figure),
    height: 240,
    scales: { x: { time: false, range: [-0.6, bins.length - 0.4] }, y: { range: [0, 1] } },
    series: [
      { label: "bin", value: (_, i) => (i === null ? "" : (bins[Math.round(i)] ?? "")) },
      ...present.map((side, k) => ({
        label: side.label,
        stroke: side.color,
        fill: `${side.color}99`,
        width: 1,
        points: { show: false },
        paths: bars({ size: [width, 80], align: present.length === 1 ? 0 : k === 0 ? -1 : 1 }),
        value: (_, v) => (v === null ? "–" : `${(v * 100).toFixed(1)}%`),
      })),
    ],
    axes: [
      {
        values: (_, ticks) => ticks.map((t) => (Number.isInteger(t) ? (bins[t] ?? "") : "")),
        splits: () => bins.map((_, i) => i),
        rotate: bins.length > 6 ? -30 : 0,
        size: bins.length > 6 ? 84 : 40,
      },
      { size: 48, values: (_, ticks) => ticks.map((t) => `${Math.round(t * 100)}%`) },
    ],
    legend: { live: true },
  };
  const chart = new (chartLibrary())(options, data, figure);
  charts.set(figure, chart);
  figure.dataset.series = String(present.length);
  totals(
    figure,
    present.map((side) => `${side.label}: ${side.counts.reduce((a, b) => a + b, 0)} values`),
  );
}

/** Every chart follows its figure's width (a phone turned, a window resized). */
export function followWidths() {
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const chart = charts.get(entry.target);
      if (chart) chart.setSize({ width: widthOf(entry.target), height: chart.height });
    }
  });
  for (const figure of document.querySelectorAll("figure[data-chart]")) observer.observe(figure);
}
