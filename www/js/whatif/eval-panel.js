// The evaluation panel: trains a fresh copy of the current configuration in a what-if
// worker and evaluates every policy on the evaluation seeds (the engine's `Evaluation`,
// the same steps as `damm eval --url`), with a progress bar; shows the table (net reward
// with its 95% interval, the paired learned − policy interval, the reward split and
// adjustments per episode) and the interval chart, with pinned runs' evaluations beside.
// For: the evaluation and its exports. Not for: the numbers (the engine) or pins (compare-panel.js).
import { byId, download } from '../dom.js';
import { state } from '../state.js';
import { Cancelled, once } from './jobs.js';
import { RUN_COLORS, cell, draw, interval, policyColor } from './common.js';

/**
 * @typedef {{ mean: number, lo: number, hi: number }} Interval
 * @typedef {{ policy: string, seeds: number, net: Interval, fees: Interval, costs: Interval, funding: Interval, overhead: Interval, counterparty_pnl: Interval, adjustments: Interval }} PolicyRow
 * @typedef {{ url: string, policies: PolicyRow[], best_baseline: string | null, learned_minus: Record<string, Interval>, learned_vs_best_tabular: Interval | null, near_best_tabular: { within: number, holds: boolean } | null, q_comparison: any, config: any }} EvalReport
 */

/** @type {{ report: EvalReport, csv: string } | null} The last evaluation. */
let last = null;
/** @type {import('./jobs.js').Job | null} */
let running = null;
/** @type {() => { color: number, report: EvalReport }[]} Pinned runs' evaluations. */
let pinnedEvals = () => [];

/** The last evaluation's report (null before one). */
export const lastReport = () => (last ? last.report : null);

/**
 * Evaluates `hash` (default: the current run's); resolves with the report.
 * @param {string} [hash]
 * @returns {Promise<EvalReport>}
 */
export async function evaluate(hash = state.hash) {
  if (running) running.cancel();
  const bar = byId('eval-progress', HTMLProgressElement);
  const status = byId('eval-status');
  const t0 = performance.now();
  status.textContent = 'training…';
  bar.value = 0;
  const { job, result } = once('eval', { hash }, (p) => {
    bar.value = p.total ? p.done / p.total : 1;
    status.textContent = `training ${p.done.toLocaleString('en-US')} / ${p.total.toLocaleString('en-US')} episodes…`;
    if (p.done === p.total) status.textContent = 'evaluating…';
  });
  running = job;
  try {
    /** @type {{ report: EvalReport, csv: string }} */
    const r = await result;
    last = r;
    bar.value = 1;
    status.textContent = `done in ${((performance.now() - t0) / 1000).toFixed(1)} s (${r.report.policies[0]?.seeds ?? 0} seeds each)`;
    render();
    return r.report;
  } catch (e) {
    if (!(e instanceof Cancelled)) status.textContent = `failed: ${e instanceof Error ? e.message : String(e)}`;
    throw e;
  } finally {
    if (running === job) running = null;
  }
}

/** The table and the chart of the last evaluation (and the pinned runs' beside it). */
export function render() {
  const table = byId('eval-table', HTMLTableElement);
  table.replaceChildren();
  byId('eval-yardstick').textContent = yardstickLine(last ? last.report : null);
  byId('eval-csv', HTMLButtonElement).disabled = !last;
  byId('eval-json', HTMLButtonElement).disabled = !last;
  if (!last) return;
  const rep = last.report;
  const head = table.createTHead().insertRow();
  // With the books at the oracle the adjustment costs are paid from the pool but are not in
  // the net (docs/modeling.md §15); the PnL against the oracle is.
  const atOracle = rep.config.mdp.valuation === 'oracle';
  for (const h of ['policy', 'net reward [95% CI]', 'learned − policy [95% CI]', 'fee share', atOracle ? 'adj. costs (memo)' : 'adj. costs', 'funding', 'overhead', 'PnL at oracle', 'adj./episode']) {
    const th = document.createElement('th');
    th.textContent = h;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const p of rep.policies) {
    const tr = body.insertRow();
    tr.dataset.policy = p.policy;
    const name = document.createElement('td');
    name.textContent = p.policy + (p.policy === rep.best_baseline ? ' (best baseline)' : '');
    tr.appendChild(name);
    tr.appendChild(cell(p.net.mean, interval(p.net)));
    const d = rep.learned_minus[p.policy];
    const dc = cell(d ? d.mean : null, d ? interval(d) : '—');
    if (d) dc.title = d.lo > 0 ? 'learned significantly better' : d.hi < 0 ? 'learned significantly worse' : 'not significant';
    tr.appendChild(dc);
    for (const k of /** @type {const} */ (['fees', 'costs', 'funding', 'overhead', 'counterparty_pnl'])) tr.appendChild(cell(p[k].mean));
    tr.appendChild(cell(p.adjustments.mean));
  }
  drawChart();
}

/**
 * The learned policy against the best tabular one, as the paired interval of
 * (learned − best tabular)/|best tabular| and the engine's verdict on it (the report's
 * `learned_vs_best_tabular` and `near_best_tabular`); empty without a yardstick.
 * @param {EvalReport | null} rep
 */
export function yardstickLine(rep) {
  const t = rep ? rep.learned_vs_best_tabular : null;
  const near = rep ? rep.near_best_tabular : null;
  if (!t || !near) return '';
  const pct = (/** @type {number} */ x) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}%`;
  const within = `${+(100 * near.within).toFixed(2)}%`;
  const verdict = near.holds
    ? `within ${within} of it (the interval's lower end)`
    : `the interval reaches more than ${within} below it`;
  return `Learned against the best tabular policy: ${pct(t.mean)} [${pct(t.lo)}, ${pct(t.hi)}], ${verdict}.`;
}

/** The interval chart: one group per policy, this run's whisker then each pinned run's. */
export function drawChart() {
  if (!last) return;
  const runs = [{ color: RUN_COLORS[0], report: last.report }, ...pinnedEvals()];
  const groups = last.report.policies.map((p) => ({
    label: p.policy,
    items: runs.flatMap((r) => {
      const q = r.report.policies.find((x) => x.policy === p.policy);
      return q ? [{ color: runs.length > 1 ? r.color : policyColor(p.policy), mean: q.net.mean, lo: q.net.lo, hi: q.net.hi }] : [];
    }),
  }));
  draw('chart-wi-eval', 'whiskers', { groups, y_desc: 'USD per episode' });
}

/**
 * @param {() => { color: number, report: EvalReport }[]} pinned The pinned runs' evaluations.
 */
export function startEvalPanel(pinned) {
  pinnedEvals = pinned;
  byId('eval-run', HTMLButtonElement).addEventListener('click', () => {
    evaluate().catch(() => {});
  });
  // The table belongs to the configuration it evaluated: say so when the run moves on.
  const STALE = 'The table is for an earlier configuration: evaluate again for this one.';
  setInterval(() => {
    const status = byId('eval-status');
    if (last && !running && last.report.url !== state.hash && status.textContent !== STALE) status.textContent = STALE;
  }, 1000);
  byId('eval-csv', HTMLButtonElement).addEventListener('click', () => {
    if (last) download('damm-eval.csv', new Blob([last.csv], { type: 'text/csv' }));
  });
  byId('eval-json', HTMLButtonElement).addEventListener('click', () => {
    if (last) download('damm-eval.json', new Blob([JSON.stringify(last.report, null, 2)], { type: 'application/json' }));
  });
}
