// Compare runs: pin up to three runs (their URL hash and episode count, kept in
// localStorage so they survive a reload), recompute each from its link in a what-if worker
// (`Playground`, the same numbers as the run itself), and overlay their convergence,
// returns and shown episode's mark on this run's in their colours, with their
// configuration's differences from this run. Pinned evaluations join the evaluation chart.
// For: that panel. Not for: training (the workers) or the evaluation (eval-panel.js).
import { paramSpecs } from '../../pkg/damm.js';
import { byId, esc, fmt } from '../dom.js';
import { state, viewer } from '../state.js';
import { once } from './jobs.js';
import { COLOR, RUN_COLORS, draw } from './common.js';
import { drawChart as drawEvalChart, lastReport } from './eval-panel.js';

/** localStorage key of the pins. */
const KEY = 'damm-lab-pins';
export const MAX_PINS = 3;

/**
 * @typedef {{ hash: string, episodes: number, eval: import('./eval-panel.js').EvalReport | null }} Pin
 * @typedef {{ first_episode: number, episode_return: number[], q_error: (number | null)[] }} History
 * @typedef {{ values: Record<string, number | null>, hash: string, history: History, trajectory: { mark: number, oracle: number }[] }} PinRun
 */

/** @type {Map<string, Promise<PinRun>>} Recomputed pins by hash and episodes. */
const runs = new Map();
/** @type {Map<string, PinRun>} The ones finished. */
const ready = new Map();
let drawnVersion = -2;

/** @returns {Pin[]} */
export function pins() {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) || '[]');
    return Array.isArray(v) ? v.slice(0, MAX_PINS) : [];
  } catch {
    return [];
  }
}

/** @param {Pin[]} list */
function save(list) {
  localStorage.setItem(KEY, JSON.stringify(list));
}

/** @param {Pin} p */
const keyOf = (p) => `${p.episodes}#${p.hash}`;

/**
 * The pinned run recomputed (once per pin).
 * @param {Pin} p
 * @returns {Promise<PinRun>}
 */
function recompute(p) {
  const k = keyOf(p);
  let r = runs.get(k);
  if (!r) {
    r = once('pin', { hash: p.hash, episodes: p.episodes }).result.then((v) => {
      ready.set(k, v);
      return v;
    });
    runs.set(k, r);
  }
  return r;
}

/** Pinned evaluations, for the evaluation chart. */
export function pinnedEvals() {
  return pins().flatMap((p, i) => (p.eval ? [{ color: RUN_COLORS[i + 1], report: p.eval }] : []));
}

/**
 * Pins the current run (its hash, its episode count, and its evaluation if the last one
 * was of this configuration). Refused beyond three pins.
 */
export async function pinCurrent() {
  const list = pins();
  const status = byId('pin-status');
  if (list.length >= MAX_PINS) {
    status.textContent = `At most ${MAX_PINS} pins: unpin one first.`;
    throw new Error(status.textContent);
  }
  const rep = lastReport();
  const episodes = state.shown ? state.shown.episode : 0;
  list.push({ hash: state.hash, episodes, eval: rep && rep.url === state.hash ? rep : null });
  save(list);
  status.textContent = `Pinned at episode ${episodes}.`;
  await refresh();
}

/** @param {number} i */
function unpin(i) {
  const list = pins();
  list.splice(i, 1);
  save(list);
  refresh().catch((e) => console.error(e));
}

/** Labels of the registry's parameters by path. */
let labels = /** @type {Map<string, string>} */ (new Map());

/**
 * The parameters whose values differ between a pinned run and this one.
 * @param {Record<string, number | null>} pin
 * @returns {{ path: string, label: string, pinned: number | null, current: number | null }[]}
 */
export function diff(pin) {
  return [...labels.keys()]
    .filter((path) => pin[path] !== state.values[path])
    .map((path) => ({ path, label: labels.get(path) || path, pinned: pin[path] ?? null, current: state.values[path] ?? null }));
}

