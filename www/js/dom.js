// Small DOM and formatting helpers shared by the page modules.
// For: typed element lookup, number formatting, HTML escaping, file downloads.
// Not for: anything that knows about the engine, parameters or charts.

/**
 * The element with this id, checked to be of `type` (HTMLElement by default).
 * A missing or mistyped element is a bug in index.html, so it throws.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @param {{ new (): T, prototype: T }} [type]
 * @returns {T}
 */
export function byId(id, type) {
  const el = document.getElementById(id);
  const want = type || HTMLElement;
  if (el instanceof want) return /** @type {T} */ (el);
  throw new Error(`#${id}: expected a ${want.name}, found ${el === null ? 'nothing' : 'another element'}`);
}

/**
 * A number as short text: integers as they are, others to 6 significant digits.
 * @param {unknown} v
 */
export function fmt(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

/**
 * A number to `d` significant digits, or an em dash when missing.
 * @param {number | null | undefined} v
 * @param {number} [d]
 */
export function sig(v, d = 3) {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : Number(v).toPrecision(d);
}

/** @type {Record<string, string>} */
const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * Text escaped for use inside HTML.
 * @param {unknown} t
 */
export function esc(t) {
  return String(t).replace(/[&<>"]/g, (c) => ENTITIES[c]);
}

/**
 * Saves `blob` as a file named `name` through a temporary link.
 * @param {string} name
 * @param {Blob} blob
 */
export function download(name, blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
