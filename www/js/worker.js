// The training worker (a module Web Worker started by engine.js): it owns the run's
// Playground and trains it off the page's thread, in time-boxed slices, answering the
// page's requests between slices. It also keeps a DataLab of the Drift history for the
// recommendation, which needs the live run.
// For: training, the run's state and everything computed from it (exports, recommendation).
// Not for: drawing (plotters-canvas needs the page's canvases; the page's Viewer draws the
// frames posted from here) or the DOM.
//
// Protocol. The page posts {id, op, ...args}; every request gets exactly one answer, in
// order: {id, ok: true, v, result} or {id, ok: false, v, error} (the engine's message).
// `v` is the run's version: it grows whenever the run changes (training, reset, a new
// parameter), so the page knows when a new frame is worth asking for. Ops:
//   load {hash, testHooks}    start the run from a URL hash → {hash, values, loadError}
//   play {on}, rate {stepsPerSecond}   train while playing, at most that fast (0 = max)
//   step, episode, reset      pause, then act → {}
//   episodes {n}              finish n episodes (tests) → {}
//   setParam {path, value}    → {hash, values}, or the error (the run is kept)
//   frame {run, from, v}      → {run, bytes}: Playground.frameBytes with the history from
//                             episode `from` (0 unless `run` is still the current run),
//                             its buffer transferred; {unchanged: true} when the page's
//                             `run` and `v` are current
//   stats, values, snapshot, csv, json, qstar, hash      the Playground's own
//   data {curve, funding}     (re)build the DataLab → {}
//   recommend {min}           → the ensemble's recommendation for the current state
//   inspect {state, top}      → the state inspector's view of a state (Playground.inspect)
//   replay {seed}             → every policy on the fresh episode of `seed` (Playground.replay)
//   bench {ms}                raw `advance` speed of a fresh run of the same config →
//                             {steps, ms, stepsPerSecond}
//   counters                  time spent training while playing, and its steps →
//                             {trainMs, trainSteps}
//   memory                    the worker's wasm linear memory → {wasmBytes}
//   __hang, __crash           only after a load with testHooks: busy-loop forever / throw
//                             outside any request (the page's watchdog tests)
// An error outside a request (a panic while training) reaches the page as the worker's
// `error` event; a panic inside one is answered and also reported as {type: 'fatal'}.
import init, { DataLab, Playground } from '../pkg/damm.js';

/** Training time between two looks at the message queue. */
const SLICE_MS = 20;
/** Steps per `advance` call (the clock is read between calls). */
const CHUNK = 1000;

/** @type {Playground | null} */
let pg = null;
/** @type {DataLab | null} */
let lab = null;
/** Which run the page sees: bumps when the Playground is replaced (its history restarts). */
let run = 0;
let version = 0;
let playing = false;
/** Steps per second while playing; 0 = as fast as possible. */
let rate = 0;
let paceT0 = 0;
let paceDone = 0;
let scheduled = false;
let testHooks = false;
/** Time spent in `advance` while playing, and its steps (the `counters` op). */
let trainMs = 0;
let trainSteps = 0;
/** The wasm instance's linear memory (the `memory` op). */
/** @type {WebAssembly.Memory | null} */
let wasmMemory = null;

const post = /** @type {(m: unknown, o?: StructuredSerializeOptions) => void} */ (
  (m, o) => self.postMessage(m, o || {}));

// A message to ourselves yields to the queue without setTimeout's 4 ms clamp.
const tick = new MessageChannel();
tick.port1.onmessage = () => slice();

/** @param {number} delay */
function schedule(delay) {
  if (scheduled || !playing) return;
  scheduled = true;
  if (delay > 0) setTimeout(slice, delay);
  else tick.port2.postMessage(null);
}

function pace() {
  paceT0 = performance.now();
  paceDone = 0;
}

/** One slice of training: up to SLICE_MS, and no further ahead than the rate allows. */
function slice() {
  scheduled = false;
  if (!playing || !pg) return;
  const t0 = performance.now();
  let left = Infinity;
  if (rate > 0) {
    const due = Math.floor((rate * (t0 - paceT0)) / 1000) - paceDone;
    if (due <= 0) {
      schedule(Math.max(1, Math.ceil(paceT0 + ((paceDone + 1) * 1000) / rate - t0)));
      return;
    }
    left = due;
  }
  let done = 0;
  while (left > 0 && performance.now() - t0 < SLICE_MS) {
    const n = Math.min(CHUNK, left);
    pg.advance(n);
    left -= n;
    done += n;
  }
  paceDone += done;
  trainMs += performance.now() - t0;
  trainSteps += done;
  // More than a second behind the rate (the worker was busy): do not catch up in a burst.
  if (rate > 0 && left > rate) pace();
  if (done) version += 1;
  schedule(0);
}

/** The live run. */
function engine() {
  if (!pg) throw new Error('no run loaded');
  return pg;
}

