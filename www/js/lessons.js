// The guided lessons: every lesson's text, its run (a config URL hash), the controls and
// panels it hides or locks, and how its answer is read off the run the page shows.
// For: what the lessons say (the one place their text lives; README's "Teaching with dAMM
// Lab" lists them). Not for: showing them (lesson.js) or any number the engine computes:
// an answer only formats what the engine reports (Viewer.stats / summary / tradePreview,
// DataLab.report).

/**
 * What an answer may read: the shown frame's stats, the shown episode's totals up to the
 * chosen step, a long of the curve chart's trade size at that step, the Data panel's report.
 * @typedef {object} LessonContext
 * @property {import('./state.js').Stats} stats
 * @property {Summary} summary
 * @property {Preview | null} preview
 * @property {DataReport | null} report
 */
/**
 * `EpisodeSummary` (src/session/episode.rs).
 * @typedef {object} Summary
 * @property {number} step
 * @property {number} last_step
 * @property {number} repegs
 * @property {number} k_updates
 * @property {number} repeg_cost
 * @property {number} k_cost
 * @property {number} fee_income
 * @property {number} funding
 * @property {number} overhead
 * @property {number} reward
 * @property {number} informed_trades
 * @property {number} uninformed_trades
 * @property {number} min_headroom
 * @property {number} max_gap
 */
/**
 * `TradePreview` (src/session/episode.rs).
 * @typedef {object} Preview
 * @property {number} usd
 * @property {number} mark_before
 * @property {number} mark_after
 * @property {number} average_price
 * @property {number} slippage
 * @property {number} mark_move
 */
/**
 * The parts of `DataLab.report()` an answer reads.
 * @typedef {object} DataReport
 * @property {{ markets: { market: string, records: number, repegs: number, k_up: number, k_down: number }[] }} summary
 * @property {number} events
 * @property {number} successes
 */
/**
 * @typedef {object} Lesson
 * @property {string} id The `lesson=` value in the page's query.
 * @property {string} title
 * @property {string} hash The run's config (URL hash without '#').
 * @property {string} intro What the lesson is about.
 * @property {string[]} tryThis What to try, in order.
 * @property {string[]} lookFor What to look for.
 * @property {string} question
 * @property {(c: LessonContext) => string} answer The answer, from the run the page shows (HTML-safe text).
 * @property {string[]} hide Controls and panels the lesson hides (teacher-mode names).
 * @property {string[]} lock Controls the lesson locks.
 * @property {number} [trade] The curve chart's trade size (USD) the lesson starts with.
 * @property {string} [focus] The id of the element to scroll to.
 */

/** @param {number} x @param {number} [d] */
const pct = (x, d = 3) => `${(100 * x).toFixed(d)}%`;
/** @param {number} x */
const usd = (x) => `${Math.round(x).toLocaleString('en-US')} USD`;

