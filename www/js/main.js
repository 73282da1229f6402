// The page's entry module: loads the wasm engine (for drawing, the controls' registry and
// the Data panel), starts the training worker, builds the controls, keeps the run and the
// URL hash in step (the hash holds the whole config, seed included), wires the toolbar's
// link and the exports, and shows the watchdog's restarts.
// For: wiring the modules together. Not for: parameters (controls.js), the loop
// (loop.js), the worker (engine.js, worker.js), drawing (charts.js) or the Data panel
// (data-panel.js).
import init, { Viewer } from '../pkg/damm.js';
import { buildControls, syncControls } from './controls.js';
import { download, byId } from './dom.js';
import { invalidateBoard, wirePng } from './charts.js';
import { wireCurveAnimation } from './curve-anim.js';
import { LOAD_DEADLINE_MS, Restarted, request, restart, startEngine } from './engine.js';
import { fetchFrame, sendRate, setPlaying, startLoop } from './loop.js';
import { sendData, startDataPanel } from './data-panel.js';
import { startWhatIf } from './whatif/index.js';
import { state } from './state.js';
import { lessonAnswer, queryLesson, startTeaching } from './teach.js';
import { setCursor } from './timeline.js';

/** Shown when the watchdog replaced the worker. */
const RESTARTED = 'The training worker stopped responding and was restarted; your settings were kept.';

/** Resolves after the next animation frame. */
const nextFrame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));

/** Awaitable helpers for the end-to-end tests and the console (`dammLab.api`). */
const api = {
  /**
   * Any worker request (see worker.js).
   * @param {string} op
   * @param {Record<string, unknown>} [args]
   * @param {number} [deadline] Milliseconds the worker may take (default: the watchdog's).
   */
  call: (op, args, deadline) => request(op, args, deadline),
  /** The run's summary, from the worker. */
  stats: () => request('stats'),
  /** Resolves once the frame on screen is the worker's latest and is drawn. */
  async settled() {
    for (let i = 0; i < 600; i++) {
      if (state.version === state.workerVersion && !state.dirty && state.viewer && state.viewer.hasSnapshot()) return state.shown;
      await nextFrame();
    }
    throw new Error('the page did not catch up with the worker');
  },
  /** The open lesson's answer for the run on screen (null without a lesson). */
  lessonAnswer: async () => lessonAnswer(),
  /**
   * Chooses a step on the timeline (null: follow the run) and waits until it is drawn.
   * @param {number | null} step
   */
  async cursor(step) {
    setCursor(step);
    return api.settled();
  },
  /**
   * Finishes `n` episodes in the worker and waits until they are drawn.
   * @param {number} n
   */
  async episodes(n) {
    await request('episodes', { n }, 30000);
    return api.settled();
  },
  /** The page's own wasm memory (the Viewer) and, where Chromium exposes it, its JS heap. */
  async memory() {
    const perf = /** @type {Performance & { memory?: { usedJSHeapSize: number } }} */ (performance);
    return {
      wasmBytes: state.wasmMemory ? state.wasmMemory.buffer.byteLength : 0,
      jsHeapBytes: perf.memory ? perf.memory.usedJSHeapSize : null,
    };
  },
};
Object.assign(state.api, api);
// Exposed for the end-to-end tests and for curious users in the console.
Object.assign(window, { dammLab: state });

