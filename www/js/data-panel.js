// The Data panel: Drift's bundled history (or an uploaded curve CSV), the volume regression,
// the classifiers' table, the predictor's summary, the two history charts and the ensemble's
// recommendation for the simulator's current state.
// The recommendation needs the live run, which is in the training worker: the worker keeps
// its own DataLab of the same CSVs (sent by `loadData`) and answers `recommend`.
// For: everything under #data-panel. Not for: the simulator's controls or its loop (loop.js
// calls `drawData` and `renderRecommendation` when they are due).
import { DataLab } from '../pkg/damm.js';
import { byId, esc, sig } from './dom.js';
import { sizeCanvas, wirePng } from './charts.js';
import { DATA_DEADLINE_MS, Restarted, request } from './engine.js';
import { state } from './state.js';

/**
 * The parts of `DataLab.report()` the panel shows.
 * @typedef {object} Report
 * @property {{ markets: { market_index: number, market: string, records: number, repegs: number, k_up: number, k_down: number }[] }} summary
 * @property {{ price_transform: string, k_transform: string, n: number, beta: number[], std_err: number[], r_squared: number }[]} volume_regression
 * @property {{ events: number, successes: number, folds: number, scores: { model: string, metrics: { accuracy: number, precision: number, recall: number, f1: number } }[] } | null} classify
 * @property {string | null} classify_error
 * @property {{ window: number, train: number, test: number, mae_model: number, mae_last_change: number, mae_no_change: number, direction_accuracy: number }} predict
 */

const BUNDLED = ['data/curve_history_hist.csv', 'data/fundingRate_history_hist.csv'];

/**
 * Parses the CSVs and shows the analyses; a malformed file throws and changes nothing.
 * @param {string} curve
 * @param {string} funding
 * @param {string} source What the panel says the data is.
 */
function loadData(curve, funding, source) {
  const lab = new DataLab(curve, funding);
  if (state.lab) state.lab.free();
  state.lab = lab;
  state.dataTexts = { curve, funding };
  sendData();
  byId('err-upload').textContent = '';
  byId('upload-curve', HTMLInputElement).removeAttribute('aria-invalid');
  byId('data-source').textContent = source;
  renderTables(lab);
  state.dataDirty = true;
}

/**
 * The market selector and the three tables.
 * @param {DataLab} lab
 */
function renderTables(lab) {
  /** @type {Report} */
  const r = lab.report();
  const sel = byId('data-market', HTMLSelectElement);
  const keep = sel.value;
  sel.innerHTML = r.summary.markets
    .map((m) => `<option value="${m.market_index}">${esc(m.market)} — ${m.records} records (${m.repegs} repegs, ${m.k_up + m.k_down} k)</option>`)
    .join('');
  if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
  /** @param {string} t @param {string} x */
  const tf = (t, x) => (t === 'sqrt' ? `√${x}` : x);
  byId('regression-table').innerHTML = '<tr><th>variant</th><th>β0</th><th>β1</th><th>β2</th><th>R²</th><th>n</th></tr>'
    + r.volume_regression.map((v) => `<tr><td>${tf(v.price_transform, 'price')}, ${tf(v.k_transform, 'k')}</td>`
      + v.beta.map((b, j) => `<td title="± ${sig(v.std_err[j], 3)}">${sig(b, 4)}<br><small>± ${sig(v.std_err[j], 2)}</small></td>`).join('')
      + `<td>${sig(v.r_squared, 3)}</td><td>${v.n}</td></tr>`).join('');
  const c = r.classify;
  if (c) {
    byId('classify-title').textContent = `Success classifiers: ${c.events} events, ${c.successes} successes, ${c.folds}-fold stratified CV`;
    byId('classify-table').innerHTML = '<tr><th>model</th><th>accuracy</th><th>precision</th><th>recall</th><th>F1</th></tr>'
      + c.scores.map((s) => `<tr><td>${esc(s.model)}</td><td>${sig(s.metrics.accuracy)}</td><td>${sig(s.metrics.precision)}</td><td>${sig(s.metrics.recall)}</td><td>${sig(s.metrics.f1)}</td></tr>`).join('');
  } else {
    byId('classify-title').textContent = 'Success classifiers';
    byId('classify-table').innerHTML = `<tr><td>${esc(r.classify_error)}</td></tr>`;
  }
  const p = r.predict;
  byId('predict-summary').textContent = `1-D CNN over the last ${p.window} changes, trained on ${p.train}, tested on the next ${p.test}: MAE ${sig(p.mae_model)} pp vs ${sig(p.mae_last_change)} (repeat the last change) and ${sig(p.mae_no_change)} (no change); direction right ${Math.round(100 * p.direction_accuracy)}%.`;
  renderRecommendation();
}

