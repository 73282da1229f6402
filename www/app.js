// dAMM Lab page wiring: controls ↔ engine parameters, the animation loop, URL hash,
// exports. All modelling, training and drawing happen in the wasm engine.
import init, { Playground, DataLab } from './pkg/damm.js';

const CHARTS = ['curve', 'prices', 'convergence', 'returns', 'qtable', 'interest', 'money'];
const FRAME_BUDGET_MS = 8;

// Every control: config path, label, range; `log` sliders move in log10 space.
const CONTROLS = [
  { group: 'traders', path: 'traders.informed_prob', label: 'λi — informed share', min: 0, max: 1, step: 0.01 },
  { group: 'traders', path: 'lambda_u', label: 'λu = 1 − λi — uninformed share', min: 0, max: 1, step: 0.01 },
  { group: 'traders', path: 'traders.volume.beta0', label: 'β0 — base volume per step (USD)', min: 0, max: 500000, step: 1000 },
  { group: 'traders', path: 'traders.volume.beta_price', label: 'β1 — volume per unit of √price', min: -2000, max: 2000, step: 1 },
  { group: 'traders', path: 'traders.volume.beta_k', label: 'β2 — volume per unit of √k', min: 0, max: 0.5, step: 0.0005 },
  { group: 'traders', path: 'traders.size_noise', label: 'σ — trade size noise', min: 0, max: 2, step: 0.05 },
  { group: 'market', path: 'market.sqrt_k', label: '√k — liquidity depth (log scale)', min: 1e3, max: 1e7, step: 0.01, log: true },
  { group: 'market', path: 'market.peg', label: 'peg — start price (USD, log scale)', min: 0.1, max: 1e5, step: 0.01, log: true },
  { group: 'market', path: 'oracle.volatility', label: 'σ oracle — volatility per step', min: 0, max: 0.05, step: 0.001 },
  { group: 'market', path: 'oracle.drift', label: 'μ oracle — drift per step', min: -0.005, max: 0.005, step: 0.0005 },
  { group: 'market', path: 'market.fee_pool', label: 'P — fee pool at start (USD)', min: 0, max: 100000, step: 500 },
  { group: 'mdp', path: 'mdp.delta', label: 'δ — paper: mark offset from oracle', min: 0, max: 0.05, step: 0.001 },
  { group: 'mdp', path: 'mdp.kappa', label: 'κ — control: √k step', min: 0.005, max: 0.025, step: 0.001 },
  { group: 'mdp', path: 'mdp.imbalance_bins', label: 'imbalance bins', min: 1, max: 21, step: 1 },
  { group: 'mdp', path: 'mdp.gap_bins', label: 'gap bins (control)', min: 1, max: 15, step: 1 },
  { group: 'mdp', path: 'mdp.k_levels', label: '√k levels (control, odd)', min: 1, max: 9, step: 2 },
  { group: 'mdp', path: 'mdp.episode_len', label: 'T — steps per episode', min: 10, max: 1000, step: 10 },
  { group: 'learn', path: 'learn.discount', label: 'γ — discount', min: 0, max: 0.99, step: 0.01 },
  { group: 'learn', path: 'learn.alpha', label: 'α0 — step size', min: 0.01, max: 1, step: 0.01 },
  { group: 'learn', path: 'learn.alpha_decay', label: 'ω — step-size decay α0/n^ω', min: 0, max: 1, step: 0.05 },
  { group: 'learn', path: 'learn.epsilon', label: 'ε — exploration at start', min: 0, max: 1, step: 0.01 },
  { group: 'learn', path: 'learn.epsilon_decay', label: 'ε decay per episode', min: 0.99, max: 1, step: 0.0001 },
  { group: 'learn', path: 'learn.epsilon_min', label: 'ε min', min: 0, max: 1, step: 0.01 },
  { group: 'learn', path: 'seed', label: 'seed', min: 0, max: 4294967295, step: 1, seed: true },
];

const $ = (id) => document.getElementById(id);
const idOf = (path) => path.replace(/\./g, '-');

