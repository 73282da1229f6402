// Teacher mode and the lessons on the page. The page's query (it survives a reload, and the
// run's config stays in the hash) may hold:
//   lesson=<id>        open a lesson (lessons.js): its text, its question and answer, and
//                      the controls and panels it hides or locks
//   hide=<a,b,…>       hide controls or panels by name
//   lock=<a,b,…>       lock them: they show their value but cannot be changed
//   projector          a full-width layout with large type, for a projector
// A name is a parameter's registry path (`learn.discount`, `preset`, `seed`; locking a path
// also locks the views that write it, e.g. λu for `traders.informed_prob`), a control group
// (`run`, `traders`, `market`, `mdp`, `learn`, `eval`), a chart (`curve`, `prices`,
// `convergence`, `returns`, `qtable`, `interest`, `money`, `history`, `regression`) or a
// panel (PANELS below). An unknown name is reported in a note, never ignored silently.
// For: reading the flags, applying them to the DOM, the lesson panel and the lessons menu.
// Not for: lesson texts (lessons.js) or numbers (the engine's Viewer and DataLab).
import { byId, esc } from './dom.js';
import { registry } from './controls.js';
import { LESSONS, lessonById } from './lessons.js';
import { state, viewer } from './state.js';

/** Panels a flag can name, by their element's selector. */
export const PANELS = {
  controls: '#controls',
  toolbar: '#toolbar',
  buttons: '#run-buttons',
  speed: '#speed-box',
  link: '#link-box',
  lessons: '#lessons',
  lesson: '#lesson',
  status: '#status',
  timeline: '#timeline',
  'band-report': '#band-report',
  exports: '#exports',
  data: '#data-panel',
};

/**
 * The teacher flags of a query string.
 * @param {string} search `location.search`
 */
export function readFlags(search) {
  const q = new URLSearchParams(search);
  /** @param {string} key */
  const list = (key) => q.getAll(key).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  const projector = q.has('projector') && q.get('projector') !== '0';
  return { lesson: q.get('lesson'), hide: list('hide'), lock: list('lock'), projector };
}

/**
 * The elements a name stands for (none when the name is unknown).
 * @param {string} name
 * @param {boolean} writers Include the controls that write the named parameter (locking).
 * @returns {HTMLElement[]}
 */
function resolve(name, writers) {
  const css = CSS.escape(name);
  /** @type {string[]} */
  const selectors = [
    `#controls .group[data-group="${css}"]`,
    `figure.chart[data-chart="${css}"]`,
    `[data-control="${css}"]`,
  ];
  if (writers) selectors.push(`[data-source="${css}"]`);
  const panel = /** @type {Record<string, string>} */ (PANELS)[name];
  if (panel) selectors.push(panel);
  return [...document.querySelectorAll(selectors.join(', '))].filter((e) => e instanceof HTMLElement);
}

/**
 * Every form control inside `root` (and `root` itself if it is one).
 * @param {HTMLElement} root
 */
function formControls(root) {
  const all = [root, ...root.querySelectorAll('input, select, button, textarea')];
  return all.filter((e) => e instanceof HTMLInputElement || e instanceof HTMLSelectElement
    || e instanceof HTMLButtonElement || e instanceof HTMLTextAreaElement);
}

/**
 * Names that are valid though the page may show nothing for them: every registry path and
 * group (a parameter without a control, a group without shown parameters).
 */
function registryNames() {
  const reg = registry();
  return new Set([...reg.params, ...reg.derived].flatMap((p) => [p.path, p.group]));
}

/**
 * Hides and locks what the names say; returns the names that are not known at all.
 * @param {string[]} hide
 * @param {string[]} lock
 * @returns {string[]}
 */
export function applyFlags(hide, lock) {
  /** @type {string[]} */
  const unknown = [];
  const known = registryNames();
  for (const name of hide) {
    const els = resolve(name, false);
    if (!els.length && !known.has(name)) unknown.push(name);
    for (const e of els) {
      e.classList.add('teach-hidden');
      e.dataset.hiddenBy = name;
    }
  }
  for (const name of lock) {
    const els = resolve(name, true);
    if (!els.length && !known.has(name)) unknown.push(name);
    for (const e of els) {
      e.classList.add('teach-locked');
      e.dataset.lockedBy = name;
      for (const c of formControls(e)) {
        /** @type {HTMLInputElement} */ (c).disabled = true;
        c.title = `Locked by this page's link (lock=${name})`;
      }
    }
  }
  return unknown;
}

/**
 * A lesson's link, keeping the page's other teacher flags.
 * @param {import('./lessons.js').Lesson} lesson
 * @param {string} search The current `location.search`.
 */
