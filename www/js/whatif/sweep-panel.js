// The sweep heat map: two registry parameters with typed ranges (parsed and checked by the
// engine, `sweepGrid`), every point trained and evaluated in one what-if worker per core
// (`sweepPoint`, one row of `damm sweep`; each worker takes the next point as soon as it
// is free, costliest first), with progress and cancel; a heat map of the
// chosen metric (`charts::whatif::heatmap`), crossed cells where a difference is not
// significant, a tooltip with the cell's numbers, and click to load a point.
// For: running and showing a sweep. Not for: the numbers (the engine), or the run
// itself (a clicked point goes to the URL hash, which main.js loads).
import { paramSpecs, sweepCsv, sweepGrid } from '../../pkg/damm.js';
import { byId, download, esc, fmt } from '../dom.js';
import { state } from '../state.js';
import { Cancelled, Job, cores } from './jobs.js';
import { draw, interval, usd } from './common.js';

/**
 * @typedef {{ mean: number, lo: number, hi: number }} Interval
 * @typedef {{ policy: string, net: Interval, adjustments: Interval, learned_minus: Interval | null }} PolicyRow
 * @typedef {{ index: number, point: [string, number][], policies: PolicyRow[], best_baseline: string | null, learned_minus_best: Interval | null, q_relative_error: number, learned_vs_best_tabular: Interval | null, url: string }} SweepRow
 * @typedef {{ axes: { path: string, values: number[] }[] }} Grid
 * @typedef {{ id: string, label: string, pick: (r: SweepRow) => { value: number | null, interval: Interval | null, test: boolean } }} Metric
 */

/** @type {{ base: string, grid: Grid, rows: (SweepRow | null)[], ms: number | null } | null} */
let sweep = null;
/** @type {Job[]} */
let pool = [];
/** @type {number | null} */
let hover = null;

/** @type {Metric[]} */
const FIXED = [
  { id: 'learned_minus_best', label: 'learned − best baseline', pick: (r) => ({ value: r.learned_minus_best ? r.learned_minus_best.mean : null, interval: r.learned_minus_best, test: true }) },
  { id: 'q_relative_error', label: '‖Q − Q*‖∞ / ‖Q*‖∞', pick: (r) => ({ value: r.q_relative_error, interval: null, test: false }) },
];

/**
 * The metrics: the fixed ones, then per policy of the rows (from the engine's output, so
 * no policy name is written here) its net, learned − it, and its adjustments.
 * @returns {Metric[]}
 */
function metrics() {
  const first = sweep?.rows.find((r) => r) ?? null;
  const names = first ? first.policies.map((p) => p.policy) : [];
  /** @param {SweepRow} r @param {string} n */
  const of = (r, n) => r.policies.find((p) => p.policy === n);
  return [
    ...FIXED,
    ...names.map((n) => ({ id: `net:${n}`, label: `net: ${n}`, pick: (/** @type {SweepRow} */ r) => { const p = of(r, n); return { value: p ? p.net.mean : null, interval: p ? p.net : null, test: false }; } })),
    ...names.filter((n) => n !== 'learned').map((n) => ({ id: `minus:${n}`, label: `learned − ${n}`, pick: (/** @type {SweepRow} */ r) => { const d = of(r, n)?.learned_minus ?? null; return { value: d ? d.mean : null, interval: d, test: true }; } })),
    ...names.map((n) => ({ id: `adj:${n}`, label: `adjustments: ${n}`, pick: (/** @type {SweepRow} */ r) => { const p = of(r, n); return { value: p ? p.adjustments.mean : null, interval: p ? p.adjustments : null, test: false }; } })),
  ];
}

function metric() {
  const id = byId('sweep-metric', HTMLSelectElement).value;
  const all = metrics();
  return all.find((m) => m.id === id) || all[0];
}

function fillMetrics() {
  const sel = byId('sweep-metric', HTMLSelectElement);
  const keep = sel.value;
  sel.replaceChildren(...metrics().map((m) => new Option(m.label, m.id)));
  if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
}

/** The axes: x is the grid's second axis (columns), y its first (rows, slowest). */
function axes() {
  if (!sweep) return null;
  const [y, x] = sweep.grid.axes;
  return { x, y, nx: x.values.length, ny: y.values.length };
}

