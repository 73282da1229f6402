// Teaching: every lesson loads, shows its text, and the observation it promises holds for
// its seed; teacher-mode flags hide and lock what they name and survive a reload; the page
// has no horizontal overflow at 390 px and puts the charts before the controls; the
// timeline moves every chart of the episode and its stats equal the trajectory's row, and
// the greedy policy's highlighted state at a chosen step is the one `damm train
// --trajectory` records for it; right after an episode ends the curve's note is the curve's;
// the band preset hides the market presets' MDP controls and says it has no money split.
// Screenshots at 390 × 844 and 1920 × 1080 go to test-results/ (and docs/ with UPDATE_DOCS=1).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** The lessons as the page defines them (www/js/lessons.js), read without a browser. */
function lessonIds(root) {
  const text = readFileSync(`${root}www/js/lessons.js`, 'utf8');
  return [...text.matchAll(/^ {4}id: '([a-z-]+)',$/gm)].map((m) => m[1]);
}

/** The `state` column of `damm train --url <hash> --trajectory`'s CSV (the release CLI). */
function nativeStates(root, hash) {
  const dir = mkdtempSync(`${tmpdir()}/damm-h-page-traj-`);
  try {
    execFileSync('cargo', ['run', '-q', '--release', '--bin', 'damm', '--', 'train', '--url', hash,
      '--trajectory', `${dir}/traj.csv`, '--out', `${dir}/train.json`], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    const [head, ...rows] = readFileSync(`${dir}/traj.csv`, 'utf8').trim().split('\n');
    const col = head.split(',').indexOf('state');
    assert.ok(col >= 0, 'the trajectory CSV has no state column');
    return rows.map((r) => Number(r.split(',')[col]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function (h) {
  const { test, open, call, episodes, root, measurements } = h;
  const viewerCall = (page, expr) => page.evaluate(expr);
  const summary = (page) => viewerCall(page, () => window.dammLab.viewer.summary());
  const answer = (page) => page.evaluate(() => window.dammLab.api.lessonAnswer());
  const visible = (page, sel) => page.locator(sel).first().isVisible();

  /** Opens a lesson by its link (no hash: the lesson's own run) and checks its text shows. */
  async function openLesson(id, viewport) {
    const page = await open('', viewport, `?lesson=${id}`);
    await page.waitForFunction(() => !document.getElementById('lesson').hidden);
    const title = await page.locator('#lesson h2').textContent();
    assert.ok(title.length > 5, 'the lesson has no title');
    assert.ok(await page.locator('#lesson .intro').isVisible(), 'the lesson text is not visible');
    assert.ok((await page.locator('#lesson .question').textContent()).includes('Question'));
    await page.click('#lesson-reveal');
    await page.waitForFunction(() => document.getElementById('lesson-answer').textContent.length > 10);
    return page;
  }

  await test('teach: six lessons, each in the menu as a link with its config hash and id', async () => {
    const ids = lessonIds(root);
    assert.ok(ids.length >= 6, `only ${ids.length} lessons`);
    const page = await open();
    const links = await page.evaluate(() => [...document.querySelectorAll('#lesson-links a')].map((a) => a.getAttribute('href')));
    assert.equal(links.length, ids.length);
    for (const [i, id] of ids.entries()) assert.match(links[i], new RegExp(`^\\?lesson=${id}#preset=`));
    // README's "Teaching with dAMM Lab" lists every lesson by the same link.
    const readme = readFileSync(`${root}README.md`, 'utf8');
    for (const href of links) assert.ok(readme.includes(`(http://127.0.0.1:8080/${href})`), `README lacks ${href}`);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('teach: lesson slippage — a long pays A/(peg·y) above the mark; four times √k, a quarter of it', async () => {
    const page = await openLesson('slippage');
    const p1 = await viewerCall(page, () => window.dammLab.viewer.tradePreview(200000));
    // Start state without exploring starts: b = q = √k = 1e5, peg 150.
    const want1 = 200000 / (150 * 1e5);
    assert.ok(Math.abs(p1.slippage - want1) < 1e-12, `slippage ${p1.slippage} vs ${want1}`);
    assert.ok(Math.abs(p1.mark_move - ((1 + want1) ** 2 - 1)) < 1e-12);
    assert.ok((await answer(page)).includes(`slippage ${(100 * p1.slippage).toFixed(3)}%`));
    assert.ok(await page.locator('#lesson-answer').isVisible());
    await page.fill('#num-market-sqrt_k', '400000');
    await page.press('#num-market-sqrt_k', 'Enter');
    await page.waitForFunction(() => location.hash.includes('market.sqrt_k=400000'));
    await page.evaluate(() => window.dammLab.api.settled());
    const p4 = await viewerCall(page, () => window.dammLab.viewer.tradePreview(200000));
    const ratio = p1.slippage / p4.slippage;
    assert.ok(Math.abs(ratio - 4) < 1e-9, `ratio ${ratio}`);
    await page.waitForFunction((s) => document.getElementById('lesson-answer').textContent.includes(s), `slippage ${(100 * p4.slippage).toFixed(3)}%`);
    // The lesson hides the learning controls and locks the preset.
    assert.equal(await visible(page, '#ctl-learn-discount'), false);
    assert.equal(await page.locator('#preset').isDisabled(), true);
    measurements.lesson_slippage = { at_sqrt_k_1e5: p1.slippage, at_sqrt_k_4e5: p4.slippage };
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('teach: lesson repeg — the repegs\' cost is the trajectory\'s, and the pool never crosses F/2', async () => {
    const page = await openLesson('repeg');
    await episodes(page, 5);
    const s = await summary(page);
    const snap = await call(page, 'snapshot');
    const t = snap.trajectory;
    let cost = 0;
    let repegs = 0;
    for (let i = 1; i < t.length; i++) {
      const r = t[i];
      if (r.adjusted && (r.peg !== t[i - 1].peg || r.sqrt_k === t[i - 1].sqrt_k)) {
        repegs += 1;
        cost += r.parts.adjustment_cost;
      }
    }
    assert.ok(repegs >= 1, 'no repeg in the shown episode');
    assert.equal(s.repegs, repegs);
    assert.ok(Math.abs(s.repeg_cost - cost) < 1e-6);
    const minHeadroom = Math.min(...t.map((r) => r.fee_pool - r.total_fee / 2));
    assert.ok(minHeadroom >= -1e-6, `the pool fell below F/2: ${minHeadroom}`);
    assert.ok(Math.abs(s.min_headroom - minHeadroom) < 1e-6);
    await page.waitForFunction((n) => document.getElementById('lesson-answer').textContent.includes(`${n} repeg`), repegs);
    measurements.lesson_repeg = { repegs, repeg_cost: cost, min_headroom: minHeadroom };
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('teach: lesson flow — with λi = 0 every trade is uninformed and the crowd pays funding; with λi = 1 every trade is informed', async () => {
    const page = await openLesson('flow');
    await episodes(page, 3);
    const s0 = await summary(page);
    assert.equal(s0.informed_trades, 0);
    assert.equal(s0.uninformed_trades, s0.last_step);
    assert.ok(s0.funding > 0, `funding ${s0.funding}`);
    assert.ok((await answer(page)).includes('received'));
    await page.fill('#num-traders-informed_prob', '1');
    await page.press('#num-traders-informed_prob', 'Enter');
    await page.waitForFunction(() => location.hash.includes('traders.informed_prob=1'));
    await episodes(page, 3);
    const s1 = await summary(page);
    assert.equal(s1.uninformed_trades, 0);
    assert.equal(s1.informed_trades, s1.last_step);
    measurements.lesson_flow = { funding_lambda_i_0: s0.funding, funding_lambda_i_1: s1.funding };
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('teach: lesson band — the learned band is within 5% of the exact optimum, which lies inside the continuous law', async () => {
    const page = await openLesson('band');
    assert.ok(await page.locator('#band-report').isVisible(), 'the band table is not shown');
    await page.evaluate(async () => {
      for (let i = 0; i < 4; i++) await window.dammLab.api.call('episodes', { n: 5000 }, 60000);
      return window.dammLab.api.settled();
    });
    const band = (await page.evaluate(() => window.dammLab.shown.band));
    const ratio = band.learned / band.discrete_optimum;
    assert.ok(Math.abs(ratio - 1) < 0.05, `learned/optimum ${ratio}`);
    assert.ok(band.discrete_optimum < band.continuous_law);
    assert.equal(await page.locator('#band-learned').textContent(), band.learned.toFixed(3));
    assert.equal(await page.locator('#band-exact').textContent(), band.discrete_optimum.toFixed(3));
    assert.equal(await page.locator('#band-law').textContent(), band.continuous_law.toFixed(3));
    assert.ok((await answer(page)).includes(band.learned.toFixed(3)));
    measurements.lesson_band = band;
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('teach: lesson learning — ‖Q − Q*‖∞/‖Q*‖∞ after 5,000 episodes is below its value after 500', async () => {
    const page = await openLesson('learning');
    await episodes(page, 500);
    const e500 = (await page.evaluate(() => window.dammLab.shown)).relative_error;
    assert.ok((await answer(page)).includes(`${(100 * e500).toFixed(2)}%`));
    await page.evaluate(async () => {
      for (let i = 0; i < 3; i++) await window.dammLab.api.call('episodes', { n: 1500 }, 60000);
      return window.dammLab.api.settled();
    });
    const st = await page.evaluate(() => window.dammLab.shown);
    assert.equal(st.episode, 5000);
    assert.ok(st.relative_error < e500, `${st.relative_error} vs ${e500}`);
    measurements.lesson_learning = { after_500: e500, after_5000: st.relative_error, agreement_5000: st.agreement };
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('teach: lesson drift — the answer counts Drift\'s own repegs, k updates and successes', async () => {
    const page = await openLesson('drift');
    await page.waitForFunction(() => window.dammLab.lab !== null, null, { timeout: 60000 });
    const r = await page.evaluate(() => window.dammLab.lab.report());
    const repegs = r.summary.markets.reduce((a, m) => a + m.repegs, 0);
    await page.waitForFunction(() => !/loading/.test(document.getElementById('lesson-answer').textContent));
    const text = await answer(page);
    assert.ok(text.includes(`${repegs} repegs`), text);
    assert.ok(text.includes(`of ${r.events} labelled events, ${r.successes} were successes`), text);
    assert.ok(r.events > 0 && r.successes > 0);
    assert.equal(await visible(page, '#controls'), false);
    assert.ok(await page.locator('#data-panel').isVisible());
    measurements.lesson_drift = { repegs, events: r.events, successes: r.successes };
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('teach: teacher flags hide and lock what they name, and survive a reload', async () => {
    const query = '?hide=learn.discount,money,data,mdp&lock=market.peg,traders.informed_prob,seed,buttons&bogus=1';
    const page = await open('seed=9', undefined, query);
    const check = async () => {
      assert.equal(await visible(page, '#ctl-learn-discount'), false, 'γ still visible');
      assert.equal(await visible(page, 'figure[data-chart="money"]'), false, 'money chart still visible');
      assert.equal(await visible(page, '#data-panel'), false, 'data panel still visible');
      assert.equal(await visible(page, '#controls .group[data-group="mdp"]'), false, 'mdp group still visible');
      assert.ok(await visible(page, '#ctl-learn-alpha'), 'α hidden too');
      for (const id of ['#num-market-peg', '#ctl-market-peg', '#num-traders-informed_prob', '#num-traders-uninformed_prob', '#num-seed', '#seed-random', '#play', '#episode']) {
        assert.equal(await page.locator(id).isDisabled(), true, `${id} not locked`);
      }
      assert.equal(await page.locator('#num-market-sqrt_k').isDisabled(), false);
      // A locked control still shows the run's value.
      assert.equal(await page.inputValue('#num-seed'), '9');
    };
    await check();
    await page.reload();
    await page.waitForFunction(() => window.dammLab && window.dammLab.draws > 0);
    await check();
    assert.ok(page.url().includes(query));
    // An unknown name is reported, not ignored.
    const p2 = await open('', undefined, '?hide=nonsense&lock=learn');
    assert.ok(await p2.locator('#teach-note').isVisible());
    assert.ok((await p2.locator('#teach-note').textContent()).includes('nonsense'));
    assert.equal(await p2.locator('#ctl-learn-discount').isDisabled(), true);
    assert.deepEqual(page.consoleErrors, []);
    await p2.context().close();
    await page.context().close();
  });

  const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth);
  const above = (page, a, b) => page.evaluate(([x, y]) => document.querySelector(x).getBoundingClientRect().top < document.querySelector(y).getBoundingClientRect().top, [a, b]);

  await test('teach: at 390 × 844 no horizontal overflow and the charts come before the controls (screenshot)', async () => {
    mkdirSync(`${root}test-results`, { recursive: true });
    const phone = { width: 390, height: 844 };
    const page = await open('', phone);
    await episodes(page, 100);
    await page.click('#lessons summary');
    assert.ok((await overflow(page)) <= 390, `scrollWidth ${await overflow(page)}`);
    assert.ok(await above(page, '#board', '#controls'), 'the controls come before the charts');
    await page.click('#lessons summary');
    await page.screenshot({ path: `${root}test-results/screenshot-390.png`, fullPage: false });
    if (process.env.UPDATE_DOCS === '1') await page.screenshot({ path: `${root}docs/screenshot-390.png`, fullPage: false });
    measurements.scroll_width_390 = await overflow(page);
    await page.context().close();
    for (const id of lessonIds(root)) {
      const p = await openLesson(id, phone);
      assert.ok((await overflow(p)) <= 390, `lesson ${id}: scrollWidth ${await overflow(p)}`);
      await p.context().close();
    }
    assert.ok(statSync(`${root}test-results/screenshot-390.png`).size > 10000);
  });

  await test('teach: projector layout at 1920 × 1080 — full width, charts first, no overflow (screenshot)', async () => {
    const page = await open('', { width: 1920, height: 1080 }, '?projector&lesson=learning');
    await episodes(page, 300);
    assert.ok(await page.evaluate(() => document.documentElement.classList.contains('projector')));
    assert.ok(await above(page, '#board', '#controls'));
    assert.ok((await overflow(page)) <= 1920);
    const width = await page.evaluate(() => document.getElementById('board').getBoundingClientRect().width);
    assert.ok(width > 1700, `board width ${width}`);
    await page.screenshot({ path: `${root}test-results/screenshot-1920.png`, fullPage: false });
    if (process.env.UPDATE_DOCS === '1') await page.screenshot({ path: `${root}docs/screenshot-1920.png`, fullPage: false });
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('teach: the timeline moves every chart of the episode, and its stats equal the trajectory\'s row', async () => {
    const page = await open('seed=12');
    await episodes(page, 3);
    const canvases = () => page.evaluate(async () => {
      await window.dammLab.api.settled();
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return Object.fromEntries([...document.querySelectorAll('#board canvas')].map((c) => [c.id, c.toDataURL()]));
    });
    const before = await canvases();
    const live = await page.evaluate(() => window.dammLab.shown);
    assert.equal(live.at_cursor, false);
    await page.evaluate(() => window.dammLab.api.cursor(40));
    const after = await canvases();
    for (const id of ['chart-curve', 'chart-prices', 'chart-interest', 'chart-money']) {
      assert.notEqual(after[id], before[id], `${id} did not follow the timeline`);
    }
    const st = await page.evaluate(() => window.dammLab.shown);
    const row = (await call(page, 'snapshot')).trajectory[40];
    assert.equal(st.at_cursor, true);
    assert.equal(st.step, 40);
    for (const k of ['mark', 'oracle', 'peg', 'sqrt_k', 'net_base', 'fee_pool']) assert.equal(st[k], row[k], k);
    assert.equal(st.spendable, row.fee_pool - 0.5 * row.total_fee);
    assert.equal(await page.inputValue('#timeline-step'), '40');
    assert.ok((await page.locator('#status').textContent()).includes('step 40 (timeline)'));
    // The keyboard drags it too; Live follows the run again.
    await page.focus('#timeline-step');
    await page.keyboard.press('Home');
    await page.waitForFunction(() => window.dammLab.shown.step === 0 && window.dammLab.shown.at_cursor);
    await page.click('#timeline-live');
    await page.waitForFunction(() => !window.dammLab.shown.at_cursor);
    const back = await canvases();
    assert.equal(back['chart-prices'], before['chart-prices']);
    // Playing follows the run.
    await page.evaluate(() => window.dammLab.api.cursor(10));
    await page.click('#step');
    await page.waitForFunction(() => !window.dammLab.shown.at_cursor);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('teach: on the timeline the greedy policy highlights the state damm train recorded for that step', async () => {
    // Three finished episodes: the page shows the last one, as `damm train` writes it.
    const hash = 'seed=21&mdp.episode_len=80&learn.episodes=3';
    const native = nativeStates(root, hash);
    assert.equal(native.length, 81);
    const page = await open(hash);
    await episodes(page, 3);
    const qtable = () => page.evaluate(() => document.getElementById('chart-qtable').toDataURL());
    const steps = [0, 13, 40, 80];
    const seen = {};
    for (const step of steps) {
      const st = await page.evaluate((k) => window.dammLab.api.cursor(k), step);
      assert.equal(st.step, step);
      assert.equal(st.state, native[step], `step ${step}: page ${st.state}, damm train ${native[step]}`);
      assert.equal(await page.getAttribute('#chart-qtable', 'data-state'), String(native[step]));
      seen[step] = await qtable();
    }
    // The highlighted cell moves with the state: two steps in different states draw differently.
    const [a, b] = [steps.find((k) => native[k] !== native[0]), 0];
    assert.ok(a !== undefined, 'the state never moved at the chosen steps');
    assert.notEqual(seen[a], seen[b], 'the greedy-policy chart did not follow the timeline');
    measurements.timeline_states = Object.fromEntries(steps.map((k) => [k, native[k]]));
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('teach: right after an episode ends, the curve, its note and the highlighted state are the episode\'s last step', async () => {
    const page = await open('seed=3&mdp.episode_len=60');
    await episodes(page, 1);
    const st = await page.evaluate(() => window.dammLab.shown);
    const row = (await call(page, 'snapshot')).trajectory.at(-1);
    assert.equal(st.at_cursor, false);
    assert.equal(st.mark, row.mark);
    assert.equal(st.state, row.state);
    assert.equal(st.spendable, row.fee_pool - 0.5 * row.total_fee);
    // The curve chart's market (what a trade on it starts from) is the row's, not the next
    // episode's start.
    const p = await viewerCall(page, () => window.dammLab.viewer.tradePreview(1000));
    assert.ok(Math.abs(p.mark_before - row.mark) <= 1e-9 * row.mark, `curve mark ${p.mark_before} vs ${row.mark}`);
    assert.ok((await page.textContent('#curve-note')).includes(`mark ${row.mark.toFixed(4)}`));
    assert.ok((await page.textContent('#status')).includes('step 60 (ended)'));
    // A move's text describes that market and goes when the board takes the curve back.
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.click('#curve-anim-trade');
    await page.waitForFunction(() => window.dammLab.curveAnim && window.dammLab.curveAnim.phase === 1);
    const plan = await viewerCall(page, () => window.dammLab.viewer.curveMove('trade', Number(document.getElementById('trade-size').value)));
    assert.equal(await page.textContent('#curve-move-text'), plan.text);
    await page.waitForFunction(() => window.dammLab.curveAnim === null, null, { timeout: 8000 });
    assert.equal(await page.textContent('#curve-move-text'), '');
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('teach: the band preset hides the market presets\' controls and says it has no money split; paper scopes it to fees', async () => {
    const page = await openLesson('band');
    await episodes(page, 2);
    for (const id of ['#ctl-mdp-kappa', '#ctl-mdp-delta', '#ctl-mdp-gap_bins', '#ctl-mdp-k_levels', '#ctl-mdp-overhead', '#ctl-mdp-imbalance_bins']) {
      assert.equal(await visible(page, id), false, `${id} shown in the band lesson`);
    }
    assert.ok(await visible(page, '#ctl-band-repeg_cost'), 'K hidden in the band lesson');
    assert.ok(await visible(page, '#ctl-mdp-episode_len'), 'T hidden in the band lesson');
    assert.ok((await page.textContent('#split-note')).includes('no money split'));
    assert.equal(await page.locator('#split-numbers [data-term]').count(), 0);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
    // The control preset: its controls, not the band model's; with the books at the oracle (the
    // default) the note says the adjustment costs are a memo, on the curve there is no note.
    const ctl = await open('seed=2');
    assert.equal(await visible(ctl, '#ctl-band-repeg_cost'), false, 'K shown under control');
    assert.ok(await visible(ctl, '#ctl-mdp-kappa'));
    await episodes(ctl, 1);
    assert.ok((await ctl.textContent('#split-note')).includes('at the oracle'));
    await ctl.context().close();
    const curve = await open('seed=2&mdp.valuation=curve');
    await episodes(curve, 1);
    assert.equal(await visible(curve, '#split-note'), false);
    await curve.context().close();
    // The paper preset: the split is the fees, its net the episode's return; the rest is a memo.
    const paper = await open('preset=paper&seed=5&mdp.episode_len=60');
    await episodes(paper, 3);
    assert.ok((await paper.textContent('#split-note')).includes('fee income only'));
    assert.equal(await visible(paper, '#ctl-mdp-kappa'), false);
    assert.ok(await visible(paper, '#ctl-mdp-delta'));
    const shown = await paper.$$eval('#split-numbers [data-term]', (els) =>
      Object.fromEntries(els.map((e) => [e.getAttribute('data-term'), Number(e.getAttribute('data-value'))])));
    const ret = (await paper.evaluate(() => window.dammLab.shown)).last_return;
    assert.ok(Math.abs(shown.net - ret) <= 1e-9 * Math.abs(ret), `net ${shown.net} vs return ${ret}`);
    assert.equal(shown['adjustment costs'], undefined, 'a repeg cost is stacked in the paper split');
    measurements.paper_split = { net: shown.net, return: ret, outside_reward: shown.outside_reward ?? 0 };
    assert.deepEqual(paper.consoleErrors, []);
    await paper.context().close();
  });
}
