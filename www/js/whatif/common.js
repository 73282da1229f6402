// Shared bits of the what-if panels: colours (indices into the engine's what-if palette,
// `charts::whatif::PALETTE`, which the page's legends name), drawing a what-if chart on a
// canvas, and number formatting for the tables.
// For: the panels in this folder. Not for: the run's own charts (charts.js).
import { drawWhatIf } from '../../pkg/damm.js';
import { sizeCanvas } from '../charts.js';
import { byId } from '../dom.js';

/** Palette indices of `charts::whatif::PALETTE`. */
export const COLOR = { blue: 0, orange: 1, green: 2, red: 3, purple: 4, grey: 5, ink: 6, cyan: 7 };

/** This run, then pins 1–3. */
export const RUN_COLORS = [COLOR.blue, COLOR.orange, COLOR.green, COLOR.purple];

/** @type {Record<string, number>} A policy's colour; others get cyan. */
const POLICY_COLORS = { static: COLOR.grey, v1_rule: COLOR.orange, drift_v2: COLOR.purple, learned: COLOR.blue, best_tabular: COLOR.green };

/** @param {string} policy */
export const policyColor = (policy) => POLICY_COLORS[policy] ?? COLOR.cyan;

/**
 * Sizes the canvas and draws a what-if chart on it (`charts::whatif`).
 * @param {string} id Canvas id.
 * @param {'lines' | 'whiskers' | 'heatmap'} kind
 * @param {unknown} spec
 */
export function draw(id, kind, spec) {
  sizeCanvas(byId(id, HTMLCanvasElement));
  drawWhatIf(id, kind, JSON.stringify(spec), window.devicePixelRatio || 1);
}

/**
 * A number to one decimal with thousands separators, as `damm eval`'s table prints it
 * (the exact value is in the cell's `data-value`).
 * @param {number | null | undefined} v
 */
export function usd(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/**
 * A table cell with the exact number in `data-value` and `text` shown.
 * @param {number | null | undefined} v
 * @param {string} [text]
 */
export function cell(v, text) {
  const td = document.createElement('td');
  if (v !== null && v !== undefined) td.dataset.value = String(v);
  td.textContent = text ?? usd(v);
  return td;
}

/**
 * An interval as "mean [lo, hi]".
 * @param {{ mean: number, lo: number, hi: number } | null | undefined} i
 */
export const interval = (i) => (i ? `${usd(i.mean)} [${usd(i.lo)}, ${usd(i.hi)}]` : '—');
