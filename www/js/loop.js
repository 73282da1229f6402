// The animation loop and the run buttons: play / pause (also the space bar), step, episode,
// reset and speed.
// For: deciding each frame how much to train (within FRAME_BUDGET_MS) and what to redraw.
// Not for: drawing itself (charts.js, data-panel.js) or parameters (controls.js).
import { byId } from './dom.js';
import { drawBoard } from './charts.js';
import { drawData, renderRecommendation } from './data-panel.js';
import { engine, state } from './state.js';

/** Training time per frame, so the page stays responsive at any speed. */
const FRAME_BUDGET_MS = 8;
/** Steps per `advance` call inside one frame. */
const CHUNK = 500;
/** How often the Data panel's recommendation follows the run. */
const RECOMMEND_EVERY_MS = 1000;

/** @param {number} now */
function frame(now) {
  state.frames += 1;
  state.lastFrameMs = now;
  if (state.playing) {
    const t0 = performance.now();
    let left = state.stepsPerFrame;
    const chunk = Math.min(left, CHUNK);
    while (left > 0 && performance.now() - t0 < FRAME_BUDGET_MS) {
      const n = Math.min(chunk, left);
      engine().advance(n);
      left -= n;
    }
    state.dirty = true;
  }
  if (state.dirty) {
    drawBoard();
    state.dirty = false;
  }
  if (state.dataDirty) {
    state.dataDirty = false;
    drawData();
  }
  if (state.lab && now - state.lastRecommendMs > RECOMMEND_EVERY_MS) {
    state.lastRecommendMs = now;
    renderRecommendation();
  }
  requestAnimationFrame(frame);
}

/** @param {boolean} on */
export function setPlaying(on) {
  state.playing = on;
  const b = byId('play', HTMLButtonElement);
  b.textContent = on ? '❚❚ Pause' : '▶ Play';
  b.setAttribute('aria-pressed', String(on));
}

/**
 * Stops playing, runs `act` on the engine and redraws.
 * @param {() => void} act
 */
function once(act) {
  setPlaying(false);
  act();
  state.dirty = true;
}

/** Wires the run buttons and starts the loop. */
export function startLoop() {
  const speed = byId('speed', HTMLSelectElement);
  byId('play', HTMLButtonElement).addEventListener('click', () => setPlaying(!state.playing));
  byId('step', HTMLButtonElement).addEventListener('click', () => once(() => engine().advance(1)));
  byId('episode', HTMLButtonElement).addEventListener('click', () => once(() => engine().finishEpisode()));
  byId('reset', HTMLButtonElement).addEventListener('click', () => once(() => engine().reset()));
  speed.addEventListener('change', () => { state.stepsPerFrame = Number(speed.value); });
  state.stepsPerFrame = Number(speed.value);
  document.addEventListener('keydown', (e) => {
    if (e.target instanceof Element && e.target.closest('input, select, textarea')) return;
    if (e.key === ' ') {
      e.preventDefault();
      setPlaying(!state.playing);
    }
  });
  requestAnimationFrame(frame);
}
