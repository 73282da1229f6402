// The animation loop and the run buttons: play / pause (also the space bar), step, episode,
// reset and speed. The worker trains; each animation frame the page asks it for the run's
// latest state (one request at a time, so no stale frame ever queues up) and draws it.
// For: deciding each frame what to fetch and redraw. Not for: training (worker.js),
// drawing itself (charts.js, data-panel.js) or parameters (controls.js).
import { byId } from './dom.js';
import { drawBoard, invalidateBoard } from './charts.js';
import { drawData, renderRecommendation } from './data-panel.js';
import { Restarted, request } from './engine.js';
import { state, viewer } from './state.js';
import { followRun, renderTimeline, wireTimeline } from './timeline.js';

/** How often the Data panel's recommendation follows the run. */
const RECOMMEND_EVERY_MS = 1000;

let framePending = false;
let recommendPending = false;
/** How many frames `state.frameWorkMs` keeps. */
const FRAME_WORK_KEPT = 600;
/** UI-thread time spent applying frames since the last animation frame callback (ms). */
let applyMs = 0;

/** @param {unknown} e */
function reportUnlessRestarted(e) {
  if (!(e instanceof Restarted)) console.error(e);
}

/** Asks the worker for a frame newer than the one held, and applies it. */
export async function fetchFrame() {
  framePending = true;
  const v = viewer();
  const asked = { run: state.run, v: state.version, from: Math.max(0, v.historyEnd() - 1) };
  try {
    /** @type {{ unchanged?: boolean, run: number, bytes: Uint8Array }} */
    const r = await request('frame', asked);
    if (r.unchanged) return;
    const version = state.workerVersion;
    const whole = r.run !== asked.run || asked.from === 0;
    const p = state.posts;
    p.frames += 1;
    p.bytes += r.bytes.byteLength;
    p.maxBytes = Math.max(p.maxBytes, r.bytes.byteLength);
    if (whole) {
      p.whole += 1;
      p.wholeBytes += r.bytes.byteLength;
    }
    const t0 = performance.now();
    /** @type {boolean} */
    let joined;
    try {
      joined = v.apply(r.bytes);
    } catch (e) {
      // An unreadable frame (a bug): keep the one on screen, ask for a whole one.
      console.error(e);
      joined = false;
    }
    if (!joined) {
      // The tail did not join what the viewer holds: ask for the whole history.
      v.clear();
      state.run = -1;
      state.version = -1;
      return;
    }
    // A new run (reset, a new parameter): the timeline follows it.
    if (r.run !== asked.run) v.setCursor(undefined);
    state.run = r.run;
    state.version = version;
    state.shown = v.stats();
    renderTimeline();
    invalidateBoard();
    applyMs += performance.now() - t0;
  } catch (e) {
    reportUnlessRestarted(e);
  } finally {
    framePending = false;
  }
}

async function refreshRecommendation() {
  recommendPending = true;
  try {
    await renderRecommendation();
  } finally {
    recommendPending = false;
  }
}

/** @param {number} now */
function frame(now) {
  const t0 = performance.now();
  state.frames += 1;
  state.lastFrameMs = now;
  // A new frame once the last one is fully drawn: the page asks no faster than it draws.
  const drawn = !state.dirty || !viewer().hasSnapshot();
  if (!framePending && drawn && (state.playing || state.version !== state.workerVersion)) fetchFrame();
  if (state.dirty && viewer().hasSnapshot()) drawBoard();
  if (state.dataDirty) {
    state.dataDirty = false;
    drawData();
  }
  if (state.lab && !recommendPending && now - state.lastRecommendMs > RECOMMEND_EVERY_MS) {
    state.lastRecommendMs = now;
    refreshRecommendation();
  }
  const work = state.frameWorkMs;
  work.push(performance.now() - t0 + applyMs);
  if (work.length > FRAME_WORK_KEPT) work.splice(0, work.length - FRAME_WORK_KEPT);
  applyMs = 0;
  requestAnimationFrame(frame);
}

/**
 * Shows the play state; with `send`, tells the worker.
 * @param {boolean} on
 * @param {boolean} [send]
 */
export function setPlaying(on, send = true) {
  if (on) followRun();
  state.playing = on;
  const b = byId('play', HTMLButtonElement);
  b.textContent = on ? '❚❚ Pause' : '▶ Play';
  b.setAttribute('aria-pressed', String(on));
  if (send) request('play', { on }).catch(reportUnlessRestarted);
}

/**
 * Stops playing and sends `op` (the worker pauses too); the next frame shows the result.
 * @param {string} op
 */
function once(op) {
  setPlaying(false, false);
  followRun();
  return request(op).catch(reportUnlessRestarted);
}

/** Sends the speed select's rate (steps per second, 0 = max) to the worker. */
export function sendRate() {
  return request('rate', { stepsPerSecond: state.rate }).catch(reportUnlessRestarted);
}

/** Wires the run buttons and starts the loop. */
export function startLoop() {
  const speed = byId('speed', HTMLSelectElement);
  byId('play', HTMLButtonElement).addEventListener('click', () => setPlaying(!state.playing));
  byId('step', HTMLButtonElement).addEventListener('click', () => once('step'));
  byId('episode', HTMLButtonElement).addEventListener('click', () => once('episode'));
  byId('reset', HTMLButtonElement).addEventListener('click', () => once('reset'));
  speed.addEventListener('change', () => {
    state.rate = Number(speed.value);
    sendRate();
  });
  state.rate = Number(speed.value);
  sendRate();
  wireTimeline(setPlaying);
  document.addEventListener('keydown', (e) => {
    if (e.target instanceof Element && e.target.closest('input, select, textarea')) return;
    if (e.key === ' ') {
      e.preventDefault();
      setPlaying(!state.playing);
    }
  });
  requestAnimationFrame(frame);
}
