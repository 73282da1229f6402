// The what-if section: starts its panels (evaluation, sweep, compare, inspector, replay),
// wires their PNG buttons and adds their awaitable helpers to `dammLab.api` (the
// end-to-end tests and the console).
// For: wiring the panels. Not for: what each panel does (the files beside this one).
import { wirePng } from '../charts.js';
import { state } from '../state.js';
import { evaluate, lastReport, render as renderEval, startEvalPanel } from './eval-panel.js';
import { lastSweep, runSweep, startSweepPanel } from './sweep-panel.js';
import { diff, pinCurrent, pinnedEvals, pinnedRuns, pins, refresh, startComparePanel } from './compare-panel.js';
import { inspect, startInspector } from './inspector.js';
import { replay, show, startReplayPanel, lastReplay } from './replay-panel.js';

export function startWhatIf() {
  startEvalPanel(pinnedEvals);
  startSweepPanel();
  startComparePanel();
  startInspector();
  startReplayPanel();
  wirePng('#whatif');
  window.addEventListener('resize', () => renderEval());
  Object.assign(state.api, {
    /** @param {string} [hash] */
    evaluate: (hash) => evaluate(hash),
    evalReport: async () => lastReport(),
    /** @param {string} ySpec @param {string} xSpec */
    sweep: (ySpec, xSpec) => runSweep(ySpec, xSpec),
    sweepState: async () => lastSweep(),
    /** @param {number} s */
    inspect: (s) => inspect(s),
    /** @param {number} seed */
    replay: (seed) => replay(seed),
    /** @param {number} t */
    replayShow: async (t) => { show(t); return lastReplay().at; },
    pin: () => pinCurrent(),
    pins: async () => ({ pins: pins(), runs: pinnedRuns(), diffs: pinnedRuns().map((r) => (r ? diff(r.values) : null)) }),
    refreshPins: () => refresh(),
  });
}
