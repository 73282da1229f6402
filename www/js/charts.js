// The simulator's board: canvas sizing, drawing the charts (the page's wasm Viewer draws
// the last frame the training worker posted), the status line under the toolbar, and PNG
// export of any chart.
// For: turning the current run into pixels and text. Not for: advancing the run (loop.js)
// or the Data panel's analyses (data-panel.js), which reuses `sizeCanvas` and `wirePng`.
import { byId, download, fmt } from './dom.js';
import { state, viewer } from './state.js';
import { renderLesson } from './teach.js';

/** The simulator's charts; each draws on `#chart-<name>`. */
export const CHARTS = ['curve', 'prices', 'convergence', 'returns', 'qtable', 'interest', 'money'];

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
function tradeSize() {
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
  while (owed.size > 0) {
    const name = CHARTS[next];
    next = (next + 1) % CHARTS.length;
    if (!owed.delete(name)) continue;
    sizeCanvas(byId(`chart-${name}`, HTMLCanvasElement));
    viewer().draw([name], scale, trade);
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

/** The status line and the note under the curve chart. */
function renderStatus() {
  const s = state.shown;
  if (!s) return;
  byId('curve-note').textContent = `√k ${fmt(Number(s.sqrt_k.toPrecision(4)))} · peg ${s.peg.toFixed(3)} · mark ${s.mark.toFixed(4)}`;
  const parts = [
    `episode <b>${s.episode}</b> · step ${s.step}${s.at_cursor ? ' (timeline)' : ''}`,
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
  if (unavailable.length && !s.at_cursor) parts.push(`unavailable now: ${unavailable.join(', ')}`);
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