/** Draws the heat map of the chosen metric. */
export function drawHeat() {
  const a = axes();
  if (!sweep || !a) return;
  const m = metric();
  const picked = sweep.rows.map((r) => (r ? m.pick(r) : null));
  const values = picked.map((p) => (p ? p.value : null));
  const marked = picked.map((p) => Boolean(p && p.test && p.interval && p.interval.lo <= 0 && p.interval.hi >= 0));
  draw('chart-wi-sweep', 'heatmap', { nx: a.nx, ny: a.ny, values, marked, highlight: hover });
  byId('sweep-x-label').textContent = `→ ${a.x.path}: ${a.x.values.map(fmt).join(', ')}`;
  byId('sweep-y-label').textContent = `${a.y.path}: ${a.y.values.map(fmt).join(', ')} ↑`;
  const done = values.filter((v) => v !== null && Number.isFinite(v));
  byId('sweep-scale').textContent = done.length ? `${m.label}: ${usd(Math.min(.../** @type {number[]} */ (done)))} … ${usd(Math.max(.../** @type {number[]} */ (done)))}; crossed: not significant.` : '';
}

/**
 * The cell under a mouse event on the heat map (the chart fills the canvas with equal cells).
 * @param {MouseEvent} e
 */
function cellAt(e) {
  const a = axes();
  if (!a) return null;
  const c = byId('chart-wi-sweep', HTMLCanvasElement);
  const r = c.getBoundingClientRect();
  const i = Math.floor(((e.clientX - r.left) / r.width) * a.nx);
  const j = a.ny - 1 - Math.floor(((e.clientY - r.top) / r.height) * a.ny);
  if (i < 0 || j < 0 || i >= a.nx || j >= a.ny) return null;
  return j * a.nx + i;
}

/** @param {number | null} index */
function showTip(index) {
  const tip = byId('sweep-tip');
  const row = sweep && index !== null ? sweep.rows[index] : null;
  if (!row) {
    tip.hidden = true;
    return;
  }
  const m = metric().pick(row);
  const lines = [
    row.point.map(([p, v]) => `${esc(p)} = ${fmt(v)}`).join(', '),
    `${esc(metric().label)}: ${m.interval ? interval(m.interval) : usd(m.value)}${m.test && m.interval ? (m.interval.lo > 0 ? ' (significant, learned better)' : m.interval.hi < 0 ? ' (significant, learned worse)' : ' (not significant)') : ''}`,
    `best baseline: ${esc(row.best_baseline ?? '—')}; learned − best ${interval(row.learned_minus_best)}`,
    row.policies.map((p) => `${esc(p.policy)} ${usd(p.net.mean)}`).join(' · '),
    `‖Q − Q*‖/‖Q*‖ ${(100 * row.q_relative_error).toFixed(1)}% · click to load this point`,
  ];
  tip.innerHTML = lines.join('<br>');
  tip.hidden = false;
}

/** Axes whose value a point's time is about proportional to (training steps). */
const COSTLY = ['learn.episodes', 'mdp.episode_len'];

/**
 * The order the workers take the points in: costliest first when an axis sets the length
 * of training (so no worker is left with a long point while the others idle), otherwise
 * the grid's order. The rows land at their own index whatever the order.
 * @param {Grid} grid two axes, the first varying slowest
 * @returns {number[]}
 */
export function pointOrder(grid) {
  const [y, x] = grid.axes;
  const n = y.values.length * x.values.length;
  /** @param {number} i */
  const cost = (i) => [y.values[Math.floor(i / x.values.length)], x.values[i % x.values.length]]
    .reduce((c, v, k) => (COSTLY.includes(grid.axes[k].path) ? c * v : c), 1);
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => cost(b) - cost(a) || a - b);
}

function stopPool() {
  for (const j of pool) j.cancel();
  pool = [];
}

/**
 * Runs a sweep of `xSpec` (columns) × `ySpec` (rows) on the current configuration, one
 * worker per core; resolves with the rows (in grid order) or rejects on an error/cancel.
 * @param {string} ySpec `path=lo:hi:step` or `path=v1,v2,…` (the grid's first axis)
 * @param {string} xSpec the second axis
 * @returns {Promise<{ rows: SweepRow[], ms: number, workers: number }>}
 */
