// The state inspector: a click on the greedy-policy chart (the engine's hit test of its own
// layout, `qtableStateAt`) asks the training worker for that state (`Playground.inspect`)
// and shows Q and Q* of every action, visits, the mean reward, how often each action was
// available there and, in the live state, why Drift's rules refuse one, the likeliest next
// states under the estimated model, and whether the greedy actions of Q and Q* disagree.
// For: that panel. Not for: the numbers (the engine) or the chart (charts.js).
import { qtableStateAt } from '../../pkg/damm.js';
import { byId, esc, sig } from '../dom.js';
import { request } from '../engine.js';
import { viewer } from '../state.js';

/**
 * @typedef {{ state: number, coords: number[], probability: number, value: number | null }} NextState
 * @typedef {{ action: number, name: string, q: number, q_star: number | null, visits: number, mean_reward: number | null, available_share: number | null, available_now: boolean | null, reason_now: string | null, next: NextState[] }} ActionView
 * @typedef {{ state: number, coords: number[], is_current: boolean, actions: ActionView[], greedy_q: number, greedy_q_star: number | null, disagrees: boolean }} Inspection
 */

/** Next states listed per action. */
const TOP = 3;

/** @type {Inspection | null} */
let shown = null;

/** The last inspection (null before a click). */
export const lastInspection = () => shown;

/** @param {number[]} c [imbalance bin, gap bin, √k level index] */
const where = (c) => `(imbalance ${c[0]}, gap ${c[1]}, √k ${c[2]})`;

/**
 * Inspects `s` in the live run and shows it.
 * @param {number} s
 * @returns {Promise<Inspection>}
 */
export async function inspect(s) {
  /** @type {Inspection} */
  const r = await request('inspect', { state: s, top: TOP });
  shown = r;
  const out = byId('inspect-out');
  const name = (/** @type {number | null} */ a) => (a === null ? '—' : esc(r.actions[a]?.name ?? String(a)));
  const rows = r.actions.map((a) => {
    const avail = a.available_now === null
      ? (a.available_share === null ? 'never reached' : `${(100 * a.available_share).toFixed(0)}% of arrivals`)
      : (a.available_now ? 'yes (now)' : `no (now): ${esc(a.reason_now ?? 'masked')}`);
    const next = a.next.map((n) => `s${n.state} (${n.coords.join(', ')}) ${n.probability.toFixed(2)} · ${sig(n.value, 5)}`).join('<br>') || '—';
    const cls = r.disagrees && (a.action === r.greedy_q || a.action === r.greedy_q_star) ? ' class="disagree"' : '';
    return `<tr${cls} data-action="${a.action}"><td>${esc(a.name)}</td><td data-value="${a.q}">${sig(a.q, 7)}</td><td data-value="${a.q_star ?? ''}">${sig(a.q_star, 7)}</td><td>${a.visits}</td><td>${sig(a.mean_reward, 6)}</td><td>${avail}</td><td class="wi-next">${next}</td></tr>`;
  });
  const verdict = r.greedy_q_star === null
    ? 'Q* not computed for this state yet.'
    : r.disagrees
      ? `<b>Disagreement:</b> greedy in Q is <b>${name(r.greedy_q)}</b>, in Q* <b>${name(r.greedy_q_star)}</b>.`
      : `Q and Q* agree: <b>${name(r.greedy_q)}</b>.`;
  out.innerHTML = `<p>State <b id="inspect-state">${r.state}</b> ${where(r.coords)}${r.is_current ? ' — the live market is here now' : ''}. ${verdict}</p>
<table class="wi-table" id="inspect-table"><thead><tr><th>action</th><th>Q</th><th>Q*</th><th>visits</th><th>mean reward R̂</th><th>available</th><th class="wi-next">likeliest next states: s′ (imbalance, gap, √k level) P̂ · V* = max Q*</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  return r;
}

/**
 * The state under a click on the q_table canvas, by the engine's layout (−1: none).
 * @param {MouseEvent} e
 */
function stateAt(e) {
  const c = byId('chart-qtable', HTMLCanvasElement);
  const rect = c.getBoundingClientRect();
  const sx = c.width / rect.width;
  const sy = c.height / rect.height;
  /** @type {{ state_shape: number[] }} */
  const snap = viewer().snapshot();
  return qtableStateAt(Uint32Array.from(snap.state_shape), c.width, c.height, window.devicePixelRatio || 1, Math.round((e.clientX - rect.left) * sx), Math.round((e.clientY - rect.top) * sy));
}

export function startInspector() {
  byId('chart-qtable', HTMLCanvasElement).addEventListener('click', (e) => {
    const s = stateAt(e);
    if (s >= 0) inspect(s).catch((err) => console.error(err));
  });
}
