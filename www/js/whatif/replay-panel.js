// Policy replay: every policy (the baselines and the live run's greedy policy) on one fresh
// episode with the same seed, so the same oracle path and traders (`Playground.replay`, in
// the training worker); step through it or play it, with mark against oracle and each
// policy's cumulative money on charts, and the numbers at the shown step in a table.
// For: that panel. Not for: the rollouts (the engine).
import { byId, esc } from '../dom.js';
import { request } from '../engine.js';
import { COLOR, cell, draw, policyColor } from './common.js';

/**
 * @typedef {{ mark: number, oracle: number, adjusted: boolean, reward: number }} Step
 * @typedef {{ policy: string, steps: Step[], cumulative: number[] }} Track
 */

/** @type {Track[]} */
let tracks = [];
let at = 0;
/** @type {number | null} */
let timer = null;
/** Steps per second while playing. */
const PLAY_RATE = 20;

/** The replay on screen and the step shown. */
export const lastReplay = () => ({ tracks, at });

/**
 * Shows step `t` (0 … episode length).
 * @param {number} t
 */
export function show(t) {
  if (!tracks.length) return;
  const len = tracks[0].steps.length - 1;
  at = Math.max(0, Math.min(len, Math.round(t)));
  byId('replay-at', HTMLInputElement).value = String(at);
  byId('replay-step-label').textContent = `${at} / ${len}`;
  const upto = (/** @type {number[]} */ xs) => xs.slice(0, at + 1).map((v, i) => [i, v]);
  const adjusted = (/** @type {Track} */ tr) => tr.steps.slice(1, at + 1).flatMap((s, i) => (s.adjusted ? [i + 1] : []));
  const oracle = { color: COLOR.ink, faint: true, points: upto(tracks[0].steps.map((s) => s.oracle)) };
  draw('chart-wi-replay-prices', 'lines', {
    x: [0, len], x_desc: 'step', y_desc: 'USD',
    lines: [oracle, ...tracks.map((tr) => ({ color: policyColor(tr.policy), points: upto(tr.steps.map((s) => s.mark)), marks: adjusted(tr) }))],
  });
  draw('chart-wi-replay-money', 'lines', {
    x: [0, len], x_desc: 'step', y_desc: 'USD',
    lines: tracks.map((tr) => ({ color: policyColor(tr.policy), points: upto(tr.cumulative) })),
  });
  const table = byId('replay-table', HTMLTableElement);
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const h of ['policy', 'mark', 'oracle', 'adjustments so far', 'cumulative money']) {
    const th = document.createElement('th');
    th.textContent = h;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const tr of tracks) {
    const row = body.insertRow();
    row.dataset.policy = tr.policy;
    const name = document.createElement('td');
    name.innerHTML = esc(tr.policy);
    row.appendChild(name);
    const s = tr.steps[at];
    row.appendChild(cell(s.mark, s.mark.toFixed(4)));
    row.appendChild(cell(s.oracle, s.oracle.toFixed(4)));
    row.appendChild(cell(adjusted(tr).length, String(adjusted(tr).length)));
    row.appendChild(cell(tr.cumulative[at]));
  }
}

function stop() {
  if (timer !== null) clearInterval(timer);
  timer = null;
  const b = byId('replay-play', HTMLButtonElement);
  b.textContent = '▶ Play';
  b.setAttribute('aria-pressed', 'false');
}

/**
 * Replays every policy on the episode of `seed`, shown at step 0.
 * @param {number | string} seed
 * @returns {Promise<Track[]>}
 */
export async function replay(seed) {
  stop();
  const err = byId('replay-error');
  err.textContent = '';
  try {
    tracks = await request('replay', { seed: Number(seed) });
  } catch (e) {
    err.textContent = e instanceof Error ? e.message : String(e);
    throw e;
  }
  const len = tracks[0].steps.length - 1;
  const slider = byId('replay-at', HTMLInputElement);
  slider.max = String(len);
  byId('replay-at', HTMLInputElement).disabled = false;
  byId('replay-step', HTMLButtonElement).disabled = false;
  byId('replay-play', HTMLButtonElement).disabled = false;
  show(0);
  return tracks;
}

export function startReplayPanel() {
  byId('replay-run', HTMLButtonElement).addEventListener('click', () => {
    replay(byId('replay-seed', HTMLInputElement).value).catch(() => {});
  });
  byId('replay-step', HTMLButtonElement).addEventListener('click', () => {
    stop();
    show(at + 1);
  });
  byId('replay-at', HTMLInputElement).addEventListener('input', (e) => {
    stop();
    show(Number(/** @type {HTMLInputElement} */ (e.target).value));
  });
  byId('replay-play', HTMLButtonElement).addEventListener('click', () => {
    if (timer !== null) {
      stop();
      return;
    }
    if (tracks.length && at >= tracks[0].steps.length - 1) show(0);
    const b = byId('replay-play', HTMLButtonElement);
    b.textContent = '⏸ Pause';
    b.setAttribute('aria-pressed', 'true');
    timer = window.setInterval(() => {
      if (!tracks.length || at >= tracks[0].steps.length - 1) stop();
      else show(at + 1);
    }, 1000 / PLAY_RATE);
  });
}
