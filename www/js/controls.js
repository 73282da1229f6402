// The parameter controls, built from the engine's registry (`paramSpecs()`).
// For: one row per registry entry with `control: true` (params and derived views such as
// λu), in registry order within its group's section; the toolbar's preset <select>;
// sending edits to the training worker's `setParam`, showing the engine's error beside the
// control that caused it, and writing the run's values (`Playground.values()`, as the worker
// reports them) back into every control; hiding the controls that do not change the
// current preset's run (the registry's `presets`).
// Not for: parameter names, ranges or labels (they live in src/params.rs), the URL hash or
// redrawing (the caller's `onChange` does those).
import { Playground, paramSpecs } from '../pkg/damm.js';
import { byId, fmt } from './dom.js';
import { Restarted, request } from './engine.js';
import { state } from './state.js';

/** @typedef {'float' | 'optional_float' | 'int' | 'odd_int' | 'flag' | 'choice'} KindType */
/** @typedef {{ type: KindType, choices?: string[] }} Kind */
/** @typedef {'run' | 'traders' | 'market' | 'mdp' | 'learn' | 'eval'} Group */
/**
 * One parameter, as `src/config/params.rs` serialises it.
 * @typedef {object} ParamSpec
 * @property {string} path Dotted config path, also the URL-hash key.
 * @property {string} label
 * @property {string} unit
 * @property {string} help
 * @property {Kind} kind
 * @property {number} min
 * @property {number} max
 * @property {number} slider_min The slider's span (the number input takes [min, max]).
 * @property {number} slider_max
 * @property {boolean} max_open The upper end is excluded.
 * @property {'linear' | 'log'} scale
 * @property {number} step Slider step (log10 units on a log scale).
 * @property {Group} group
 * @property {string | null} cli
 * @property {boolean} control Shown as a control on the page.
 * @property {string[]} presets The presets whose run it changes (hidden under the others).
 */
/**
 * A view of another parameter: view = offset + factor·source.
 * @typedef {object} DerivedSpec
 * @property {string} path
 * @property {string} label
 * @property {string} unit
 * @property {string} help
 * @property {string} source
 * @property {number} offset
 * @property {number} factor
 * @property {Group} group
 * @property {string | null} cli
 * @property {boolean} control
 */
/** @typedef {{ params: ParamSpec[], derived: DerivedSpec[] }} Registry */
/** Every param's and derived view's value by path (flags 0/1, choices by index). */
/** @typedef {Record<string, number | null>} Values */
/**
 * What a control needs to know, for a param or a derived view alike.
 * @typedef {object} Control
 * @property {string} path
 * @property {string} label
 * @property {string} unit
 * @property {string} help
 * @property {Kind} kind
 * @property {number} min
 * @property {number} max
 * @property {number} sliderMin
 * @property {number} sliderMax
 * @property {boolean} maxOpen
 * @property {boolean} log
 * @property {number} step
 * @property {Group} group
 * @property {string} source The param this control writes (itself unless derived).
 * @property {string[]} presets The presets whose run it changes.
 */
/**
 * A rendered control: reads the engine's value into its inputs.
 * @typedef {object} Bound
 * @property {Control} c
 * @property {(v: number | null) => void} show
 * @property {HTMLElement} [row] Its row (absent for the toolbar's preset select).
 */

/** @type {Bound[]} */
const bound = [];
/** @type {() => void} */
let changed = () => {};
/** The presets' names, by their index in the registry's numeric view. */
/** @type {string[]} */
let presetNames = [];
/** Edits in flight; answers arrive in order. */
let inFlight = 0;

/** @param {string} path */
export const idOf = (path) => path.replace(/\./g, '-');

/** @param {number} x */
const tidy = (x) => Number(x.toPrecision(12));

/** The engine's registry. */
export function registry() {
  return /** @type {Registry} */ (paramSpecs());
}

/**
 * A param as a control.
 * @param {ParamSpec} p
 * @returns {Control}
 */
function fromParam(p) {
  return {
    path: p.path, label: p.label, unit: p.unit, help: p.help, kind: p.kind,
    min: p.min, max: p.max, sliderMin: p.slider_min, sliderMax: p.slider_max,
    maxOpen: p.max_open, log: p.scale === 'log', step: p.step,
    group: p.group, source: p.path, presets: p.presets,
  };
}

/**
 * A derived view as a control: its kind, range and step are its source's, mapped through
 * view = offset + factor·source.
 * @param {DerivedSpec} d
 * @param {ParamSpec} src
 * @returns {Control}
 */
function fromDerived(d, src) {
  const a = tidy(d.offset + d.factor * src.min);
  const b = tidy(d.offset + d.factor * src.max);
  const sa = tidy(d.offset + d.factor * src.slider_min);
  const sb = tidy(d.offset + d.factor * src.slider_max);
  return {
    path: d.path, label: d.label, unit: d.unit, help: d.help, kind: src.kind,
    min: Math.min(a, b), max: Math.max(a, b), sliderMin: Math.min(sa, sb), sliderMax: Math.max(sa, sb),
    maxOpen: false, log: false,
    step: tidy(Math.abs(d.factor) * src.step), group: d.group, source: src.path, presets: src.presets,
  };
}