/** The pin list with each one's differences from this run. */
function renderList() {
  const ul = byId('pin-list', HTMLUListElement);
  ul.replaceChildren();
  // The engine's palette (charts::palette via --c-<name>), as charts::whatif::PALETTE[1..4].
  const colors = ['var(--c-orange)', 'var(--c-green)', 'var(--c-purple)'];
  pins().forEach((p, i) => {
    const li = document.createElement('li');
    li.dataset.pin = String(i);
    const run = ready.get(keyOf(p));
    const d = run ? diff(run.values) : null;
    const text = d === null ? 'recomputing…' : d.length === 0 ? 'same configuration as this run' : d.map((x) => `${esc(x.label)}: ${fmt(x.pinned)} (this run ${fmt(x.current)})`).join('; ');
    li.innerHTML = `<span class="swatch" style="background:${colors[i]}"></span><b>pin ${i + 1}</b>, episode ${p.episodes}${p.eval ? ', evaluated' : ''} <button type="button" data-load="${i}">Load</button> <button type="button" data-unpin="${i}">Unpin</button><br><span class="diff">${text}</span>`;
    ul.appendChild(li);
  });
  for (const b of ul.querySelectorAll('button[data-unpin]')) {
    b.addEventListener('click', () => unpin(Number(/** @type {HTMLElement} */ (b).dataset.unpin)));
  }
  for (const b of ul.querySelectorAll('button[data-load]')) {
    b.addEventListener('click', () => { location.hash = pins()[Number(/** @type {HTMLElement} */ (b).dataset.load)].hash; });
  }
  byId('pin-run', HTMLButtonElement).disabled = pins().length >= MAX_PINS;
}

/** Overlays: this run (from the page's viewer) and every recomputed pin. */
export function drawOverlays() {
  const v = state.viewer;
  if (!v || !v.hasSnapshot()) return;
  /** @type {{ history: History, trajectory: { mark: number, oracle: number }[] }} */
  const cur = viewer().snapshot();
  drawnVersion = state.version;
  const list = [{ color: RUN_COLORS[0], run: cur }, ...pins().flatMap((p, i) => {
    const r = ready.get(keyOf(p));
    return r ? [{ color: RUN_COLORS[i + 1], run: r }] : [];
  })];
  /** @param {History} h @param {(number | null)[]} ys */
  const byEpisode = (h, ys) => ys.flatMap((y, i) => (y === null ? [] : [[h.first_episode + i, y]]));
  draw('chart-wi-cmp-convergence', 'lines', { log_y: true, x_desc: 'episode', y_desc: 'log scale', lines: list.map((x) => ({ color: x.color, points: byEpisode(x.run.history, x.run.history.q_error) })) });
  draw('chart-wi-cmp-returns', 'lines', { x_desc: 'episode', y_desc: 'return', lines: list.map((x) => ({ color: x.color, faint: list.length > 1 && x.color !== RUN_COLORS[0], points: byEpisode(x.run.history, x.run.history.episode_return) })) });
  draw('chart-wi-cmp-prices', 'lines', {
    x_desc: 'step', y_desc: 'USD',
    lines: [{ color: COLOR.grey, faint: true, points: cur.trajectory.map((s, i) => [i, s.oracle]) }, ...list.map((x) => ({ color: x.color, points: x.run.trajectory.map((s, i) => [i, s.mark]) }))],
  });
  drawEvalChart();
}

/** Recomputes the pins not yet recomputed, then redraws the list and overlays. */
export async function refresh() {
  renderList();
  drawOverlays();
  await Promise.all(pins().map(recompute));
  renderList();
  drawOverlays();
}

/** The recomputed pins, in pin order (after `refresh`). */
export const pinnedRuns = () => pins().map((p) => ready.get(keyOf(p)) ?? null);

export function startComparePanel() {
  /** @type {{ params: { path: string, label: string }[] }} */
  const reg = paramSpecs();
  labels = new Map(reg.params.map((p) => [p.path, p.label]));
  byId('pin-run', HTMLButtonElement).addEventListener('click', () => {
    pinCurrent().catch(() => {});
  });
  refresh().catch((e) => console.error(e));
  // The current run moves while it trains: redraw the overlays at most once a second, and
  // only while the panel is on screen (reading the whole snapshot costs the page's thread).
  let visible = false;
  new IntersectionObserver((entries) => {
    visible = entries.some((e) => e.isIntersecting);
  }).observe(byId('wi-compare'));
  setInterval(() => {
    if (visible && state.version !== drawnVersion && !state.dirty) drawOverlays();
  }, 1000);
}
