// The simulator's board: canvas sizing, drawing the charts (the page's wasm Viewer draws
// the last frame the training worker posted), the status line under the toolbar, and PNG
// export of any chart.
// The engine's palette becomes the CSS variables of the HTML legends, and the money split's
// numbers are written beside its stacked chart.
// For: turning the current run into pixels and text. Not for: advancing the run (loop.js),
// the Data panel's analyses (data-panel.js), which reuses `sizeCanvas` and `wirePng`, or
// the living curve's animation (curve-anim.js, which owns the curve while it runs).
import { chartPalette } from '../pkg/damm.js';
import { byId, download, esc, fmt } from './dom.js';
import { state, viewer } from './state.js';
import { renderLesson } from './teach.js';

/** The simulator's charts; each draws on `#chart-<name>`. */
export const CHARTS = ['curve', 'prices', 'convergence', 'returns', 'qtable', 'interest', 'money', 'split'];

/**
 * Sizes a canvas's backing store to its CSS size × the device pixel ratio.
 * @param {HTMLCanvasElement} canvas
 * @returns {boolean} Whether the size changed (the canvas was cleared).
 */
export function sizeCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(200, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(150, Math.round(canvas.clientHeight * dpr));
  if (canvas.width === w && canvas.height === h) return false;
  canvas.width = w;
  canvas.height = h;
  return true;
}

/** The curve chart's trade size (USD); anything invalid draws no trade. */
export function tradeSize() {
  const v = Number(byId('trade-size', HTMLInputElement).value);
  return Number.isFinite(v) && v >= 0 ? v : 0;
}

/** Drawing time per animation frame, so the page keeps its frame rate while training. */
const DRAW_BUDGET_MS = 6;
/** Charts still to draw for the frame on screen, and where the round-robin goes on. */
let owed = new Set(CHARTS);
let next = 0;

/** The frame on screen changed (or the canvases did): every chart is to be redrawn. */
export function invalidateBoard() {
  owed = new Set(CHARTS);
  state.dirty = true;
}

/**
 * Sizes the canvases and draws the charts still owed, in turn, until `budget` ms are
 * spent (at least one chart); then the status line. Clears `state.dirty` when all are drawn.
 * @param {number} [budget]
 */
export function drawBoard(budget = DRAW_BUDGET_MS) {
  const t0 = performance.now();
  // The projector layout draws the charts' text and lines half as large again.
  const scale = (window.devicePixelRatio || 1) * (document.documentElement.classList.contains('projector') ? 1.5 : 1);
  const trade = tradeSize();
  applyPalette();
  while (owed.size > 0) {
    const name = CHARTS[next];
    next = (next + 1) % CHARTS.length;
    if (!owed.delete(name)) continue;
    // The living curve's animation draws the curve while it runs; once it holds its end
    // state, a new frame redraws that end state (and its text) on the new market.
    const anim = state.curveAnim;
    if (name === 'curve' && anim) {
      if (anim.phase === 1) holdCurveMove(anim, scale, trade);
      continue;
    }
    sizeCanvas(byId(`chart-${name}`, HTMLCanvasElement));
    viewer().draw([name], scale, trade);
    if (name === 'split') renderSplit();
    if (performance.now() - t0 >= budget) break;
  }
  if (owed.size === 0) {
    state.dirty = false;
    state.draws += 1;
    if (state.firstDrawMs === null) state.firstDrawMs = performance.now();
  }
  renderStatus();
  if (owed.size === 0) renderLesson();
}

/**
 * Redraws a held curve move's end state on the market on screen, with its text.
 * @param {import('./state.js').CurveAnim} anim
 * @param {number} scale
 * @param {number} trade
 */
function holdCurveMove(anim, scale, trade) {
  try {
    const p = viewer().curveMove(anim.kind, trade);
    anim.text = p.text;
    anim.cost = p.cost;
    anim.allowed = p.allowed;
    byId('curve-move-text').textContent = p.text;
    sizeCanvas(byId('chart-curve', HTMLCanvasElement));
    viewer().drawCurveMove(anim.kind, 1, scale, trade);
  } catch (e) {
    byId('curve-move-text').textContent = e instanceof Error ? e.message : String(e);
  }
}

let paletteApplied = false;

/** Sets the engine's chart palette as the CSS variables `--c-<name>` (once). */
function applyPalette() {
  if (paletteApplied) return;
  paletteApplied = true;
  /** @type {[string, string][]} */
  const named = chartPalette();
  for (const [name, hex] of named) document.documentElement.style.setProperty(`--c-${name}`, hex);
}

/**
 * The engine's money split of the shown episode (`Viewer.moneySplit()`).
 * @typedef {object} SplitReport
 * @property {[string, string, number][]} terms Name, colour name, USD.
 * @property {number} net
 * @property {number} reward The episode's rewards summed.
 * @property {number} informed_loss
 * @property {number} arbitrageur_loss
 * @property {number} lvr_reference
 * @property {number} outside_reward Flows the preset's reward leaves out (memo).
 * @property {boolean} applies Whether a split applies (not for the band preset).
 * @property {string | null} note What the split's scope means for this preset.
 */

