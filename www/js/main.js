// The page's entry module: loads the wasm engine, builds the controls, keeps the run and the
// URL hash in step (the hash holds the whole config, seed included), and wires the toolbar's
// link and the exports.
// For: wiring the modules together. Not for: parameters (controls.js), the loop
// (loop.js), drawing (charts.js) or the Data panel (data-panel.js).
import init, { Playground } from '../pkg/damm.js';
import { buildControls, syncControls } from './controls.js';
import { download, byId } from './dom.js';
import { wirePng } from './charts.js';
import { startLoop } from './loop.js';
import { startDataPanel } from './data-panel.js';
import { engine, state } from './state.js';

// Exposed for the end-to-end tests and for curious users in the console.
Object.assign(window, { dammLab: state });

/** Writes the run's config into the URL hash and the share field. */
function updateHash() {
  const h = engine().hash();
  history.replaceState(null, '', `${location.pathname}${location.search}${h ? `#${h}` : ''}`);
  byId('share-link', HTMLInputElement).value = location.href;
}

/** After the engine accepted a change: controls, hash and charts follow. */
function afterConfigChange() {
  syncControls();
  updateHash();
  state.dirty = true;
}

/** Starts a run from the URL hash; a bad hash shows why and falls back to the defaults. */
function fromHash() {
  const hash = location.hash.replace(/^#/, '');
  const banner = byId('load-error');
  banner.hidden = true;
  /** @type {Playground} */
  let pg;
  try {
    pg = hash ? Playground.fromHash(hash) : new Playground(undefined);
  } catch (e) {
    banner.textContent = `This link's settings were not loaded: ${e instanceof Error ? e.message : String(e)}. Showing the defaults.`;
    banner.hidden = false;
    pg = new Playground(undefined);
  }
  if (state.pg) state.pg.free();
  state.pg = pg;
  afterConfigChange();
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
    download('damm-trajectory.csv', new Blob([engine().trajectoryCsv()], { type: 'text/csv' }));
  });
  byId('export-json', HTMLButtonElement).addEventListener('click', () => {
    download('damm-run.json', new Blob([engine().exportJson()], { type: 'application/json' }));
  });
  byId('trade-size', HTMLInputElement).addEventListener('input', () => { state.dirty = true; });
  wirePng('#board');
  window.addEventListener('hashchange', () => {
    if (location.hash.replace(/^#/, '') !== engine().hash()) fromHash();
  });
  window.addEventListener('resize', () => {
    state.dirty = true;
    state.dataDirty = true;
  });
}

async function main() {
  await init();
  buildControls(afterConfigChange);
  fromHash();
  wireToolbar();
  startLoop();
  startDataPanel();
}

main().catch((e) => {
  const el = byId('panic');
  el.textContent = `dAMM Lab failed to start: ${e instanceof Error ? e.message : String(e)}`;
  el.hidden = false;
});