/**
 * The registry's `control: true` entries in registry order; a derived view goes right after
 * its source when both are shown in the same group, else at the end of its group.
 * @param {Registry} reg
 * @returns {Control[]}
 */
export function shownControls(reg) {
  const out = reg.params.filter((p) => p.control).map(fromParam);
  for (const d of reg.derived.filter((x) => x.control)) {
    const src = reg.params.find((p) => p.path === d.source);
    if (!src) throw new Error(`${d.path}: its source ${d.source} is not in the registry`);
    const c = fromDerived(d, src);
    const at = out.findIndex((x) => x.path === d.source && x.group === d.group);
    const lastOfGroup = out.map((x) => x.group).lastIndexOf(d.group);
    const i = at >= 0 ? at + 1 : lastOfGroup >= 0 ? lastOfGroup + 1 : out.length;
    out.splice(i, 0, c);
  }
  return out;
}

/**
 * The `.rows` container of a group's section; a group the page has no section for gets one.
 * @param {Group} group
 */
function rowsOf(group) {
  let rows = document.querySelector(`#controls .group[data-group="${group}"] .rows`);
  if (!rows) {
    const section = document.createElement('section');
    section.className = 'group';
    section.dataset.group = group;
    const h = document.createElement('h2');
    h.textContent = group[0].toUpperCase() + group.slice(1);
    rows = document.createElement('div');
    rows.className = 'rows';
    section.append(h, rows);
    byId('controls').append(section);
  }
  return rows;
}

/**
 * The slider's [min, max, step]: the registry's slider span (in log10 space on a log scale),
 * on a grid of the step through the span's lower end; an open upper end is left out.
 * @param {Control} c
 * @returns {[number, number, number]}
 */
export function sliderRange(c) {
  if (c.log) return [Math.log10(c.sliderMin), Math.log10(c.sliderMax), c.step];
  const step = c.step > 0 ? c.step : 1;
  const hi = c.maxOpen && c.sliderMax >= c.max ? c.max - step : c.sliderMax;
  return [c.sliderMin, tidy(hi), step];
}

/**
 * A bound suitable for an input's min/max attribute (the registry marks "none" by ±f64::MAX).
 * @param {number} x
 */
const attrBound = (x) => Number.isFinite(x) && Math.abs(x) < 1e300;

/**
 * Sets one parameter in the worker's run. On error shows the engine's message beside the
 * control and leaves the run as it was; on success records the new values and hash, clears
 * the messages of every control writing the same param and calls `onChange`.
 * @param {Control} c
 * @param {string} text
 * @returns {Promise<boolean>}
 */
export async function apply(c, text) {
  inFlight += 1;
  try {
    /** @type {{ hash: string, values: Values }} */
    const r = await request('setParam', { path: c.path, value: text });
    state.values = r.values;
    state.hash = r.hash;
  } catch (e) {
    if (!(e instanceof Restarted)) showError(c.path, e instanceof Error ? e.message : String(e));
    return false;
  } finally {
    inFlight -= 1;
  }
  for (const b of bound) if (b.c.source === c.source) showError(b.c.path, '');
  changed();
  return true;
}

/**
 * Shows (or with '' clears) a message beside the control of `path`.
 * @param {string} path
 * @param {string} message
 */
export function showError(path, message) {
  const id = idOf(path);
  const err = document.getElementById(`err-${id}`);
  if (err) err.textContent = message;
  for (const el of document.querySelectorAll(`[data-path="${path}"]`)) {
    if (!(el instanceof HTMLInputElement || el instanceof HTMLSelectElement)) continue;
    if (el instanceof HTMLInputElement && el.type === 'range') continue;
    if (message) el.setAttribute('aria-invalid', 'true');
    else el.removeAttribute('aria-invalid');
  }
}

/**
 * An element with an id, the control's path and attributes.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string>} attrs
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, attrs) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/**
 * Binds a <select> to a choice control.
 * @param {Control} c
 * @param {HTMLSelectElement} sel
 * @param {(name: string) => string} [describe] Option text for a choice name.
 * @returns {Bound}
 */
function bindChoice(c, sel, describe = (n) => n) {
  const choices = c.kind.choices || [];
  sel.replaceChildren(...choices.map((name) => {
    const o = document.createElement('option');
    o.value = name;
    o.textContent = describe(name);
    return o;
  }));
  sel.dataset.path = c.path;
  sel.addEventListener('change', () => apply(c, sel.value));
  return { c, show: (v) => { if (v !== null && choices[v] !== undefined) sel.value = choices[v]; } };
}

/**
 * A row with a label, the inputs and the error line; returns the row and how to show a value.
 * @param {Control} c
 * @returns {{ row: HTMLDivElement, b: Bound }}
 */
