// The timeline: a slider over the steps of the shown episode (the current one, or the last
// one right after it ended). Dragging it pauses the run and sets the Viewer's cursor, so
// every chart of the episode, the status line, the lesson's answer and the stats
// (`dammLab.shown`) show the chosen step; "Live" (or play, step, episode, reset, a new
// parameter) follows the run again.
// For: the slider and the cursor. Not for: drawing (charts.js; the Viewer draws up to the
// cursor) or training (the worker keeps the episode's steps and posts them in each frame).
import { byId } from './dom.js';
import { invalidateBoard } from './charts.js';
import { state, viewer } from './state.js';

/**
 * Chooses step `step` of the shown episode (null: follow the run) and redraws.
 * @param {number | null} step
 */
export function setCursor(step) {
  const v = viewer();
  v.setCursor(step === null ? undefined : step);
  if (v.hasSnapshot()) state.shown = v.stats();
  renderTimeline();
  invalidateBoard();
}

/** Follows the run again (no redraw unless a step was chosen). */
export function followRun() {
  if (state.viewer && state.viewer.cursor() !== undefined) setCursor(null);
}

/** The slider's range and label, from the frame on screen. */
export function renderTimeline() {
  const s = state.shown;
  if (!s) return;
  const slider = byId('timeline-step', HTMLInputElement);
  slider.max = String(s.last_step);
  const chosen = s.at_cursor;
  if (!chosen || document.activeElement !== slider) slider.value = String(chosen ? s.step : s.last_step);
  byId('timeline-label').textContent = chosen
    ? `step ${s.step} of ${s.last_step}`
    : `live: step ${s.last_step} of the episode`;
  byId('timeline-live', HTMLButtonElement).disabled = !chosen;
}

/**
 * Wires the slider and the Live button.
 * @param {(on: boolean) => void} pause Stops the run (loop.js's setPlaying).
 */
export function wireTimeline(pause) {
  const slider = byId('timeline-step', HTMLInputElement);
  slider.addEventListener('input', () => {
    if (state.playing) pause(false);
    setCursor(Number(slider.value));
  });
  byId('timeline-live', HTMLButtonElement).addEventListener('click', () => setCursor(null));
}