/** Writes the run's config into the URL hash and the share field. */
function updateHash() {
  const h = state.hash;
  history.replaceState(null, '', `${location.pathname}${location.search}${h ? `#${h}` : ''}`);
  byId('share-link', HTMLInputElement).value = location.href;
}

/** After the worker accepted a change: controls and hash follow (the loop fetches the frame). */
function afterConfigChange() {
  syncControls();
  updateHash();
}

/** Starts a run from the URL hash; a bad hash shows why and falls back to the defaults. */
async function fromHash() {
  const hash = location.hash.replace(/^#/, '');
  const banner = byId('load-error');
  /** @type {{ hash: string, values: Record<string, number | null>, loadError: string | null }} */
  const r = await request('load', { hash, testHooks: state.testHooks }, LOAD_DEADLINE_MS);
  banner.hidden = r.loadError === null;
  if (r.loadError !== null) {
    banner.textContent = `This link's settings were not loaded: ${r.loadError}. Showing the defaults.`;
  }
  setPlaying(false, false);
  state.values = r.values;
  state.hash = r.hash;
  afterConfigChange();
}

/** @param {unknown} e */
function ignoreRestart(e) {
  if (!(e instanceof Restarted)) throw e;
}

/**
 * The watchdog replaced the worker: reload the run from the URL hash (the current config),
 * with the speed and the Data panel's CSVs, and say so.
 * @param {string} reason
 */
function onRestart(reason) {
  console.warn(`training worker restarted: ${reason}`);
  const note = byId('worker-error');
  note.textContent = RESTARTED;
  note.hidden = false;
  setPlaying(false, false);
  state.viewer?.clear();
  state.run = -1;
  state.version = -1;
  fromHash().catch(ignoreRestart);
  sendRate();
  sendData();
}

/**
 * Fetches a text export from the worker and saves it.
 * @param {string} op
 * @param {string} name
 * @param {string} type
 */
async function exportFile(op, name, type) {
  /** @type {string} */
  const text = await request(op);
  download(name, new Blob([text], { type }));
}

function wireToolbar() {
  const status = byId('copy-status');
  byId('copy-link', HTMLButtonElement).addEventListener('click', async () => {
    updateHash();
    try {
      await navigator.clipboard.writeText(location.href);
      status.textContent = 'Link copied.';
    } catch {
      byId('share-link', HTMLInputElement).select();
      status.textContent = 'Select and copy the link below.';
    }
  });
  byId('export-csv', HTMLButtonElement).addEventListener('click', () => {
    exportFile('csv', 'damm-trajectory.csv', 'text/csv').catch(ignoreRestart);
  });
  byId('export-json', HTMLButtonElement).addEventListener('click', () => {
    exportFile('json', 'damm-run.json', 'application/json').catch(ignoreRestart);
  });
  byId('trade-size', HTMLInputElement).addEventListener('input', invalidateBoard);
  wireCurveAnimation();
  wirePng('#board');
  window.addEventListener('hashchange', () => {
    if (location.hash.replace(/^#/, '') !== state.hash) fromHash().catch(ignoreRestart);
  });
  window.addEventListener('resize', () => {
    invalidateBoard();
    state.dataDirty = true;
  });
}

async function main() {
  state.testHooks = new URLSearchParams(location.search).has('test-hooks');
  if (state.testHooks) {
    Object.assign(state.api, {
      /** Makes the worker busy-loop forever (the watchdog must replace it). */
      hang: () => request('__hang').catch(() => 'restarted'),
      /** Makes the worker throw outside any request (its `error` event). */
      crash: () => request('__crash'),
      /** Replaces the worker as the watchdog would. */
      restart: async () => restart('asked by a test'),
    });
  }
  // A lesson's link may leave out the config: the lesson's own run is the default.
  const lesson = queryLesson();
  if (lesson && !location.hash.replace(/^#/, '')) {
    history.replaceState(null, '', `${location.pathname}${location.search}#${lesson.hash}`);
  }
  startEngine(onRestart);
  state.wasmMemory = (await init()).memory;
  state.viewer = new Viewer();
  buildControls(afterConfigChange);
  startTeaching();
  await fromHash();
  wireToolbar();
  startLoop();
  await fetchFrame();
  startDataPanel();
  startWhatIf();
}

main().catch((e) => {
  const el = byId('panic');
  el.textContent = `dAMM Lab failed to start: ${e instanceof Error ? e.message : String(e)}`;
  el.hidden = false;
});
