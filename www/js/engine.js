// The page's handle on the training worker (worker.js): requests and their answers, and
// the watchdog that replaces a worker that hangs or crashes.
// For: talking to the worker. Not for: what the page does with the answers (main.js,
// loop.js, controls.js, data-panel.js) or what the worker does (worker.js lists the ops).
import { state } from './state.js';

/** How long the worker may take to answer a request once it is its turn. */
export const DEADLINE_MS = 2000;
/** Loading: the worker fetches and compiles the wasm module first. */
export const LOAD_DEADLINE_MS = 20000;
/** Building the worker's DataLab (parsing, cross-validation, the predictor). */
export const DATA_DEADLINE_MS = 60000;
const WATCH_EVERY_MS = 250;

/** Raised for requests lost with a worker that was replaced; callers may ignore it. */
export class Restarted extends Error {}

/**
 * @typedef {object} Pending
 * @property {string} op
 * @property {number} sentAt
 * @property {number} deadline
 * @property {(v: any) => void} resolve
 * @property {(e: Error) => void} reject
 */

/** @type {Worker | null} */
let worker = null;
let nextId = 1;
/** Requests in the order they were sent (the worker answers them in that order). */
/** @type {Map<number, Pending>} */
const pending = new Map();
let lastAnswerAt = 0;
let lastWatchAt = 0;
/** @type {(reason: string) => void} */
let restarted = () => {};

function spawn() {
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  w.addEventListener('message', (e) => receive(e.data));
  w.addEventListener('error', (e) => {
    e.preventDefault();
    restart(`it crashed (${e.message || 'error'})`);
  });
  w.addEventListener('messageerror', () => restart('a message could not be read'));
  worker = w;
}

/** @param {any} m */
function receive(m) {
  lastAnswerAt = performance.now();
  if (m.type === 'fatal') {
    restart(`it crashed (${m.error})`);
    return;
  }
  const p = pending.get(m.id);
  if (!p) return;
  pending.delete(m.id);
  if (typeof m.v === 'number') state.workerVersion = m.v;
  if (m.ok) p.resolve(m.result);
  else p.reject(new Error(m.error));
}

/**
 * Sends a request; resolves with the worker's result or rejects with its error message.
 * @param {string} op
 * @param {Record<string, unknown>} [args]
 * @param {number} [deadline] Milliseconds the worker may take once it is this request's turn.
 * @returns {Promise<any>}
 */
export function request(op, args = {}, deadline = DEADLINE_MS) {
  if (!worker) throw new Error('the training worker is not started');
  const w = worker;
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { op, sentAt: performance.now(), deadline, resolve, reject });
    w.postMessage({ ...args, id, op });
  });
}

/** The oldest unanswered request must be answered within its deadline. */
function watch() {
  const now = performance.now();
  // The page's own thread was blocked: answers may be waiting in its queue, unread.
  if (now - lastWatchAt > 4 * WATCH_EVERY_MS) lastAnswerAt = now;
  lastWatchAt = now;
  const oldest = pending.values().next().value;
  if (!oldest) return;
  if (now - Math.max(oldest.sentAt, lastAnswerAt) > oldest.deadline) {
    restart(`it did not answer "${oldest.op}" within ${(oldest.deadline / 1000).toFixed(0)} s`);
  }
}

/**
 * Replaces the worker: the old one is terminated, its unanswered requests are rejected
 * with `Restarted`, and `onRestart` (given to `startEngine`) reloads the run.
 * @param {string} reason
 */
export function restart(reason) {
  if (worker) worker.terminate();
  const lost = [...pending.values()];
  pending.clear();
  state.restarts += 1;
  spawn();
  lastAnswerAt = performance.now();
  restarted(reason);
  for (const p of lost) p.reject(new Restarted(`the training worker was restarted: ${reason}`));
}

/**
 * Starts the worker and the watchdog.
 * @param {(reason: string) => void} onRestart Called right after a replacement worker started;
 *   its first request should load the run.
 */
export function startEngine(onRestart) {
  restarted = onRestart;
  spawn();
  lastWatchAt = performance.now();
  setInterval(watch, WATCH_EVERY_MS);
}