/** @type {Lesson[]} */
export const LESSONS = [
  {
    id: 'slippage',
    title: '1. x·y = k and slippage',
    hash: 'preset=control&seed=1&mdp.exploring_starts=false',
    intro: 'The AMM keeps base x and quote y on the curve x·y = k; the mark is (y/x)·peg, the tangent\'s slope. A trade moves along the curve, so it pays the chord\'s slope, not the tangent\'s: that difference is slippage.',
    tryThis: [
      'Leave the trade size at 200,000 USD and look at the curve chart.',
      'Set √k (Market) to 400,000 and look again: the same trade, four times the depth.',
      'Change the trade size under the curve chart.',
    ],
    lookFor: [
      'The orange point: where the trade leaves the reserves, and the mark after it.',
      'Slippage is A/(peg·y): four times the depth, a quarter of the slippage; the mark moves by (1 + slippage)² − 1.',
    ],
    question: 'How much above the mark does a long of the chosen size pay on average, and where does it leave the mark?',
    answer: ({ preview }) => (preview
      ? `A long of ${usd(preview.usd)} pays ${preview.average_price.toFixed(4)} on average against a mark of ${preview.mark_before.toFixed(4)}: slippage ${pct(preview.slippage)}. It leaves the mark at ${preview.mark_after.toFixed(4)} (+${pct(preview.mark_move)}).`
      : 'Set a positive trade size under the curve chart.'),
    hide: ['learn', 'convergence', 'returns', 'qtable'],
    lock: ['preset', 'mdp.exploring_starts'],
    trade: 200000,
  },
  {
    id: 'repeg',
    title: '2. The peg, and what a repeg costs',
    hash: 'preset=control&seed=2&oracle.drift=0.002&traders.informed_prob=0.9&market.fee_pool=12000&mdp.valuation=curve',
    intro: 'A repeg changes the peg so the mark moves toward the oracle without a trade. It is not free: the users\' net position N is revalued, and the protocol pays C = (q − s²/(b+N))·Δpeg out of the fee pool P. Drift refuses a repeg that would leave P below F/2, and (v1) one that would push the mark or the terminal price (the mark once every user closed) across the oracle. This lesson values positions on the curve, as Drift v1\'s books did, so each repeg\'s cost counts.',
    tryThis: [
      'Press Episode a few times (the oracle drifts up 0.2% per step here).',
      'Drag the timeline back to a repeg (orange dot in Mark vs oracle) and read the status line.',
      'Raise P (Market) and play again.',
    ],
    lookFor: [
      'Mark vs oracle: orange dots are repegs; the mark jumps toward the oracle.',
      'Protocol money: the fee pool P against its floor F/2, and Σ −adjustment cost.',
    ],
    question: 'What did this episode\'s repegs cost, and how close did the pool come to its floor F/2?',
    answer: ({ summary, stats }) => `Up to step ${summary.step}: ${summary.repegs} repeg${summary.repegs === 1 ? '' : 's'} costing ${usd(summary.repeg_cost)} in total (negative: the protocol earned), ${summary.k_updates} k update${summary.k_updates === 1 ? '' : 's'} costing ${usd(summary.k_cost)}. The pool's headroom P − F/2 never went below ${usd(summary.min_headroom)}: Drift's floor holds. At this step the mark is ${stats.mark.toFixed(3)} and the oracle ${stats.oracle.toFixed(3)}.`,
    hide: ['learn', 'convergence', 'returns'],
    lock: ['preset', 'mdp.valuation'],
  },
  {
    id: 'flow',
    title: '3. Informed and uninformed flow, and funding',
    hash: 'preset=control&seed=3&traders.informed_prob=0',
    intro: 'Informed traders trade toward the oracle (long when the mark is below it); uninformed ones flip a coin, except the share c (0.2 by default) who close, trading against the crowd\'s net position. Funding, (mark − oracle)/24 per hour on the users\' net position, is paid by the side that pushed the mark away from the oracle. The AMM holds the other side.',
    tryThis: [
      'Press Episode: every trader is uninformed (λi = 0).',
      'Move λi (Traders) to 1 and press Episode again.',
    ],
    lookFor: [
      'Open interest: the crowd\'s net position N, a random walk pulled back toward zero by those who close, and how informed flow keeps it near the oracle\'s side.',
      'Protocol money: Σ funding kept.',
    ],
    question: 'Who traded in this episode, and did the protocol receive or pay funding?',
    answer: ({ summary }) => `Up to step ${summary.step}: ${summary.informed_trades} informed and ${summary.uninformed_trades} uninformed trades. The protocol ${summary.funding >= 0 ? 'received' : 'paid'} ${usd(Math.abs(summary.funding))} of funding and earned ${usd(summary.fee_income)} of fees.`,
    hide: ['learn', 'convergence', 'qtable'],
    lock: ['preset'],
  },
  {
    id: 'band',
    title: '4. Why repeg only beyond a band',
    hash: 'preset=band&seed=4',
    intro: 'The stylised repeg problem: the mark–oracle gap d is a random walk; keeping it costs (a/2)·d² per step, closing it costs K. Paying K for a tiny gap is waste, so the best rule is a band: repeg once |d| passes a threshold. Theory gives it two ways: the continuous-time law (12Kσ²/a)^¼ and the exact discrete-time optimum (value iteration on a fine grid).',
    tryThis: [
      'Press Play and let it train (a few thousand episodes).',
      'Change K (band: repeg cost) and watch the band move.',
    ],
    lookFor: [
      'The band table below: the band read off the learned Q table beside both theories.',
      'The policy chart: hold (·) in the middle, repeg (R) beyond the band.',
    ],
    question: 'How wide is the band, and how close does the learner get to the exact optimum?',
    answer: ({ stats }) => (stats.band
      ? `Learned band ${stats.band.learned.toFixed(3)}, exact discrete-time optimum ${stats.band.discrete_optimum.toFixed(3)} (learned/optimum ${(stats.band.learned / stats.band.discrete_optimum).toFixed(3)}), continuous-time law ${stats.band.continuous_law.toFixed(3)}.`
      : 'This run has no band: choose the band preset.'),
    hide: ['traders', 'market', 'curve', 'interest', 'money'],
    lock: ['preset'],
  },
  {
    id: 'learning',
    title: '5. Learning when to repeg',
    hash: 'preset=control&seed=5&learn.qstar_every=50',
    intro: 'Q-learning updates Q(s,a) from each step it lives through. Q* is what Q should converge to: value iteration on the model estimated from the same experience. ‖Q − Q*‖∞ measures how far the learner still is; the greedy agreement, how often it already picks Q*\'s action.',
    tryThis: [
      'Press Play and watch Policy convergence.',
      'Lower α0 or γ (Learning) and play again.',
      'Empty "averaging" (Learning) and play again: Q is then the last iterate, which the noise of the rewards keeps further from Q*.',
    ],
    lookFor: [
      'Policy convergence (log): max |ΔQ| per episode (blue) and ‖Q − Q*‖∞ (red) falling.',
      'Greedy policy per state: the actions settle.',
    ],
    question: 'How far is Q from Q* now, and how often does its greedy action agree?',
    answer: ({ stats }) => (stats.relative_error !== null && stats.agreement !== null
      ? `After ${stats.episode} episodes: ‖Q − Q*‖∞/‖Q*‖∞ = ${pct(stats.relative_error, 2)}, greedy agreement ${pct(stats.agreement, 0)}.`
      : 'Q* is computed every 50 episodes: press Play.'),
    hide: ['traders', 'market'],
    lock: ['preset'],
  },
  {
    id: 'drift',
    title: '6. What Drift actually did',
    hash: 'preset=control&seed=6',
    intro: 'Drift v1 repegged and changed k by hand in its first months (Nov 2021 – Jan 2022). The Data panel reads that history: every repeg and k update, labelled a success when open interest did not shrink by the next record and the cost stayed within 1% of the fee pool.',
    tryThis: [
      'Scroll to the Data panel and choose a market.',
      'Read the classifiers\' table: can the features predict a success?',
    ],
    lookFor: [
      'Mark, peg and √k over time: orange repegs, purple k updates.',
      'The volume regression: how trading volume follows price and depth.',
    ],
    question: 'How many repegs and k updates did Drift make, and how many were successes?',
    answer: ({ report }) => {
      if (!report) return 'The Data panel is still loading.';
      const m = report.summary.markets;
      const repegs = m.reduce((a, x) => a + x.repegs, 0);
      const ks = m.reduce((a, x) => a + x.k_up + x.k_down, 0);
      return `${repegs} repegs and ${ks} k updates over ${m.length} markets; of ${report.events} labelled events, ${report.successes} were successes (${pct(report.successes / Math.max(1, report.events), 0)}).`;
    },
    hide: ['controls', 'convergence', 'returns', 'qtable'],
    lock: [],
    focus: 'data-panel',
  },
];

/**
 * The lesson with this id.
 * @param {string | null} id
 */
export const lessonById = (id) => LESSONS.find((l) => l.id === id) || null;