const state = {
  pg: null,
  lab: null,
  bundled: null,
  dataDirty: false,
  playing: false,
  dirty: true,
  frames: 0,
  draws: 0,
  firstDrawMs: null,
  stepsPerFrame: 2000,
  lastFrameMs: 0,
};
// Exposed for the end-to-end tests and for curious users in the console.
window.dammLab = state;

function getPath(obj, path) {
  return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

function fmt(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

function buildControls() {
  for (const c of CONTROLS) {
    const rows = document.querySelector(`.group[data-group="${c.group}"] .rows`);
    const id = idOf(c.path);
    const row = document.createElement('div');
    row.className = 'row';
    const sliderMin = c.log ? Math.log10(c.min) : c.min;
    const sliderMax = c.log ? Math.log10(c.max) : c.max;
    row.innerHTML = `
      <label for="num-${id}">${c.label}</label>
      <div class="inputs">
        <input type="range" id="ctl-${id}" min="${sliderMin}" max="${sliderMax}" step="${c.step}" aria-label="${c.label} slider">
        <input type="number" id="num-${id}" ${c.log ? '' : `min="${c.min}" max="${c.max}" step="${c.step}"`} ${c.log ? 'step="any"' : ''}>
        ${c.seed ? `<button type="button" id="seed-random" title="New random seed">random</button>` : ''}
      </div>
      <span class="error" id="err-${id}" role="alert" aria-live="assertive"></span>`;
    rows.appendChild(row);
    const slider = row.querySelector('input[type=range]');
    const num = row.querySelector('input[type=number]');
    let timer = null;
    slider.addEventListener('input', () => {
      const v = c.log ? 10 ** Number(slider.value) : Number(slider.value);
      num.value = fmt(c.log ? Number(v.toPrecision(4)) : v);
      clearTimeout(timer);
      timer = setTimeout(() => apply(c, num.value), 120);
    });
    slider.addEventListener('change', () => {
      clearTimeout(timer);
      apply(c, num.value);
    });
    num.addEventListener('change', () => apply(c, num.value));
  }
  $('seed-random').addEventListener('click', () => {
    const c = CONTROLS.find((x) => x.seed);
    apply(c, String(Playground.freshSeed()));
  });
}

function showError(path, message) {
  const id = idOf(path);
  const err = $(`err-${id}`);
  const num = $(`num-${id}`);
  if (err) err.textContent = message || '';
  if (num) {
    if (message) num.setAttribute('aria-invalid', 'true');
    else num.removeAttribute('aria-invalid');
  }
}

// Sets one parameter in the engine; on error shows it beside the control and keeps the run.
function apply(c, raw) {
  const text = String(raw).trim();
  if (text === '') {
    showError(c.path, 'Enter a number.');
    return false;
  }
  let path = c.path;
  let value = text;
  if (c.path === 'lambda_u') {
    const x = Number(text);
    if (!Number.isFinite(x)) {
      showError(c.path, `'${text}' is not a number.`);
      return false;
    }
    path = 'traders.informed_prob';
    value = String(Number((1 - x).toPrecision(12)));
  }
  try {
    state.pg.setParam(path, value);
  } catch (e) {
    showError(c.path, e.message.replace('traders.informed_prob', c.path === 'lambda_u' ? 'λu: 1 − λu' : 'traders.informed_prob'));
    return false;
  }
  showError(c.path, '');
  if (c.path === 'traders.informed_prob') showError('lambda_u', '');
  if (c.path === 'lambda_u') showError('traders.informed_prob', '');
  afterConfigChange();
  return true;
}

// Writes the engine's config back into every control.
function syncControls() {
  const cfg = state.pg.config();
  for (const c of CONTROLS) {
    const id = idOf(c.path);
    let v = c.path === 'lambda_u' ? 1 - cfg.traders.informed_prob : getPath(cfg, c.path);
    if (c.path === 'lambda_u') v = Number(v.toPrecision(12));
    const num = $(`num-${id}`);
    const slider = $(`ctl-${id}`);
    if (document.activeElement !== num) num.value = fmt(v);
    slider.value = c.log ? Math.log10(v) : v;
  }
  $('preset').value = cfg.preset;
}

function updateHash() {
  const h = state.pg.hash();
  const url = `${location.pathname}${location.search}${h ? `#${h}` : ''}`;
  history.replaceState(null, '', url);
  $('share-link').value = location.href;
}

function afterConfigChange() {
  syncControls();
  updateHash();
  state.dirty = true;
}

function fromHash() {
  const hash = location.hash.replace(/^#/, '');
  $('load-error').hidden = true;
  try {
    state.pg = hash ? Playground.fromHash(hash) : new Playground(undefined);
  } catch (e) {
    $('load-error').textContent = `This link's settings were not loaded: ${e.message}. Showing the defaults.`;
    $('load-error').hidden = false;
    state.pg = new Playground(undefined);
  }
  afterConfigChange();
}

function sizeCanvases() {
  const dpr = window.devicePixelRatio || 1;
  for (const name of CHARTS) {
    const canvas = $(`chart-${name}`);
    const w = Math.max(200, Math.round(canvas.clientWidth * dpr));
    const h = Math.max(150, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
      state.dirty = true;
    }
  }
}

function tradeSize() {
  const v = Number($('trade-size').value);
  return Number.isFinite(v) && v >= 0 ? v : 0;
}

function draw() {
  const dpr = window.devicePixelRatio || 1;
  state.pg.draw(CHARTS, dpr, tradeSize());
  state.draws += 1;
  if (state.firstDrawMs === null) state.firstDrawMs = performance.now();
  renderStatus();
}

function renderStatus() {
  const s = state.pg.stats();
  $('curve-note').textContent = `√k ${fmt(Number(s.sqrt_k.toPrecision(4)))} · peg ${s.peg.toFixed(3)} · mark ${s.mark.toFixed(4)}`;
  const parts = [
    `episode <b>${s.episode}</b> · step ${s.step}`,
    `ε ${s.epsilon.toFixed(3)}`,
    `mark ${s.mark.toFixed(3)} · oracle ${s.oracle.toFixed(3)}`,
    `N ${s.net_base.toFixed(1)}`,
    `pool ${s.fee_pool.toFixed(0)} (spendable ${s.spendable.toFixed(0)})`,
  ];
  if (s.last_return !== null) parts.push(`last return ${s.last_return.toFixed(1)}`);
  if (s.relative_error !== null) {
    parts.push(`‖Q−Q*‖∞/‖Q*‖∞ ${(100 * s.relative_error).toFixed(2)}% · greedy agreement ${(100 * s.agreement).toFixed(0)}%`);
  }
  const unavailable = s.action_names.filter((_, a) => !(s.mask & (1 << a)));
  if (unavailable.length) parts.push(`unavailable now: ${unavailable.join(', ')}`);
  $('status').innerHTML = parts.join(' &nbsp;|&nbsp; ');
}

function frame(now) {
  state.frames += 1;
  state.lastFrameMs = now;
  if (state.playing) {
    const t0 = performance.now();
    let left = state.stepsPerFrame;
    const chunk = Math.min(left, 500);
    while (left > 0 && performance.now() - t0 < FRAME_BUDGET_MS) {
      const n = Math.min(chunk, left);
      state.pg.advance(n);
      left -= n;
    }
    state.dirty = true;
  }
  if (state.dirty) {
    sizeCanvases();
    draw();
    state.dirty = false;
  }
  if (state.dataDirty) {
    state.dataDirty = false;
    drawData();
  }
  if (state.lab && now - (state.lastRecommend || 0) > 1000) {
    state.lastRecommend = now;
    renderRecommendation();
  }
  requestAnimationFrame(frame);
}

function setPlaying(on) {
  state.playing = on;
  const b = $('play');
  b.textContent = on ? '❚❚ Pause' : '▶ Play';
  b.setAttribute('aria-pressed', String(on));
}

function download(name, blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function wire() {
  $('play').addEventListener('click', () => setPlaying(!state.playing));
  $('step').addEventListener('click', () => {
    setPlaying(false);
    state.pg.advance(1);
    state.dirty = true;
  });
  $('episode').addEventListener('click', () => {
    setPlaying(false);
    state.pg.finishEpisode();
    state.dirty = true;
  });
  $('reset').addEventListener('click', () => {
    setPlaying(false);
    state.pg.reset();
    state.dirty = true;
  });
  $('speed').addEventListener('change', () => {
    state.stepsPerFrame = Number($('speed').value);
  });
  $('preset').addEventListener('change', () => {
    try {
      state.pg.setParam('preset', $('preset').value);
      afterConfigChange();
    } catch (e) {
      $('copy-status').textContent = e.message;
    }
  });
  $('trade-size').addEventListener('input', () => {
    state.dirty = true;
  });
  $('copy-link').addEventListener('click', async () => {
    updateHash();
    try {
      await navigator.clipboard.writeText(location.href);
      $('copy-status').textContent = 'Link copied.';
    } catch {
      $('share-link').select();
      $('copy-status').textContent = 'Select and copy the link below.';
    }
  });
  $('export-csv').addEventListener('click', () => {
    download('damm-trajectory.csv', new Blob([state.pg.trajectoryCsv()], { type: 'text/csv' }));
  });
  $('export-json').addEventListener('click', () => {
    download('damm-run.json', new Blob([state.pg.exportJson()], { type: 'application/json' }));
  });
  for (const fig of document.querySelectorAll('#board figure.chart')) {
    fig.querySelector('button.png').addEventListener('click', () => {
      const name = fig.dataset.chart;
      $(`chart-${name}`).toBlob((blob) => download(`damm-${name}.png`, blob), 'image/png');
    });
  }
  window.addEventListener('hashchange', () => {
    if (location.hash.replace(/^#/, '') !== state.pg.hash()) fromHash();
  });
  window.addEventListener('resize', () => {
    state.dirty = true;
    state.dataDirty = true;
  });
  document.addEventListener('keydown', (e) => {
    if (e.target.closest('input, select, textarea')) return;
    if (e.key === ' ') {
      e.preventDefault();
      setPlaying(!state.playing);
    }
  });
}


// ---- Data panel: Drift's history, the supervised models and the recommendation ----

const MARKET_NAMES = ['SOL', 'BTC', 'ETH', 'LUNA', 'AVAX', 'BNB', 'MATIC', 'ATOM'];
const num = (v, d = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : Number(v).toPrecision(d));
const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function loadData(curve, funding, source) {
  const lab = new DataLab(curve, funding);
  if (state.lab) state.lab.free();
  state.lab = lab;
  $('err-upload').textContent = '';
  $('upload-curve').removeAttribute('aria-invalid');
  $('data-source').textContent = source;
  renderDataTables();
  state.dataDirty = true;
}

function renderDataTables() {
  const r = state.lab.report();
  const sel = $('data-market');
  const keep = sel.value;
  sel.innerHTML = r.summary.markets
    .map((m) => `<option value="${m.market_index}">${esc(m.market)} — ${m.records} records (${m.repegs} repegs, ${m.k_up + m.k_down} k)</option>`)
    .join('');
  if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
  const tf = (t, x) => (t === 'sqrt' ? `√${x}` : x);
  $('regression-table').innerHTML = '<tr><th>variant</th><th>β0</th><th>β1</th><th>β2</th><th>R²</th><th>n</th></tr>'
    + r.volume_regression.map((v) => `<tr><td>${tf(v.price_transform, 'price')}, ${tf(v.k_transform, 'k')}</td>`
      + v.beta.map((b, j) => `<td title="± ${num(v.std_err[j], 3)}">${num(b, 4)}<br><small>± ${num(v.std_err[j], 2)}</small></td>`).join('')
      + `<td>${num(v.r_squared, 3)}</td><td>${v.n}</td></tr>`).join('');
  if (r.classify) {
    $('classify-title').textContent = `Success classifiers: ${r.classify.events} events, ${r.classify.successes} successes, ${r.classify.folds}-fold stratified CV`;
    $('classify-table').innerHTML = '<tr><th>model</th><th>accuracy</th><th>precision</th><th>recall</th><th>F1</th></tr>'
      + r.classify.scores.map((s) => `<tr><td>${esc(s.model)}</td><td>${num(s.metrics.accuracy)}</td><td>${num(s.metrics.precision)}</td><td>${num(s.metrics.recall)}</td><td>${num(s.metrics.f1)}</td></tr>`).join('');
  } else {
    $('classify-title').textContent = 'Success classifiers';
    $('classify-table').innerHTML = `<tr><td>${esc(r.classify_error)}</td></tr>`;
  }
  const p = r.predict;
  $('predict-summary').textContent = `1-D CNN over the last ${p.window} changes, trained on ${p.train}, tested on the next ${p.test}: MAE ${num(p.mae_model)} pp vs ${num(p.mae_last_change)} (repeat the last change) and ${num(p.mae_no_change)} (no change); direction right ${Math.round(100 * p.direction_accuracy)}%.`;
  renderRecommendation();
}

function renderRecommendation() {
  if (!state.lab) return;
  try {
    const rec = state.pg.recommend(state.lab, 0.5);
    $('recommendation').innerHTML = `<b>${esc(rec.action)}</b> — ${esc(rec.reason)}`;
  } catch (e) {
    $('recommendation').textContent = e.message;
  }
}

function drawData() {
  if (!state.lab) return;
  const dpr = window.devicePixelRatio || 1;
  for (const id of ['chart-history', 'chart-regression']) {
    const c = $(id);
    const w = Math.max(200, Math.round(c.clientWidth * dpr));
    const h = Math.max(150, Math.round(c.clientHeight * dpr));
    if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
  }
  state.lab.draw(Number($('data-market').value || 0), dpr);
  state.dataDraws = (state.dataDraws || 0) + 1;
}

async function loadBundled() {
  if (!state.bundled) {
    const [curve, funding] = await Promise.all(['data/curve_history_hist.csv', 'data/fundingRate_history_hist.csv']
      .map((f) => fetch(f).then((r) => { if (!r.ok) throw new Error(`${f}: HTTP ${r.status}`); return r.text(); })));
    state.bundled = { curve, funding };
  }
  loadData(state.bundled.curve, state.bundled.funding, 'Bundled data: drift-flat-data curve and funding history.');
}

function wireData() {
  $('data-market').addEventListener('change', () => { state.dataDirty = true; });
  $('recommend').addEventListener('click', renderRecommendation);
  $('data-bundled').addEventListener('click', () => loadBundled());
  $('upload-curve').addEventListener('change', async () => {
    const file = $('upload-curve').files[0];
    if (!file) return;
    const text = await file.text();
    try {
      // The funding history (for the mark/oracle gap) stays the bundled one.
      loadData(text, state.bundled ? state.bundled.funding : '', `Your file: ${file.name} (processed in this browser only).`);
    } catch (e) {
      $('err-upload').textContent = `${file.name}: ${e.message}`;
      $('upload-curve').setAttribute('aria-invalid', 'true');
    }
  });
  for (const fig of document.querySelectorAll('#data-panel figure.chart')) {
    fig.querySelector('button.png').addEventListener('click', () => {
      const name = fig.dataset.chart;
      $(`chart-${name}`).toBlob((blob) => download(`damm-${name}.png`, blob), 'image/png');
    });
  }
}

async function main() {
  await init();
  buildControls();
  wire();
  fromHash();
  state.stepsPerFrame = Number($('speed').value);
  requestAnimationFrame(frame);
  wireData();
  loadBundled().catch((e) => { $('err-upload').textContent = `Bundled data: ${e.message}`; });
}

main().catch((e) => {
  const el = $('panic');
  el.textContent = `dAMM Lab failed to start: ${e.message || e}`;
  el.hidden = false;
});
