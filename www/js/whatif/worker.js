// The what-if worker (a module Web Worker; the panels start one per job, and one per core
// for a sweep): it runs the engine's long what-if jobs off the page's thread and the
// training worker's. Every number comes from the wasm engine (Evaluation, sweepPoint,
// Playground); nothing is computed here.
// For: evaluating a configuration as `damm eval` does, one sweep point as `damm sweep`
// does, and recomputing a pinned run. Not for: the live run (worker.js) or the DOM.
//
// Protocol: the page posts {id, op, ...}; the worker answers {id, progress: {done, total}}
// any number of times, then {id, ok: true, result} or {id, ok: false, error}. Ops:
//   eval {hash}                   → {report, csv}  (damm eval --url hash)
//   point {base, grid, index}     → the sweep row  (damm sweep, one point)
//   pin {hash, episodes}          → {values, history, trajectory} of that run after
//                                   `episodes` episodes (the pinned run, recomputed)
import init, { Evaluation, Playground, sweepPoint } from '../../pkg/damm.js';

/** Episodes per progress report while training an evaluation. */
const CHUNK = 500;

/** @param {unknown} e */
const message = (e) => (e instanceof Error ? e.message : String(e));

/**
 * @param {number} id
 * @param {number} done
 * @param {number} total
 */
const progress = (id, done, total) => self.postMessage({ id, progress: { done, total } });

/** @param {Record<string, any>} m */
function handle(m) {
  switch (m.op) {
    case 'eval': {
      const ev = Evaluation.fromHash(m.hash);
      try {
        const total = ev.target();
        progress(m.id, 0, total);
        while (ev.trained() < total) progress(m.id, ev.train(CHUNK), total);
        const report = ev.report();
        return { report, csv: ev.csv() };
      } finally {
        ev.free();
      }
    }
    case 'point':
      return sweepPoint(m.base, JSON.stringify(m.grid), m.index);
    case 'pin': {
      const p = Playground.fromHash(m.hash);
      try {
        for (let i = 0; i < m.episodes; i++) {
          p.finishEpisode();
          if (i % CHUNK === CHUNK - 1) progress(m.id, i + 1, m.episodes);
        }
        const s = p.snapshot();
        return { values: p.values(), hash: p.hash(), history: s.history, trajectory: s.trajectory };
      } finally {
        p.free();
      }
    }
    default:
      throw new Error(`unknown what-if request ${String(m.op)}`);
  }
}

/** @type {Record<string, any>[] | null} Requests that arrived before the module loaded. */
let early = [];
/** @param {Record<string, any>} m */
function answer(m) {
  try {
    self.postMessage({ id: m.id, ok: true, result: handle(m) });
  } catch (e) {
    self.postMessage({ id: m.id, ok: false, error: message(e) });
  }
}
self.addEventListener('message', (e) => {
  if (early) early.push(e.data);
  else answer(e.data);
});
init().then(() => {
  const waiting = early || [];
  early = null;
  for (const m of waiting) answer(m);
}, (e) => self.postMessage({ id: 0, ok: false, error: `the engine did not load in the what-if worker: ${message(e)}` }));
