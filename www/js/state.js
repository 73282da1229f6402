// The page's shared run state: the engine objects and the loop's flags and counters.
// For: one object every module reads and writes (also exposed as `window.dammLab` for the
// end-to-end tests and the console). Not for: behaviour; modules own what they do with it.

/** @typedef {import('../pkg/damm.js').Playground} Playground */
/** @typedef {import('../pkg/damm.js').DataLab} DataLab */

/**
 * @typedef {object} PageState
 * @property {Playground | null} pg The live training run (null until the module loads).
 * @property {DataLab | null} lab The Data panel's parsed history and analyses.
 * @property {{ curve: string, funding: string } | null} bundled The bundled CSV texts.
 * @property {boolean} playing Training runs every frame.
 * @property {boolean} dirty The simulator's charts need a redraw.
 * @property {boolean} dataDirty The Data panel's charts need a redraw.
 * @property {number} stepsPerFrame Steps per frame while playing (within the frame budget).
 * @property {number} frames Animation frames seen.
 * @property {number} draws Simulator redraws.
 * @property {number} dataDraws Data panel redraws.
 * @property {number | null} firstDrawMs Time of the first draw since navigation.
 * @property {number} lastFrameMs Time of the last frame.
 * @property {number} lastRecommendMs Time of the last recommendation refresh.
 */

/** @type {PageState} */
export const state = {
  pg: null,
  lab: null,
  bundled: null,
  playing: false,
  dirty: true,
  dataDirty: false,
  stepsPerFrame: 2000,
  frames: 0,
  draws: 0,
  dataDraws: 0,
  firstDrawMs: null,
  lastFrameMs: 0,
  lastRecommendMs: 0,
};

/** The live run; the page creates it before wiring anything that calls this. */
export function engine() {
  if (!state.pg) throw new Error('the engine is not loaded yet');
  return state.pg;
}