/**
 * Replaces the run (it starts paused).
 * @param {Playground} next
 */
function replace(next) {
  if (pg) pg.free();
  pg = next;
  run += 1;
  version += 1;
}

/** @param {unknown} e */
const message = (e) => (e instanceof Error ? e.message : String(e));

/**
 * Handles one request; returns the result and the buffers to transfer.
 * @param {Record<string, any>} m
 * @returns {{ result: unknown, transfer?: Transferable[] }}
 */
function handle(m) {
  switch (m.op) {
    case 'load': {
      testHooks = Boolean(m.testHooks);
      playing = false;
      /** @type {string | null} */
      let loadError = null;
      /** @type {Playground} */
      let next;
      try {
        next = m.hash ? Playground.fromHash(m.hash) : new Playground(undefined);
      } catch (e) {
        loadError = message(e);
        next = new Playground(undefined);
      }
      replace(next);
      return { result: { hash: next.hash(), values: next.values(), loadError } };
    }
    case 'play':
      playing = Boolean(m.on);
      pace();
      schedule(0);
      return { result: {} };
    case 'rate':
      rate = Math.max(0, Number(m.stepsPerSecond) || 0);
      pace();
      return { result: {} };
    case 'step':
      playing = false;
      engine().advance(1);
      version += 1;
      return { result: {} };
    case 'episode':
      playing = false;
      engine().finishEpisode();
      version += 1;
      return { result: {} };
    case 'episodes':
      for (let i = 0; i < m.n; i++) engine().finishEpisode();
      version += 1;
      return { result: {} };
    case 'reset':
      playing = false;
      engine().reset();
      run += 1;
      version += 1;
      return { result: {} };
    case 'setParam': {
      const p = engine();
      p.setParam(m.path, m.value);
      run += 1;
      version += 1;
      pace();
      return { result: { hash: p.hash(), values: p.values() } };
    }
    case 'frame': {
      if (m.run === run && m.v === version) return { result: { unchanged: true } };
      const bytes = engine().frameBytes(m.run === run ? Math.max(0, m.from) : 0);
      return { result: { run, bytes }, transfer: [bytes.buffer] };
    }
    case 'stats': return { result: engine().stats() };
    case 'values': return { result: engine().values() };
    case 'snapshot': return { result: engine().snapshot() };
    case 'hash': return { result: engine().hash() };
    case 'csv': return { result: engine().trajectoryCsv() };
    case 'json': return { result: engine().exportJson() };
    case 'qstar': {
      const r = engine().computeQStar();
      version += 1;
      return { result: r };
    }
    case 'data': {
      const next = new DataLab(m.curve, m.funding);
      if (lab) lab.free();
      lab = next;
      return { result: {} };
    }
    case 'recommend':
      if (!lab) throw new Error('the Drift data is not loaded yet');
      return { result: engine().recommend(lab, m.min) };
    case 'inspect': return { result: engine().inspect(m.state, m.top) };
    case 'replay': return { result: engine().replay(m.seed) };
    case 'counters': return { result: { trainMs, trainSteps } };
    case 'memory': return { result: { wasmBytes: wasmMemory ? wasmMemory.buffer.byteLength : 0 } };
    case 'bench': {
      const p = Playground.fromHash(engine().hash());
      let steps = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < m.ms) {
        p.advance(CHUNK);
        steps += CHUNK;
      }
      const ms = performance.now() - t0;
      p.free();
      return { result: { steps, ms, stepsPerSecond: (steps * 1000) / ms } };
    }
    case '__hang':
      if (!testHooks) break;
      for (;;) { /* never answers: the page's watchdog must restart the worker */ }
    case '__crash':
      if (!testHooks) break;
      setTimeout(() => { throw new Error('test crash of the training worker'); });
      return { result: {} };
    default:
      break;
  }
  throw new Error(`unknown request ${String(m.op)}`);
}

/** @param {Record<string, any>} m */
function answer(m) {
  try {
    const { result, transfer } = handle(m);
    post({ id: m.id, ok: true, v: version, result }, transfer ? { transfer } : undefined);
  } catch (e) {
    post({ id: m.id, ok: false, v: version, error: message(e) });
    // A panic leaves the wasm instance unusable: the page starts a new worker.
    if (e instanceof WebAssembly.RuntimeError) post({ type: 'fatal', error: message(e) });
  }
}

/** @type {Record<string, any>[] | null} Requests that arrived before the module loaded. */
let early = [];
self.addEventListener('message', (e) => {
  if (early) early.push(e.data);
  else answer(e.data);
});
init().then((exports) => {
  wasmMemory = exports.memory;
  const waiting = early || [];
  early = null;
  for (const m of waiting) answer(m);
}, (e) => post({ type: 'fatal', error: `the engine did not load in the worker: ${message(e)}` }));