/** Writes the split's legend (once) and its numbers beside the stacked chart. */
function renderSplit() {
  /** @type {SplitReport} */
  const r = viewer().moneySplit();
  const note = byId('split-note', HTMLElement);
  note.textContent = r.note ?? '';
  note.hidden = r.note === null;
  const key = byId('split-key', HTMLElement);
  key.hidden = !r.applies;
  if (!r.applies) {
    byId('split-numbers', HTMLElement).innerHTML = '';
    return;
  }
  if (!key.childElementCount) {
    key.innerHTML = r.terms.map(([name, colour]) => `<i class="${colour} band"></i>${esc(name)}`).join(' ')
      + ' <i class="ink"></i>net';
  }
  const usd = (/** @type {number} */ v) => fmt(Math.round(v));
  const item = (/** @type {string} */ term, /** @type {string} */ label, /** @type {number} */ v) =>
    `<span data-term="${term}" data-value="${v}">${esc(label)} <b>${usd(v)}</b></span>`;
  const parts = r.terms.filter(([, , v]) => v !== 0).map(([name, , v]) => item(name, name, v));
  parts.push(item('net', 'net', r.net));
  if (r.informed_loss !== 0) parts.push(item('informed_loss', 'memo: loss to informed flow at the oracle', r.informed_loss));
  if (r.arbitrageur_loss !== 0) {
    parts.push(item('arbitrageur_loss', 'memo: loss to the arbitrageur at the oracle', r.arbitrageur_loss));
    parts.push(item('lvr_reference', 'LVR reference', r.lvr_reference));
  }
  if (r.outside_reward !== 0) parts.push(item('outside_reward', 'memo: pool flows outside the reward', r.outside_reward));
  byId('split-numbers', HTMLElement).innerHTML = parts.join(' ');
}

/** The status line and the note under the curve chart. */
function renderStatus() {
  const s = state.shown;
  if (!s) return;
  // The state the greedy-policy chart highlights (the timeline's step's, or now).
  byId('chart-qtable').dataset.state = String(s.state);
  byId('curve-note').textContent = `√k ${fmt(Number(s.sqrt_k.toPrecision(4)))} · peg ${s.peg.toFixed(3)} · mark ${s.mark.toFixed(4)}`;
  const ended = !s.at_cursor && s.step === 0 && s.last_step > 0;
  const parts = [
    // Right after an episode ends the charts show its last step (Snapshot::view_at).
    `episode <b>${s.episode}</b> · step ${s.at_cursor ? `${s.step} (timeline)` : ended ? `${s.last_step} (ended)` : s.step}`,
    `ε ${s.epsilon.toFixed(3)}`,
    `mark ${s.mark.toFixed(3)} · oracle ${s.oracle.toFixed(3)}`,
    `N ${s.net_base.toFixed(1)}`,
    `pool ${s.fee_pool.toFixed(0)} (spendable ${s.spendable.toFixed(0)})`,
  ];
  if (s.last_return !== null) parts.push(`last return ${s.last_return.toFixed(1)}`);
  if (s.relative_error !== null && s.agreement !== null) {
    parts.push(`‖Q−Q*‖∞/‖Q*‖∞ ${(100 * s.relative_error).toFixed(2)}% · greedy agreement ${(100 * s.agreement).toFixed(0)}%`);
  }
  const unavailable = s.action_names.filter((_, a) => !(s.mask & (1 << a)));
  if (unavailable.length && !s.at_cursor && !ended) parts.push(`unavailable now: ${unavailable.join(', ')}`);
  byId('status').innerHTML = parts.join(' &nbsp;|&nbsp; ');
  renderBand(s.band);
}

/**
 * The band preset's three bands side by side (hidden for the market presets).
 * @param {import('./state.js').Band | null} band
 */
function renderBand(band) {
  const box = byId('band-report');
  box.hidden = !band;
  if (!band) return;
  /** @param {number} x */
  const f = (x) => x.toFixed(3);
  byId('band-learned').textContent = f(band.learned);
  byId('band-exact').textContent = f(band.discrete_optimum);
  byId('band-law').textContent = f(band.continuous_law);
  byId('band-ratio').textContent = f(band.learned / band.discrete_optimum);
}

/**
 * Wires the PNG button of every chart figure under `root` to download its canvas.
 * @param {string} root A selector, e.g. '#board'.
 */
export function wirePng(root) {
  for (const fig of document.querySelectorAll(`${root} figure.chart`)) {
    const button = fig.querySelector('button.png');
    if (!(fig instanceof HTMLElement) || !button) continue;
    const name = fig.dataset.chart;
    button.addEventListener('click', () => {
      byId(`chart-${name}`, HTMLCanvasElement).toBlob((blob) => {
        if (blob) download(`damm-${name}.png`, blob);
      }, 'image/png');
    });
  }
}
