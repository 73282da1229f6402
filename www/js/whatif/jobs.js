// Jobs for the what-if workers (whatif/worker.js): one worker per job, or a pool of one per
// core for a sweep, each job cancellable by terminating its workers.
// For: starting workers, routing their answers and progress, cancelling. Not for: what the
// panels do with the results, or the training worker (engine.js).

/** @typedef {{ done: number, total: number }} Progress */

/**
 * A what-if worker with request/answer promises.
 */
export class Job {
  constructor() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.nextId = 1;
    /** @type {Map<number, { resolve: (v: any) => void, reject: (e: Error) => void, onProgress: ((p: Progress) => void) | undefined }>} */
    this.pending = new Map();
    this.worker.addEventListener('message', (e) => this.receive(e.data));
    this.worker.addEventListener('error', (e) => {
      e.preventDefault();
      this.fail(`the what-if worker crashed (${e.message || 'error'})`);
    });
  }

  /** @param {any} m */
  receive(m) {
    if (m.id === 0 && !m.ok) {
      this.fail(m.error);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.progress) {
      if (p.onProgress) p.onProgress(m.progress);
      return;
    }
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.error));
  }

  /**
   * @param {string} op
   * @param {Record<string, unknown>} args
   * @param {(p: Progress) => void} [onProgress]
   * @returns {Promise<any>}
   */
  request(op, args, onProgress) {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...args, id, op });
    });
  }

  /** @param {string} reason */
  fail(reason) {
    for (const p of this.pending.values()) p.reject(new Error(reason));
    this.pending.clear();
  }

  /** Stops the worker; unanswered requests reject with `Cancelled`. */
  cancel() {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new Cancelled('cancelled'));
    this.pending.clear();
  }
}

/** A job's requests lost to `cancel`. */
export class Cancelled extends Error {}

/**
 * Runs one request in a fresh worker, which ends with it.
 * @param {string} op
 * @param {Record<string, unknown>} args
 * @param {(p: Progress) => void} [onProgress]
 * @returns {{ job: Job, result: Promise<any> }}
 */
export function once(op, args, onProgress) {
  const job = new Job();
  const result = job.request(op, args, onProgress).finally(() => job.worker.terminate());
  return { job, result };
}

/** Workers a sweep uses: one per core. */
export function cores() {
  return Math.max(1, navigator.hardwareConcurrency || 2);
}
