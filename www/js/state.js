// The page's shared run state: the drawing and data objects, what the worker last told the
// page, and the loop's flags and counters.
// For: one object every module reads and writes (also exposed as `window.dammLab` for the
// end-to-end tests and the console, with `api`: awaitable helpers set by main.js).
// Not for: behaviour; modules own what they do with it. The run itself lives in the
// training worker (worker.js), reached through engine.js.

/** @typedef {import('../pkg/damm.js').Viewer} Viewer */
/** @typedef {import('../pkg/damm.js').DataLab} DataLab */

/**
 * The subset of `Playground.stats()` / `Viewer.stats()` the page reads.
 * @typedef {object} Stats
 * @property {number} episode
 * @property {number} step
 * @property {number} total_steps
 * @property {number} epsilon
 * @property {number} mark
 * @property {number} oracle
 * @property {number} peg
 * @property {number} sqrt_k
 * @property {number} net_base
 * @property {number} fee_pool
 * @property {number} spendable
 * @property {number | null} last_return
 * @property {number | null} relative_error
 * @property {number | null} agreement
 * @property {number} mask Bit a set when action a is available now.
 * @property {string[]} action_names
 * @property {Band | null} band The band preset's bands (null for the market presets).
 * @property {number} last_step The last step of the shown episode so far.
 * @property {boolean} at_cursor These are the values at the step chosen on the timeline.
 * @property {number} state The MDP state index the greedy-policy chart highlights.
 */

/**
 * `BandReport` (src/session/mod.rs): the learned band, the exact discrete-time optimum and
 * the continuous-time law.
 * @typedef {object} Band
 * @property {number} learned
 * @property {number} discrete_optimum
 * @property {number} continuous_law
 */

/**
 * Sizes of the frames the worker posted (bytes of JSON, transferred).
 * @typedef {object} Posts
 * @property {number} frames Frames received.
 * @property {number} bytes Their total size.
 * @property {number} whole Frames carrying the whole history.
 * @property {number} wholeBytes Their total size.
 * @property {number} maxBytes The largest frame.
 */

/**
 * @typedef {object} PageState
 * @property {Viewer | null} viewer Draws the frames the worker posts (null until the module loads).
 * @property {WebAssembly.Memory | null} wasmMemory The page's wasm memory (null until the module loads).
 * @property {DataLab | null} lab The Data panel's parsed history and analyses.
 * @property {{ curve: string, funding: string } | null} bundled The bundled CSV texts.
 * @property {{ curve: string, funding: string } | null} dataTexts The CSVs the Data panel shows (sent to the worker too).
 * @property {Stats | null} shown The summary of the frame on screen.
 * @property {Record<string, number | null>} values Every parameter's value, as the worker last reported.
 * @property {string} hash The run's config as a URL hash, as the worker last reported.
 * @property {boolean} testHooks The page was opened with `?test-hooks`.
 * @property {boolean} playing The worker trains.
 * @property {number} rate Steps per second while playing (0 = as fast as the worker can).
 * @property {boolean} dirty The simulator's charts need a redraw.
 * @property {boolean} dataDirty The Data panel's charts need a redraw.
 * @property {number} run The worker's run the held frame belongs to (-1: none).
 * @property {number} version The worker's version of the held frame (-1: none).
 * @property {number} workerVersion The latest version the worker reported.
 * @property {number} frames Animation frames seen.
 * @property {number} draws Simulator redraws.
 * @property {number} dataDraws Data panel redraws.
 * @property {number} restarts Times the worker was replaced.
 * @property {Posts} posts
 * @property {number | null} firstDrawMs Time of the first draw since navigation.
 * @property {number} lastFrameMs Time of the last frame.
 * @property {number[]} frameWorkMs UI-thread work of the latest animation frames (the last 600,
 *   loop.js), ms: the frame callback (drawing included) plus the frames applied
 *   since the previous callback (decoding the worker's frame, the timeline).
 * @property {number} lastRecommendMs Time of the last recommendation refresh.
 * @property {Record<string, (...args: any[]) => Promise<any>>} api Awaitable helpers (main.js).
 * @property {CurveAnim | null} curveAnim The living curve's move on screen (curve-anim.js), or null.
 */

/**
 * The living curve's move on screen: what, how far (0..1), its text and cost (engine's).
 * @typedef {object} CurveAnim
 * @property {string} kind 'trade', 'repeg' or 'k'.
 * @property {number} phase
 * @property {string} text
 * @property {number} cost USD to the protocol (> 0 paid); for a trade, minus its fee.
 * @property {boolean} allowed Whether Drift's rules allow the move now.
 * @property {number} frames Animation frames drawn.
 */

/** @type {PageState} */
export const state = {
  viewer: null,
  wasmMemory: null,
  lab: null,
  bundled: null,
  dataTexts: null,
  shown: null,
  values: {},
  hash: '',
  testHooks: false,
  playing: false,
  rate: 120000,
  dirty: true,
  dataDirty: false,
  run: -1,
  version: -1,
  workerVersion: 0,
  frames: 0,
  draws: 0,
  dataDraws: 0,
  restarts: 0,
  posts: { frames: 0, bytes: 0, whole: 0, wholeBytes: 0, maxBytes: 0 },
  firstDrawMs: null,
  lastFrameMs: 0,
  frameWorkMs: [],
  lastRecommendMs: 0,
  api: {},
  curveAnim: null,
};

/** The page's Viewer; the page creates it before wiring anything that calls this. */
export function viewer() {
  if (!state.viewer) throw new Error('the engine is not loaded yet');
  return state.viewer;
}