export function lessonLink(lesson, search) {
  const q = new URLSearchParams(search);
  q.set('lesson', lesson.id);
  return `?${q.toString()}#${lesson.hash}`;
}

/** The flags in force (read once at start). */
let flags = readFlags('');
/** Whether the lesson's answer is shown (it then follows the run). */
let answerShown = false;

/** The lessons menu in the header: one link per lesson. */
function renderMenu() {
  byId('lesson-links').innerHTML = LESSONS
    .map((l) => `<li><a href="${esc(lessonLink(l, location.search))}" data-lesson="${esc(l.id)}">${esc(l.title)}</a></li>`)
    .join('');
}

/** @param {import('./lessons.js').Lesson} l */
function renderLessonText(l) {
  const box = byId('lesson');
  const q = new URLSearchParams(location.search);
  q.delete('lesson');
  const rest = q.toString();
  box.innerHTML = `<h2>${esc(l.title)}</h2>
<p class="intro">${esc(l.intro)}</p>
<div class="lesson-cols">
  <div><h3>Try</h3><ol>${l.tryThis.map((t) => `<li>${esc(t)}</li>`).join('')}</ol></div>
  <div><h3>Look for</h3><ul>${l.lookFor.map((t) => `<li>${esc(t)}</li>`).join('')}</ul></div>
</div>
<p class="question"><b>Question.</b> ${esc(l.question)}</p>
<button type="button" id="lesson-reveal" aria-expanded="false" aria-controls="lesson-answer">Show the answer</button>
<p id="lesson-answer" class="answer" aria-live="polite" hidden></p>
<p class="hint">The answer is read off the run on screen: it follows the run and the timeline. <a id="lesson-leave" href="${esc(`?${rest}${location.hash}`)}">Leave the lesson</a></p>`;
  box.hidden = false;
  byId('lesson-reveal', HTMLButtonElement).addEventListener('click', () => {
    answerShown = !answerShown;
    byId('lesson-reveal').setAttribute('aria-expanded', String(answerShown));
    byId('lesson-reveal').textContent = answerShown ? 'Hide the answer' : 'Show the answer';
    byId('lesson-answer').hidden = !answerShown;
    renderLesson();
  });
}

/** The curve chart's trade size (USD), as the chart reads it. */
function tradeSize() {
  const v = Number(byId('trade-size', HTMLInputElement).value);
  return Number.isFinite(v) && v >= 0 ? v : 0;
}

/**
 * The open lesson's answer for the run on screen (null without a lesson or a frame).
 * @returns {string | null}
 */
export function lessonAnswer() {
  const l = lessonById(flags.lesson);
  if (!l || !state.shown || !state.viewer || !state.viewer.hasSnapshot()) return null;
  const v = viewer();
  return l.answer({
    stats: state.shown,
    summary: v.summary(),
    preview: v.tradePreview(tradeSize()) ?? null,
    report: state.lab ? state.lab.report() : null,
  });
}

/** Writes the answer when it is shown (called after each redraw). */
export function renderLesson() {
  if (!answerShown) return;
  const text = lessonAnswer();
  if (text !== null) byId('lesson-answer').textContent = text;
}

/**
 * The lesson the query names, if any (before the run loads: it may supply the hash).
 * @returns {import('./lessons.js').Lesson | null}
 */
export function queryLesson() {
  return lessonById(readFlags(location.search).lesson);
}

/**
 * Reads the query's flags and applies them, with the lesson's: call once the controls are
 * built. An unknown lesson or name shows a note.
 */
export function startTeaching() {
  flags = readFlags(location.search);
  document.documentElement.classList.toggle('projector', flags.projector);
  renderMenu();
  const lesson = lessonById(flags.lesson);
  const hide = [...flags.hide];
  const lock = [...flags.lock];
  /** @type {string[]} */
  const notes = [];
  if (flags.lesson && !lesson) {
    notes.push(`no lesson "${flags.lesson}" (there are: ${LESSONS.map((l) => l.id).join(', ')})`);
  }
  if (lesson) {
    renderLessonText(lesson);
    hide.push(...lesson.hide);
    lock.push(...lesson.lock);
    if (lesson.trade !== undefined) byId('trade-size', HTMLInputElement).value = String(lesson.trade);
    if (lesson.focus) document.getElementById(lesson.focus)?.scrollIntoView();
  }
  const unknown = applyFlags(hide, lock);
  if (unknown.length) notes.push(`unknown names in hide/lock: ${unknown.join(', ')}`);
  const note = byId('teach-note');
  note.textContent = notes.length ? `This link's teacher settings: ${notes.join('; ')}.` : '';
  note.hidden = notes.length === 0;
}