export async function runSweep(ySpec, xSpec) {
  stopPool();
  const err = byId('sweep-error');
  err.textContent = '';
  /** @type {Grid} */
  let grid;
  try {
    grid = sweepGrid([ySpec, xSpec]);
  } catch (e) {
    err.textContent = e instanceof Error ? e.message : String(e);
    throw e;
  }
  const n = grid.axes[0].values.length * grid.axes[1].values.length;
  sweep = { base: state.hash, grid, rows: new Array(n).fill(null), ms: null };
  hover = null;
  fillMetrics();
  drawHeat();
  const bar = byId('sweep-progress', HTMLProgressElement);
  const status = byId('sweep-status');
  const cancel = byId('sweep-cancel', HTMLButtonElement);
  cancel.disabled = false;
  byId('sweep-csv', HTMLButtonElement).disabled = true;
  byId('sweep-json', HTMLButtonElement).disabled = true;
  bar.value = 0;
  const t0 = performance.now();
  const workers = Math.min(cores(), n);
  pool = Array.from({ length: workers }, () => new Job());
  const mine = pool;
  const order = pointOrder(grid);
  let next = 0;
  let done = 0;
  const current = sweep;
  status.textContent = `0 / ${n} points on ${workers} workers…`;
  /** @param {Job} job */
  const drain = async (job) => {
    while (next < n) {
      const index = order[next++];
      const row = await job.request('point', { base: current.base, grid, index });
      current.rows[index] = row;
      done += 1;
      bar.value = done / n;
      status.textContent = `${done} / ${n} points on ${workers} workers, ${((performance.now() - t0) / 1000).toFixed(1)} s`;
      if (done === 1) fillMetrics();
      drawHeat();
    }
  };
  try {
    await Promise.all(mine.map(drain));
  } catch (e) {
    if (pool === mine) stopPool();
    if (!(e instanceof Cancelled)) err.textContent = e instanceof Error ? e.message : String(e);
    status.textContent = `stopped after ${done} / ${n} points`;
    throw e;
  } finally {
    if (pool === mine) cancel.disabled = true;
  }
  for (const j of mine) j.worker.terminate();
  if (pool === mine) pool = [];
  const ms = performance.now() - t0;
  current.ms = ms;
  status.textContent = `${n} points in ${(ms / 1000).toFixed(1)} s on ${workers} workers`;
  byId('sweep-csv', HTMLButtonElement).disabled = false;
  byId('sweep-json', HTMLButtonElement).disabled = false;
  return { rows: /** @type {SweepRow[]} */ (current.rows), ms, workers };
}

/** The last sweep (base hash, grid, rows so far; null before one). */
export const lastSweep = () => sweep;

/** The sweep as the JSON `damm sweep --out` writes (base, grid, rows). */
function sweepJson() {
  if (!sweep) return '';
  return JSON.stringify({ base: sweep.base, grid: sweep.grid, rows: sweep.rows.filter((r) => r) }, null, 2);
}

export function startSweepPanel() {
  /** @type {{ params: { path: string, label: string, kind: { type: string } }[] }} */
  const reg = paramSpecs();
  const numeric = reg.params.filter((p) => ['float', 'int', 'odd_int', 'optional_float'].includes(p.kind.type));
  for (const [id, pick] of [['sweep-x-path', 'traders.informed_prob'], ['sweep-y-path', 'oracle.volatility']]) {
    const sel = byId(id, HTMLSelectElement);
    sel.replaceChildren(...numeric.map((p) => new Option(`${p.label} (${p.path})`, p.path)));
    sel.value = pick;
  }
  fillMetrics();
  const spec = (/** @type {string} */ axis) => `${byId(`sweep-${axis}-path`, HTMLSelectElement).value}=${byId(`sweep-${axis}-values`, HTMLInputElement).value.trim()}`;
  byId('sweep-run', HTMLButtonElement).addEventListener('click', () => {
    runSweep(spec('y'), spec('x')).catch(() => {});
  });
  byId('sweep-cancel', HTMLButtonElement).addEventListener('click', () => {
    stopPool();
    byId('sweep-cancel', HTMLButtonElement).disabled = true;
  });
  byId('sweep-metric', HTMLSelectElement).addEventListener('change', () => {
    drawHeat();
    showTip(hover);
  });
  const canvas = byId('chart-wi-sweep', HTMLCanvasElement);
  canvas.addEventListener('mousemove', (e) => {
    const c = cellAt(e);
    if (c === hover) return;
    hover = c;
    drawHeat();
    showTip(c);
  });
  canvas.addEventListener('mouseleave', () => {
    hover = null;
    drawHeat();
    showTip(null);
  });
  canvas.addEventListener('click', (e) => {
    const c = cellAt(e);
    const row = sweep && c !== null ? sweep.rows[c] : null;
    if (row) location.hash = row.url;
  });
  byId('sweep-csv', HTMLButtonElement).addEventListener('click', () => {
    if (sweep) download('damm-sweep.csv', new Blob([sweepCsv(JSON.stringify(sweep.grid), JSON.stringify(sweep.rows.filter((r) => r)))], { type: 'text/csv' }));
  });
  byId('sweep-json', HTMLButtonElement).addEventListener('click', () => {
    if (sweep) download('damm-sweep.json', new Blob([sweepJson()], { type: 'application/json' }));
  });
}