/** Sends the shown CSVs to the worker, which builds its own DataLab for `recommend`. */
export function sendData() {
  if (!state.dataTexts) return;
  request('data', state.dataTexts, DATA_DEADLINE_MS).catch((e) => {
    if (!(e instanceof Restarted)) byId('recommendation').textContent = e instanceof Error ? e.message : String(e);
  });
}

/** The ensemble's recommendation for the simulator's current state (from the worker). */
export async function renderRecommendation() {
  if (!state.lab) return;
  const out = byId('recommendation');
  try {
    /** @type {{ action: string, reason: string }} */
    const rec = await request('recommend', { min: 0.5 });
    out.innerHTML = `<b>${esc(rec.action)}</b> — ${esc(rec.reason)}`;
  } catch (e) {
    if (!(e instanceof Restarted)) out.textContent = e instanceof Error ? e.message : String(e);
  }
}

/** Draws the history and regression charts of the selected market. */
export function drawData() {
  if (!state.lab) return;
  for (const id of ['chart-history', 'chart-regression']) sizeCanvas(byId(id, HTMLCanvasElement));
  state.lab.draw(Number(byId('data-market', HTMLSelectElement).value || 0), window.devicePixelRatio || 1);
  state.dataDraws += 1;
}

/** Fetches (once) and shows the bundled history. */
async function loadBundled() {
  if (!state.bundled) {
    const [curve, funding] = await Promise.all(BUNDLED.map(async (f) => {
      const r = await fetch(f);
      if (!r.ok) throw new Error(`${f}: HTTP ${r.status}`);
      return r.text();
    }));
    state.bundled = { curve, funding };
  }
  loadData(state.bundled.curve, state.bundled.funding, 'Bundled data: drift-flat-data curve and funding history.');
}

/** An uploaded curve history; its error goes beside the upload control. */
async function loadUpload() {
  const input = byId('upload-curve', HTMLInputElement);
  const file = input.files && input.files[0];
  if (!file) return;
  const text = await file.text();
  try {
    // The funding history (for the mark/oracle gap) stays the bundled one.
    loadData(text, state.bundled ? state.bundled.funding : '', `Your file: ${file.name} (processed in this browser only).`);
  } catch (e) {
    byId('err-upload').textContent = `${file.name}: ${e instanceof Error ? e.message : String(e)}`;
    input.setAttribute('aria-invalid', 'true');
  }
}

/** Wires the panel's controls and starts loading the bundled data. */
export function startDataPanel() {
  byId('data-market', HTMLSelectElement).addEventListener('change', () => { state.dataDirty = true; });
  byId('recommend', HTMLButtonElement).addEventListener('click', () => { renderRecommendation(); });
  byId('data-bundled', HTMLButtonElement).addEventListener('click', () => {
    loadBundled().catch(showLoadError('Bundled data'));
  });
  byId('upload-curve', HTMLInputElement).addEventListener('change', () => {
    loadUpload().catch(showLoadError('Upload'));
  });
  wirePng('#data-panel');
  loadBundled().catch(showLoadError('Bundled data'));
}

/** @param {string} what */
const showLoadError = (what) => (/** @type {unknown} */ e) => {
  byId('err-upload').textContent = `${what}: ${e instanceof Error ? e.message : String(e)}`;
};