function buildRow(c) {
  const id = idOf(c.path);
  const row = el('div', { class: 'row', 'data-control': c.path, 'data-source': c.source });
  const err = el('span', { class: 'error', id: `err-${id}`, role: 'alert', 'aria-live': 'assertive' });
  const inputs = el('div', { class: 'inputs' });
  const unit = c.unit ? ` (${c.unit}${c.log ? ', log scale' : ''})` : c.log ? ' (log scale)' : '';
  const text = `${c.label}${unit}`;

  if (c.kind.type === 'flag') {
    const box = el('input', { type: 'checkbox', id: `chk-${id}`, 'data-path': c.path, 'aria-describedby': `err-${id}` });
    const label = el('label', { for: box.id, title: c.help });
    label.append(box, ` ${text}`);
    box.addEventListener('change', () => apply(c, box.checked ? 'true' : 'false'));
    row.append(label, err);
    return { row, b: { c, show: (v) => { box.checked = v === 1; } } };
  }

  if (c.kind.type === 'choice') {
    const sel = el('select', { id: `sel-${id}`, 'aria-describedby': `err-${id}` });
    const label = el('label', { for: sel.id, title: c.help });
    label.textContent = text;
    inputs.append(sel);
    row.append(label, inputs, err);
    return { row, b: bindChoice(c, sel) };
  }

  const [smin, smax, sstep] = sliderRange(c);
  const slider = el('input', {
    type: 'range', id: `ctl-${id}`, min: String(smin), max: String(smax), step: String(sstep),
    'aria-label': `${text} slider`, 'data-path': c.path,
  });
  const numStep = c.kind.type === 'int' ? '1' : c.kind.type === 'odd_int' ? '2' : c.log ? 'any' : String(c.step);
  const num = el('input', { type: 'number', id: `num-${id}`, step: numStep, 'data-path': c.path, 'aria-describedby': `err-${id}` });
  if (!c.log && attrBound(c.min)) num.min = String(c.min);
  if (!c.log && attrBound(c.max)) num.max = String(c.max);
  const label = el('label', { for: num.id, title: c.help });
  label.textContent = text;
  inputs.append(slider, num);
  if (c.path === 'seed') {
    const random = el('button', { type: 'button', id: 'seed-random', title: 'New random seed' });
    random.textContent = 'random';
    random.addEventListener('click', () => apply(c, String(Playground.freshSeed())));
    inputs.append(random);
  }
  row.append(label, inputs, err);

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  slider.addEventListener('input', () => {
    const x = Number(slider.value);
    num.value = fmt(c.log ? Number((10 ** x).toPrecision(4)) : tidy(x));
    clearTimeout(timer);
    timer = setTimeout(() => apply(c, num.value), 120);
  });
  slider.addEventListener('change', () => {
    clearTimeout(timer);
    apply(c, num.value);
  });
  num.addEventListener('change', () => apply(c, num.value));

  /** @param {number | null} v */
  const show = (v) => {
    if (document.activeElement !== num) num.value = v === null ? '' : fmt(c.kind.type === 'float' ? tidy(v) : v);
    if (v !== null && (!c.log || v > 0)) slider.value = String(c.log ? Math.log10(v) : v);
  };
  return { row, b: { c, show } };
}

/**
 * Option text for a preset: its name and the actions the engine offers under it.
 * @param {string} name
 */
function describePreset(name) {
  try {
    const pg = Playground.fromHash(`preset=${encodeURIComponent(name)}`);
    /** @type {{ action_names: string[] }} */
    const s = pg.stats();
    pg.free();
    return `${name} — ${s.action_names.join(' / ')}`;
  } catch {
    return name;
  }
}

/**
 * Builds every control from the registry and binds the toolbar's preset select.
 * @param {() => void} onChange Called after the engine accepted a new value.
 * @returns {number} The number of rendered parameter rows.
 */
export function buildControls(onChange) {
  changed = onChange;
  const reg = registry();
  const shown = shownControls(reg);
  for (const c of shown) {
    const { row, b } = buildRow(c);
    rowsOf(c.group).append(row);
    bound.push({ ...b, row });
  }
  const preset = reg.params.find((p) => p.path === 'preset');
  presetNames = preset?.kind.choices ?? [];
  if (preset && !preset.control) bound.push(bindChoice(fromParam(preset), byId('preset', HTMLSelectElement), describePreset));
  return shown.length;
}

/** Writes the run's current values (as the worker last reported them) into every control. */
export function syncControls() {
  if (inFlight > 0) return; // a later answer brings newer values
  for (const b of bound) b.show(state.values[b.c.path] ?? null);
  showPresetControls();
}

/**
 * Hides the controls that do not change the current preset's run (the registry's
 * `presets`), and a group left with none; `data-preset` on <html> names the preset.
 */
function showPresetControls() {
  const index = state.values.preset;
  const name = index !== null && index !== undefined ? presetNames[index] : undefined;
  if (!name) return;
  document.documentElement.dataset.preset = name;
  for (const b of bound) {
    if (b.row) b.row.classList.toggle('preset-hidden', !b.c.presets.includes(name));
  }
  for (const group of document.querySelectorAll('#controls .group')) {
    const rows = group.querySelectorAll('.rows > .row');
    const none = rows.length > 0 && [...rows].every((r) => r.classList.contains('preset-hidden'));
    group.classList.toggle('preset-hidden', none);
  }
}
