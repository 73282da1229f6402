// The living curve's animation: a trade, a repeg or a k change played on the x·y = k chart.
// The engine plans the move and draws each phase (`Viewer.curveMove`, `Viewer.drawCurveMove`,
// charts::curve); this module only runs the clock with requestAnimationFrame, writes the
// engine's text (what the move does and costs) beside the chart, re-planned every frame on
// the market the frame draws, and hands the curve back to the board (clearing the text)
// after a pause. With prefers-reduced-motion it shows the end state at once.
// For: timing and the buttons. Not for: any AMM arithmetic or drawing code.
import { byId } from './dom.js';
import { invalidateBoard, sizeCanvas, tradeSize } from './charts.js';
import { state, viewer } from './state.js';

/** How long a move takes on screen (ms). */
const DURATION_MS = 1600;
/** How long the end state stays before the board draws the curve again (ms). */
const HOLD_MS = 4000;

/** The run of the animation on screen; a newer click supersedes older runs. */
let run = 0;
/** The static curve's legend, put back when the board takes the curve back. */
let staticKey = '';

/** The legend of each move (colours: the engine's palette, charts::curve). */
/** @type {Record<string, string>} */
const KEYS = {
  trade: '<i class="blue"></i>curve minus its tangent <i class="orange"></i>tangent: spot price <i class="red"></i>chord: execution price <i class="blue dot"></i>reserves',
  repeg: '<i class="grey"></i>before <i class="blue"></i>during the repeg <i class="orange dot"></i>terminal point <i class="blue dot"></i>reserves',
  k: '<i class="grey"></i>before <i class="blue"></i>during the k change <i class="orange dot"></i>terminal point <i class="blue dot"></i>reserves',
};

/**
 * The engine's plan of a move (the fields the page reads).
 * @typedef {object} CurvePlan
 * @property {string} text
 * @property {number} cost
 * @property {boolean} allowed
 */

/**
 * Plays `kind` ('trade', 'repeg' or 'k') on the curve chart.
 * @param {string} kind
 */
export function animateCurve(kind) {
  const text = byId('curve-move-text', HTMLElement);
  const trade = tradeSize();
  /** @type {CurvePlan} */
  let plan;
  try {
    plan = viewer().curveMove(kind, trade);
  } catch (e) {
    text.textContent = e instanceof Error ? e.message : String(e);
    return;
  }
  text.textContent = plan.text;
  const key = byId('curve-key', HTMLElement);
  if (!state.curveAnim) staticKey = key.innerHTML;
  key.innerHTML = KEYS[kind] ?? staticKey;
  const mine = ++run;
  const anim = { kind, phase: 0, text: plan.text, cost: plan.cost, allowed: plan.allowed, frames: 0 };
  state.curveAnim = anim;
  const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  const canvas = byId('chart-curve', HTMLCanvasElement);
  const t0 = performance.now();
  /** @param {number} now */
  const frame = (now) => {
    if (mine !== run) return;
    anim.phase = reduce ? 1 : Math.min(1, Math.max(0, (now - t0) / DURATION_MS));
    sizeCanvas(canvas);
    try {
      // The market may change under the move (a new frame, the timeline): the text is
      // re-planned on the market each frame draws, so it never describes another curve.
      /** @type {CurvePlan} */
      const p = viewer().curveMove(kind, trade);
      anim.text = p.text;
      anim.cost = p.cost;
      anim.allowed = p.allowed;
      text.textContent = p.text;
      viewer().drawCurveMove(kind, anim.phase, window.devicePixelRatio || 1, trade);
    } catch (e) {
      text.textContent = e instanceof Error ? e.message : String(e);
      anim.phase = 1;
    }
    anim.frames += 1;
    if (anim.phase < 1) {
      requestAnimationFrame(frame);
    } else {
      setTimeout(() => {
        if (mine !== run) return;
        state.curveAnim = null;
        key.innerHTML = staticKey;
        // The board draws the market as it is now: the move's text no longer applies.
        text.textContent = '';
        invalidateBoard();
      }, HOLD_MS);
    }
  };
  requestAnimationFrame(frame);
}

/** Wires the curve figure's move buttons (`button[data-move]`). */
export function wireCurveAnimation() {
  for (const b of document.querySelectorAll('figure[data-chart="curve"] button[data-move]')) {
    if (!(b instanceof HTMLButtonElement)) continue;
    const kind = b.dataset.move ?? '';
    b.addEventListener('click', () => animateCurve(kind));
  }
}
