// End-to-end tests of the playground in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core). Serves www/ on 127.0.0.1, runs every check here and in
// tests/e2e/suites/*.mjs (each exports `default async (h) => {…}` taking the harness),
// writes test-results/screenshot.png (and docs/screenshot.png with UPDATE_DOCS=1), and
// prints the measurements (first draw, redraw rate, frame intervals while training,
// training speed in the page vs the worker's raw speed, frame post sizes, wasm size).
// The run trains in a Web Worker: tests reach it through `window.dammLab.api` (awaitable)
// and read the drawn frame's summary from `window.dammLab.shown`.
// `E2E_FILTER=text node tests/e2e/run.mjs` runs only the tests whose name contains text.
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

const { root, results, measurements, test, base, server, browser, open, stats, call, hashOf, pixels, episodes } = h;

try {
  await test('page loads with no console error and no request leaving 127.0.0.1', async () => {
    const t0 = Date.now();
    const page = await open();
    measurements.first_draw_ms = await page.evaluate(() => window.dammLab.firstDrawMs);
    measurements.load_to_draw_wall_ms = Date.now() - t0;
    await page.click('#episode');
    await page.waitForTimeout(300);
    assert.deepEqual(page.consoleErrors, []);
    assert.deepEqual(page.foreignRequests, []);
    assert.equal(await page.locator('#panic').isHidden(), true);
    assert.equal((await stats(page)).episode, 1);
    await page.context().close();
  });

  await test('every control is labelled and reachable by keyboard', async () => {
    const page = await open();
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, button')]
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
      .map((el) => el.id || el.outerHTML.slice(0, 60)));
    assert.deepEqual(unlabelled, []);
    // Tab reaches the γ number input and typing changes the run.
    await page.focus('#ctl-learn-discount');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => location.hash.includes('learn.discount=0.89'));
    await page.context().close();
  });

  // Each main slider, moved by keyboard, changes the URL hash and the drawn pixels.
  const SLIDERS = [
    ['traders.informed_prob', 'ArrowRight'],
    ['traders.uninformed_prob', 'ArrowRight', 'traders.informed_prob'],
    ['learn.discount', 'ArrowLeft'],
    ['market.sqrt_k', 'ArrowRight'],
    ['market.peg', 'ArrowRight'],
    ['learn.alpha', 'ArrowLeft'],
    ['learn.epsilon', 'ArrowLeft'],
    ['mdp.episode_len', 'ArrowRight'],
    ['oracle.volatility', 'ArrowRight'],
    ['mdp.kappa', 'ArrowLeft'],
    ['mdp.imbalance_bins', 'ArrowRight'],
    ['seed', 'ArrowRight'],
  ];
  {
    const page = await open();
    await episodes(page, 30);
    const baseline = await pixels(page);
    for (const [path, key, hashKey] of SLIDERS) {
      await test(`slider ${path} changes the canvas and the URL hash`, async () => {
        await page.evaluate(() => { history.replaceState(null, '', location.pathname); });
        await page.goto(base);
        await page.waitForFunction(() => window.dammLab && window.dammLab.draws > 0);
        const id = `#ctl-${path.replace(/\./g, '-')}`;
        await page.focus(id);
        await page.keyboard.press(key);
        await page.waitForFunction((k) => location.hash.includes(`${k}=`), hashKey || path, { timeout: 5000 });
        await episodes(page, 30);
        const after = await pixels(page);
        assert.notEqual(after, baseline, 'canvas pixels did not change');
        assert.deepEqual(page.consoleErrors || [], []);
      });
    }
    await page.context().close();
  }

  /** The engine's registry and a fresh run's values, from the page's own module. */
  const engineView = (page) => page.evaluate(async () => {
    const m = await import('/pkg/damm.js');
    const specs = m.paramSpecs();
    return { specs, values: await window.dammLab.api.call('values') };
  });

  await test('the controls are the registry entries with control: true, in registry order per group', async () => {
    const page = await open();
    const { specs } = await engineView(page);
    const wanted = [...specs.params, ...specs.derived].filter((p) => p.control);
    const rendered = await page.evaluate(() => [...document.querySelectorAll('#controls .row')]
      .map((r) => ({ path: r.dataset.control, group: r.closest('.group').dataset.group })));
    assert.equal(rendered.length, wanted.length);
    assert.deepEqual(rendered.map((r) => r.path).sort(), wanted.map((p) => p.path).sort());
    for (const r of rendered) assert.equal(r.group, wanted.find((p) => p.path === r.path).group, r.path);
    // Within a group, params keep the registry's order.
    for (const g of new Set(rendered.map((r) => r.group))) {
      const params = specs.params.filter((p) => p.control && p.group === g).map((p) => p.path);
      assert.deepEqual(rendered.filter((r) => r.group === g && params.includes(r.path)).map((r) => r.path), params, g);
    }
    // Every control row has its number input (or checkbox/select) and error line, ids from the path.
    for (const p of wanted) {
      const id = p.path.replace(/\./g, '-');
      assert.equal(await page.locator(`#err-${id}`).count(), 1, p.path);
    }
    // The preset select offers the registry's choices.
    const preset = specs.params.find((p) => p.path === 'preset');
    assert.deepEqual(await page.evaluate(() => [...document.getElementById('preset').options].map((o) => o.value)), preset.kind.choices);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('λu (traders.uninformed_prob) = 0.3 sets λi = 0.7 in the engine', async () => {
    const page = await open();
    await page.fill('#num-traders-uninformed_prob', '0.3');
    await page.press('#num-traders-uninformed_prob', 'Enter');
    await page.waitForFunction(() => location.hash.includes('traders.informed_prob=0.7'));
    const { values } = await engineView(page);
    assert.equal(values['traders.informed_prob'], 0.7);
    assert.ok(Math.abs(values['traders.uninformed_prob'] - 0.3) < 1e-12, String(values['traders.uninformed_prob']));
    assert.equal(await page.inputValue('#num-traders-informed_prob'), '0.7');
    assert.equal(await page.textContent('#err-traders-uninformed_prob'), '');
    await page.context().close();
  });

  await test("an invalid λu shows the engine's own message beside it and leaves the run unchanged", async () => {
    const page = await open();
    await page.click('#step');
    await page.click('#step');
    const before = { hash: await hashOf(page), ...(await engineView(page)), stats: await stats(page) };
    // What the engine itself says about this value.
    const expected = await page.evaluate(async () => {
      const m = await import('/pkg/damm.js');
      const pg = new m.Playground(undefined);
      try { pg.setParam('traders.uninformed_prob', '1.7'); return null; } catch (e) { return e.message; } finally { pg.free(); }
    });
    assert.match(expected, /traders\.uninformed_prob/);
    assert.match(expected, /\[0, 1\]/);
    await page.fill('#num-traders-uninformed_prob', '1.7');
    await page.press('#num-traders-uninformed_prob', 'Enter');
    const err = page.locator('#err-traders-uninformed_prob');
    await page.waitForFunction(() => document.getElementById('err-traders-uninformed_prob').textContent !== '');
    assert.equal(await err.textContent(), expected);
    assert.equal(await page.getAttribute('#num-traders-uninformed_prob', 'aria-invalid'), 'true');
    assert.ok(await page.evaluate(() => document.getElementById('err-traders-uninformed_prob').closest('.row')
      .contains(document.getElementById('num-traders-uninformed_prob'))));
    // Only that control shows a message.
    const others = await page.evaluate(() => [...document.querySelectorAll('#controls .error')]
      .filter((e) => e.textContent && e.id !== 'err-traders-uninformed_prob').map((e) => e.id));
    assert.deepEqual(others, []);
    // The run is unchanged: same values, same hash, same progress.
    const after = { hash: await hashOf(page), ...(await engineView(page)), stats: await stats(page) };
    assert.equal(after.hash, before.hash);
    assert.deepEqual(after.values, before.values);
    assert.equal(after.stats.total_steps, before.stats.total_steps);
    assert.equal(after.stats.total_steps, 2);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('preset selector switches to the paper MDP', async () => {
    const page = await open();
    await page.selectOption('#preset', 'paper');
    await page.waitForFunction(() => location.hash.includes('preset=paper'));
    const s = await stats(page);
    assert.deepEqual(s.action_names, ['+1 (invite longs)', '-1 (invite shorts)']);
    await page.context().close();
  });

  await test('an invalid value shows a message next to its control and the page keeps working', async () => {
    const page = await open();
    const hashBefore = await hashOf(page);
    await page.fill('#num-learn-discount', '1.5');
    await page.press('#num-learn-discount', 'Enter');
    const err = page.locator('#err-learn-discount');
    await err.waitFor();
    assert.equal(await err.textContent(), 'learn.discount = 1.5: must be in [0, 1)');
    assert.equal(await page.getAttribute('#num-learn-discount', 'aria-invalid'), 'true');
    assert.equal(await hashOf(page), hashBefore, 'a rejected value must not reach the URL');
    // The error sits inside the control's own row.
    const sameRow = await page.evaluate(() => document.getElementById('err-learn-discount').closest('.row')
      .contains(document.getElementById('num-learn-discount')));
    assert.ok(sameRow);
    // Other invalid inputs: not a number, out of range, and λu > 1.
    await page.fill('#num-traders-size_noise', '-1');
    await page.press('#num-traders-size_noise', 'Enter');
    await page.waitForFunction(() => document.getElementById('err-traders-size_noise').textContent !== '');
    assert.match(await page.textContent('#err-traders-size_noise'), /size_noise/);
    await page.fill('#num-traders-uninformed_prob', '1.7');
    await page.press('#num-traders-uninformed_prob', 'Enter');
    await page.waitForFunction(() => document.getElementById('err-traders-uninformed_prob').textContent !== '');
    assert.equal(await page.textContent('#err-traders-uninformed_prob'), 'traders.uninformed_prob = 1.7: must be in [0, 1]');
    // Still works: a step advances, charts redraw, no console error.
    const before = await stats(page);
    await page.click('#step');
    await page.waitForFunction((t) => window.dammLab.shown.total_steps === t + 1, before.total_steps);
    // A valid value clears the message.
    await page.fill('#num-learn-discount', '0.8');
    await page.press('#num-learn-discount', 'Enter');
    await page.waitForFunction(() => location.hash.includes('learn.discount=0.8'));
    assert.equal(await err.textContent(), '');
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('play, pause, step, episode and reset do what they say', async () => {
    const page = await open();
    await page.click('#step');
    let s = await stats(page);
    assert.equal(s.total_steps, 1);
    assert.equal(s.step, 1);
    await page.click('#episode');
    s = await stats(page);
    assert.equal(s.episode, 1);
    assert.equal(s.step, 0);
    await page.click('#play');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'true');
    await page.waitForFunction(() => window.dammLab.shown.episode >= 5);
    // Redraw rate while training at default settings (reported, not asserted).
    const fps = await page.evaluate(async () => {
      const d0 = window.dammLab.draws; const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 2000));
      return (window.dammLab.draws - d0) / ((performance.now() - t0) / 1000);
    });
    measurements.redraws_per_second_training = Number(fps.toFixed(1));
    await page.click('#play');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
    const paused = (await stats(page)).total_steps;
    await page.waitForTimeout(400);
    assert.equal((await stats(page)).total_steps, paused, 'training continued while paused');
    assert.ok(paused > 500);
    await page.click('#reset');
    s = await stats(page);
    assert.equal(s.total_steps, 0);
    assert.equal(s.episode, 0);
    // Space toggles play.
    await page.focus('body');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => window.dammLab.shown.total_steps > 0);
    await page.keyboard.press('Space');
    await page.context().close();
  });

  await test('a copied link reloads to the same numbers, and damm train --url reproduces them', async () => {
    const page = await open();
    await page.fill('#num-learn-discount', '0.85');
    await page.press('#num-learn-discount', 'Enter');
    await page.fill('#num-seed', '12345');
    await page.press('#num-seed', 'Enter');
    await page.fill('#num-traders-informed_prob', '0.7');
    await page.press('#num-traders-informed_prob', 'Enter');
    await page.waitForFunction(() => location.hash.includes('seed=12345') && location.hash.includes('informed_prob=0.7'));
    await page.click('#copy-link');
    const link = await page.inputValue('#share-link');
    assert.ok(link.includes('#'), link);
    await episodes(page, 40);
    const q1 = (await call(page, 'snapshot')).q;
    const page2 = await open(link.split('#')[1]);
    await episodes(page2, 40);
    const q2 = (await call(page2, 'snapshot')).q;
    assert.deepEqual(q2, q1, 'the reloaded link gave different numbers');
    // The native CLI, same hash, same 40 episodes: the same Q table.
    const hash = link.split('#')[1];
    const out = execFileSync('cargo', ['run', '-q', '--release', '--bin', 'damm', '--', 'train', '--url', hash, '--episodes', '40'], {
      cwd: root, maxBuffer: 64 << 20,
    });
    const cli = JSON.parse(out.toString());
    assert.equal(cli.q.length, q1.length);
    assert.deepEqual(cli.q, q1, 'damm train --url differs from the page');
    measurements.cli_page_q_entries_compared = q1.length;
    await page.context().close();
    await page2.context().close();
  });

  await test('exports: PNG of a chart, trajectory CSV, config + Q table JSON', async () => {
    const page = await open();
    await episodes(page, 3);
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('figure[data-chart="prices"] button.png')]);
    assert.equal(png.suggestedFilename(), 'damm-prices.png');
    const pngBytes = readFileSync(await png.path());
    assert.deepEqual([...pngBytes.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    const csvText = readFileSync(await csv.path(), 'utf8');
    assert.ok(csvText.startsWith('step,oracle,mark,'));
    assert.equal(csvText.trim().split('\n').length, 1 + 101);
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    const j = JSON.parse(readFileSync(await json.path(), 'utf8'));
    assert.equal(j.episodes, 3);
    assert.equal(j.q.length, 105 * 4);
    assert.equal(j.config.preset, 'control');
    await page.context().close();
  });

  await test('a bad link shows a message and falls back to the defaults', async () => {
    const page = await open('learn.discount=7&seed=1');
    assert.equal(await page.locator('#load-error').isVisible(), true);
    assert.match(await page.textContent('#load-error'), /learn\.discount/);
    assert.equal((await stats(page)).episode, 0);
    await page.context().close();
  });

  const dataReady = (page) => page.waitForFunction(() => window.dammLab.dataDraws > 0, null, { timeout: 30000 });
  const dataPixels = (page) => page.evaluate(() => ['chart-history', 'chart-regression'].map((id) => document.getElementById(id).toDataURL()).join('|'));

  await test('Data panel renders the bundled Drift data', async () => {
    const page = await open();
    const t0 = Date.now();
    await dataReady(page);
    measurements.data_panel_ready_ms = Date.now() - t0;
    assert.equal(await page.locator('#data-market option').count(), 8);
    assert.equal(await page.locator('#classify-table tr').count(), 1 + 5);
    assert.equal(await page.locator('#regression-table tr').count(), 1 + 4);
    assert.match(await page.textContent('#classify-title'), /333 events, 133 successes, 5-fold/);
    assert.match(await page.textContent('#predict-summary'), /MAE 0\.915 pp vs 0\.907/);
    // The recommendation follows its own rule: the greedy available action of the shown Q
    // values, kept only when the classifier's success probability is at least 0.5.
    const rec = await call(page, 'recommend', { min: 0.5 });
    const names = ['hold', 'repeg', 'k up', 'k down'];
    let best = -1;
    rec.q_values.forEach((q, a) => {
      if (q !== null && Number.isFinite(q) && (best < 0 || q > rec.q_values[best])) best = a;
    });
    assert.equal(rec.rl_action, names[best]);
    const keep = best !== 0 && (rec.success_probability === null || rec.success_probability === undefined || rec.success_probability >= 0.5);
    assert.equal(rec.action, keep ? names[best] : 'hold');
    await page.waitForFunction(() => document.getElementById('recommendation').textContent.includes(' — '));
    assert.ok((await page.textContent('#recommendation')).startsWith(`${rec.action} — `));
    // The history chart is drawn, and another market draws differently.
    const before = await dataPixels(page);
    const draws = await page.evaluate(() => window.dammLab.dataDraws);
    await page.selectOption('#data-market', '3');
    await page.waitForFunction((n) => window.dammLab.dataDraws > n, draws);
    assert.notEqual(await dataPixels(page), before);
    assert.deepEqual(page.consoleErrors, []);
    assert.deepEqual(page.foreignRequests, []);
    await page.context().close();
  });

  await test('a bad upload shows its error next to the upload control and changes nothing', async () => {
    const page = await open();
    await dataReady(page);
    const before = await dataPixels(page);
    const good = readFileSync(`${root}data/curve_history_hist.csv`, 'utf8').split('\n');
    const bad = [good[0], good[1].replace(/,57190823,/, ',57.19,'), good[2]].join('\n');
    await page.setInputFiles('#upload-curve', { name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.waitForFunction(() => document.getElementById('err-upload').textContent.length > 0);
    assert.equal(await page.textContent('#err-upload'),
      "broken.csv: line 2, column 'peg_multiplier_before': '57.19' is not an integer: raw Drift fields are fixed-point integers (already converted?)");
    assert.equal(await page.getAttribute('#upload-curve', 'aria-invalid'), 'true');
    const inRow = await page.evaluate(() => document.getElementById('err-upload').parentElement.contains(document.getElementById('upload-curve')));
    assert.ok(inRow);
    assert.equal(await dataPixels(page), before);
    assert.match(await page.textContent('#data-source'), /Bundled/);
    await page.setInputFiles('#upload-curve', { name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.from('') });
    await page.waitForFunction(() => document.getElementById('err-upload').textContent.startsWith('empty.csv'));
    assert.equal(await page.textContent('#err-upload'), 'empty.csv: the file is empty');
    // The simulator keeps working.
    await page.click('#step');
    assert.equal((await stats(page)).total_steps, 1);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('a good upload updates the charts and tables', async () => {
    const page = await open();
    await dataReady(page);
    const before = await dataPixels(page);
    const lines = readFileSync(`${root}data/curve_history_hist.csv`, 'utf8').trim().split('\n');
    const subset = lines.slice(0, 201).join('\n') + '\n';
    const draws = await page.evaluate(() => window.dammLab.dataDraws);
    await page.setInputFiles('#upload-curve', { name: 'first-200.csv', mimeType: 'text/csv', buffer: Buffer.from(subset) });
    await page.waitForFunction((n) => window.dammLab.dataDraws > n, draws);
    assert.match(await page.textContent('#data-source'), /first-200\.csv/);
    assert.equal(await page.textContent('#err-upload'), '');
    assert.notEqual(await dataPixels(page), before);
    assert.doesNotMatch(await page.textContent('#classify-title'), /333 events/);
    await page.click('#data-bundled');
    await page.waitForFunction(() => /333 events/.test(document.getElementById('classify-title').textContent));
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  /** Sets the speed select (steps per second; '0' = max). */
  const speed = (page, v) => page.selectOption('#speed', v);
  /** Milliseconds between `n` + 1 animation frames, measured in the page. */
  const frameIntervals = (page, n) => page.evaluate((k) => new Promise((resolve) => {
    const t = [];
    const f = (now) => {
      t.push(now);
      if (t.length > k) resolve(t.slice(1).map((x, i) => x - t[i]));
      else requestAnimationFrame(f);
    };
    requestAnimationFrame(f);
  }), n);
  const quantile = (xs, q) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))];
  };
  const round = (x, d = 1) => Number(x.toFixed(d));

  await test('the page stays responsive while the worker trains at max', async () => {
    const page = await open();
    await speed(page, '0');
    await page.click('#play');
    await page.waitForFunction(() => window.dammLab.shown.episode >= 50);
    const draws0 = await page.evaluate(() => window.dammLab.draws);
    // Tasks of the UI thread longer than 50 ms while the frames are measured.
    await page.evaluate(() => {
      /** @type {number[]} */
      const long = [];
      Object.assign(window, { longTasksMs: long });
      new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(e.duration); }).observe({ type: 'longtask' });
    });
    const frames0 = await page.evaluate(() => window.dammLab.frames);
    const t0 = Date.now();
    const dt = await frameIntervals(page, 360);
    const seconds = (Date.now() - t0) / 1000;
    const draws = (await page.evaluate(() => window.dammLab.draws)) - draws0;
    // The UI thread's own work per frame (loop.js: the frame callback with its drawing,
    // plus decoding the frames the worker posted), over the same frames. The interval
    // between frames sits on the display's vsync (16.7 ms at 60 Hz) whatever the work, so
    // the work is the figure the 16.7 ms target is about.
    const { work, long } = await page.evaluate((n) => ({
      work: window.dammLab.frameWorkMs.slice(-Math.min(n, window.dammLab.frameWorkMs.length)),
      long: /** @type {any} */ (window).longTasksMs,
    }), (await page.evaluate(() => window.dammLab.frames)) - frames0);
    const p95 = quantile(dt, 0.95);
    const work95 = quantile(work, 0.95);
    measurements.frame_interval_ms_at_max = { frames: dt.length, p50: round(quantile(dt, 0.5)), p95: round(p95), max: round(Math.max(...dt)) };
    measurements.frame_work_ms_at_max = { frames: work.length, p50: round(quantile(work, 0.5), 2), p95: round(work95, 2), max: round(Math.max(...work), 2), long_tasks: long.length, long_task_max_ms: round(Math.max(0, ...long)) };
    measurements.redraws_per_second_at_max = round(draws / seconds);
    console.log(JSON.stringify({ measure: 'frame_interval_at_max', frames: dt.length, p50_ms: round(quantile(dt, 0.5)), p95_ms: round(p95), max_ms: round(Math.max(...dt)), redraws_per_second: round(draws / seconds) }));
    console.log(JSON.stringify({ measure: 'frame_work_at_max', ...measurements.frame_work_ms_at_max, target_p95_ms: 16.7 }));
    assert.ok(p95 <= 50, `95th percentile frame interval ${p95} ms > 50 ms`);
    assert.ok(work.length >= 300, `only ${work.length} frames of UI-thread work measured`);
    assert.ok(work95 <= 16.7, `95th percentile UI-thread work per frame ${work95} ms > 16.7 ms`);
    assert.ok(draws > 10, `only ${draws} redraws while training`);
    // Keyboard input is handled at once: space pauses.
    await page.focus('body');
    await page.keyboard.press('Space');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test("training speed at max in the page vs the worker's raw advance speed", async () => {
    const page = await open();
    await speed(page, '0');
    // Alternating rounds, so both see the same load on a shared machine: the page playing
    // at max for 1.5 s (steps as the worker counts them, over the page's wall time), then
    // the raw speed: a fresh run of the same config, `advance` in a loop, nothing else.
    let [pageSteps, pageMs, rawSteps, rawMs, trainMs] = [0, 0, 0, 0, 0];
    for (let round = 0; round < 3; round++) {
      const s0 = await stats(page);
      const c0 = await call(page, 'counters');
      const t0 = await page.evaluate(() => performance.now());
      await page.click('#play');
      await page.waitForTimeout(1500);
      await page.click('#play');
      const s1 = await stats(page);
      const t1 = await page.evaluate(() => performance.now());
      const c1 = await call(page, 'counters');
      pageSteps += s1.total_steps - s0.total_steps;
      pageMs += t1 - t0;
      trainMs += c1.trainMs - c0.trainMs;
      const raw = await call(page, 'bench', { ms: 1500 }, 10000);
      rawSteps += raw.steps;
      rawMs += raw.ms;
    }
    const pageRate = (pageSteps * 1000) / pageMs;
    const rawRate = (rawSteps * 1000) / rawMs;
    const ratio = pageRate / rawRate;
    // The share of the wall time the worker spent in `advance` (the rest: answering the
    // page, building frames, and the pauses between rounds).
    const duty = trainMs / pageMs;
    measurements.steps_per_second_page_at_max = Math.round(pageRate);
    measurements.steps_per_second_worker_raw = Math.round(rawRate);
    measurements.page_to_raw_speed_ratio = round(ratio, 3);
    measurements.worker_training_duty = round(duty, 3);
    console.log(JSON.stringify({ measure: 'training_speed', page_steps_per_s: Math.round(pageRate), raw_steps_per_s: Math.round(rawRate), ratio: round(ratio, 3), target_ratio: 0.8, worker_time_in_advance_share: round(duty, 3), steps_per_s_inside_slices: Math.round((pageSteps * 1000) / trainMs) }));
    assert.ok(ratio > 0.3, `the page trains at ${ratio} of the raw speed`);
    // The page's history, joined from the frames' tails, is the worker's.
    await page.evaluate(() => window.dammLab.api.settled());
    const [mine, theirs] = await page.evaluate(async () => [window.dammLab.viewer.snapshot().history, (await window.dammLab.api.call('snapshot')).history]);
    assert.ok(theirs.episode_return.length > 100);
    assert.deepEqual(mine, theirs);
    const p = await page.evaluate(() => window.dammLab.posts);
    measurements.frame_posts = { frames: p.frames, mean_bytes: Math.round(p.bytes / p.frames), max_bytes: p.maxBytes, whole_history_frames: p.whole, whole_mean_bytes: Math.round(p.wholeBytes / Math.max(1, p.whole)) };
    console.log(JSON.stringify({ measure: 'frame_posts', ...measurements.frame_posts }));
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('the default 40,000 episodes train in the page at max', async () => {
    const page = await open();
    await speed(page, '0');
    const ms = await page.evaluate(() => new Promise((resolve) => {
      const t0 = performance.now();
      document.getElementById('play').click();
      const f = () => {
        const s = window.dammLab.shown;
        if (s && s.episode >= 40000) resolve(performance.now() - t0);
        else requestAnimationFrame(f);
      };
      requestAnimationFrame(f);
    }));
    await page.click('#play');
    // The same 40,000 episodes in one request: the worker's raw time.
    await call(page, 'reset');
    const raw = await page.evaluate(async () => {
      const t0 = performance.now();
      await window.dammLab.api.call('episodes', { n: 40000 }, 60000);
      return performance.now() - t0;
    });
    measurements.page_40k_episodes_ms = Math.round(ms);
    measurements.worker_40k_episodes_raw_ms = Math.round(raw);
    console.log(JSON.stringify({ measure: '40k_episodes', page_ms: Math.round(ms), raw_ms: Math.round(raw), target_ms: 2000 }));
    assert.ok(ms < 60000);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('the watchdog restarts a hung or crashed worker and keeps the settings', async () => {
    const page = await open('learn.discount=0.85&seed=77', undefined, '?test-hooks');
    await page.click('#play');
    await page.waitForFunction(() => window.dammLab.shown.episode >= 3);
    const t0 = Date.now();
    await page.evaluate(() => { window.dammLab.api.hang(); });
    const note = page.locator('#worker-error');
    await note.waitFor({ state: 'visible', timeout: 10000 });
    measurements.watchdog_restart_ms = Date.now() - t0;
    console.log(JSON.stringify({ measure: 'watchdog', hang_to_restart_ms: measurements.watchdog_restart_ms, deadline_ms: 2000 }));
    assert.equal(await note.textContent(), 'The training worker stopped responding and was restarted; your settings were kept.');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
    // The new worker runs the same config from the start.
    await page.waitForFunction(() => window.dammLab.shown && window.dammLab.shown.total_steps === 0);
    assert.match(await hashOf(page), /learn\.discount=0\.85/);
    assert.match(await hashOf(page), /seed=77/);
    assert.equal((await call(page, 'values'))['learn.discount'], 0.85);
    await page.click('#step');
    await page.waitForFunction(() => window.dammLab.shown.total_steps === 1);
    // A crash (the worker's error event) is handled the same way.
    await page.evaluate(() => { document.getElementById('worker-error').hidden = true; });
    await page.click('#play');
    await page.evaluate(() => window.dammLab.api.crash());
    await note.waitFor({ state: 'visible', timeout: 10000 });
    assert.equal(await page.evaluate(() => window.dammLab.restarts), 2);
    await page.click('#episode');
    await page.waitForFunction(() => window.dammLab.shown.episode === 1 && window.dammLab.shown.step === 0);
    assert.equal((await call(page, 'values'))['learn.discount'], 0.85);
    // Without ?test-hooks the worker refuses the debug requests.
    const plain = await open();
    assert.match(await plain.evaluate(() => window.dammLab.api.call('__hang').catch((e) => e.message)), /unknown request __hang/);
    await plain.context().close();
    await page.context().close();
  });

  await test('a parameter change while playing applies, and an error shows beside its control', async () => {
    const page = await open();
    await page.click('#play');
    await page.waitForFunction(() => window.dammLab.shown.episode >= 3);
    await page.fill('#num-learn-discount', '0.85');
    await page.press('#num-learn-discount', 'Enter');
    await page.waitForFunction(() => location.hash.includes('learn.discount=0.85'));
    assert.equal((await call(page, 'values'))['learn.discount'], 0.85);
    // The run restarted with the new value and keeps training.
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'true');
    await page.waitForFunction(() => window.dammLab.shown.episode >= 3);
    const hash = await hashOf(page);
    await page.fill('#num-learn-discount', '1.5');
    await page.press('#num-learn-discount', 'Enter');
    await page.waitForFunction(() => document.getElementById('err-learn-discount').textContent !== '');
    assert.equal(await page.textContent('#err-learn-discount'), 'learn.discount = 1.5: must be in [0, 1)');
    assert.equal(await page.getAttribute('#num-learn-discount', 'aria-invalid'), 'true');
    assert.equal(await hashOf(page), hash);
    // The run is kept and still trains.
    const before = (await stats(page)).total_steps;
    await page.waitForFunction((t) => window.dammLab.shown.total_steps > t + 1000, before);
    assert.equal((await call(page, 'values'))['learn.discount'], 0.85);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('screenshot of the page at default settings after 200 training episodes', async () => {
    const page = await open('', { width: 1400, height: 1000 });
    await episodes(page, 200);
    await call(page, 'qstar');
    await page.evaluate(() => window.dammLab.api.settled());
    await dataReady(page);
    await page.waitForTimeout(200);
    mkdirSync(`${root}test-results`, { recursive: true });
    await page.screenshot({ path: `${root}test-results/screenshot.png`, fullPage: true });
    if (process.env.UPDATE_DOCS === '1') {
      mkdirSync(`${root}docs`, { recursive: true });
      await page.screenshot({ path: `${root}docs/screenshot.png`, fullPage: true });
    }
    assert.ok(statSync(`${root}test-results/screenshot.png`).size > 10000);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });
  // ---- Reliability and security (docs/hostile-inputs.md rows 81–94). ----

  /** The page-control rows of docs/hostile-inputs.md: [path, typed text, the engine's message]. */
  const HOSTILE_CONTROLS = [
    ['learn.discount', '1.5', 'learn.discount = 1.5: must be in [0, 1)'],
    ['market.sqrt_k', '1e300', 'market.sqrt_k = 1e300: must be in [10, 1000000000000]'],
    ['market.peg', '1e-300', 'market.peg = 1e-300: must be in [0.0001, 10000000]'],
    ['market.peg', '0', 'market.peg = 0: must be in [0.0001, 10000000]'],
    ['mdp.k_levels', '4', 'mdp.k_levels = 4: must be an odd integer in [1, 15]'],
    ['mdp.episode_len', '0', 'mdp.episode_len = 0: must be an integer in [1, 100000]'],
    ['seed', '-1', 'seed = -1: must be an integer in [0, 4294967295]'],
    // A number input holds '' for text that is not a number.
    ['traders.informed_prob', 'abc', "traders.informed_prob = '': not a number"],
    ['traders.uninformed_prob', '-0.5', 'traders.uninformed_prob = -0.5: must be in [0, 1]'],
    ['mdp.imbalance_bins', '65', 'mdp.imbalance_bins = 65: must be an integer in [1, 64]'],
    ['mdp.kappa', '0.5', 'mdp.kappa = 0.5: k down would cut √k by more than market.rules.min_k_ratio allows'],
    ['learn.alpha', '0', 'learn.alpha = 0: must be in [0.000001, 1]'],
    ['mdp.overhead', '1e10', 'mdp.overhead = 10000000000: must be in [0, 1000000000]'],
  ];
  const runState = async (page) => ({
    hash: await hashOf(page),
    values: await call(page, 'values'),
    steps: (await stats(page)).total_steps,
  });

  await test('hostile values typed into the page controls show the engine\'s message and leave the run unchanged', async () => {
    const page = await open('seed=5&learn.discount=0.8');
    await page.click('#step');
    await page.click('#step');
    const before = await runState(page);
    for (const [path, text, expected] of HOSTILE_CONTROLS) {
      const id = path.replace(/\./g, '-');
      if (Number.isNaN(Number(text))) {
        // Playwright refuses to type text into a number input; set it as a user's paste would.
        await page.evaluate(([sel, t]) => {
          const el = document.querySelector(sel);
          el.focus();
          el.value = t;
          el.dispatchEvent(new Event('change', { bubbles: true }));
        }, [`#num-${id}`, text]);
      } else {
        await page.fill(`#num-${id}`, text);
        await page.press(`#num-${id}`, 'Enter');
      }
      await page.waitForFunction(([i, m]) => document.getElementById(`err-${i}`).textContent === m, [id, expected], { timeout: 5000 })
        .catch(async () => assert.equal(await page.textContent(`#err-${id}`), expected, `${path} ← ${text}`));
      assert.equal(await page.getAttribute(`#num-${id}`, 'aria-invalid'), 'true', path);
      const after = await runState(page);
      assert.deepEqual(after, before, `${path} ← ${text} changed the run`);
    }
    assert.deepEqual(page.consoleErrors, []);
    assert.equal(await page.locator('#panic').isHidden(), true);
    await page.context().close();
  });

  await test('a discount a hair below 1 no longer freezes the page', async () => {
    const page = await open();
    await page.fill('#num-learn-discount', '0.9999999999');
    await page.press('#num-learn-discount', 'Enter');
    await page.waitForFunction(() => location.hash.includes('learn.discount=0.9999999999'));
    assert.equal(await page.textContent('#err-learn-discount'), '');
    // 200 episodes cross two Q* computations (every 100), then one more on demand.
    // In the worker: 200 episodes cross two Q* computations (every 100), then one more on
    // demand; the page stays responsive meanwhile.
    const ms = await page.evaluate(async () => {
      const t0 = performance.now();
      await window.dammLab.api.call('episodes', { n: 200 }, 15000);
      await window.dammLab.api.call('qstar', {}, 15000);
      return performance.now() - t0;
    });
    measurements.hair_below_one_200_episodes_and_qstar_ms = Math.round(ms);
    assert.ok(ms < 15000, `200 episodes and Q* took ${ms} ms`);
    await page.evaluate(() => window.dammLab.api.settled());
    assert.equal((await stats(page)).episode, 200);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('the Content-Security-Policy refuses an injected inline script', async () => {
    const page = await open();
    const outcome = await page.evaluate(async () => {
      const violations = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
      window.__inlineRan = false;
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true;';
      document.body.appendChild(s);
      // An inline event handler is inline script too.
      const img = document.createElement('img');
      img.setAttribute('onerror', 'window.__inlineRan = true;');
      img.src = 'data:,not-an-image';
      document.body.appendChild(img);
      await new Promise((r) => setTimeout(r, 300));
      return { ran: window.__inlineRan, violations };
    });
    assert.equal(outcome.ran, false, 'an inline script ran');
    assert.ok(outcome.violations.some((d) => d.startsWith('script-src')), JSON.stringify(outcome.violations));
    // CSP violations are reported on the console; only those are expected.
    assert.ok(page.consoleErrors.every((m) => /Content Security Policy/.test(m)), page.consoleErrors.join('\n'));
    await page.context().close();
  });

  /** Records every request a page makes (URL, method, body) from before navigation. */
  async function openRecording(hash = '') {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    const page = await context.newPage();
    page.requests = [];
    page.consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') page.consoleErrors.push(m.text()); });
    page.on('request', (r) => page.requests.push({ url: r.url(), method: r.method(), body: r.postData() || '' }));
    await page.goto(base + (hash ? `#${hash}` : ''));
    await page.waitForFunction(() => window.dammLab && window.dammLab.draws > 0, null, { timeout: 15000 });
    return page;
  }
  const origin = new URL(base).origin;
  const offOrigin = (reqs) => reqs.filter((r) => {
    const u = new URL(r.url);
    return !['data:', 'blob:'].includes(u.protocol) && u.origin !== origin;
  });

  await test('a full session makes zero off-origin requests', async () => {
    const page = await openRecording('seed=3');
    await page.click('#play');
    await page.waitForFunction(() => window.dammLab.shown && window.dammLab.shown.episode >= 3, null, { timeout: 30000 });
    await page.click('#play');
    await page.click('#step');
    await page.click('#episode');
    await page.fill('#num-traders-informed_prob', '0.7');
    await page.press('#num-traders-informed_prob', 'Enter');
    await page.waitForFunction(() => location.hash.includes('informed_prob=0.7'));
    await page.selectOption('#preset', 'paper');
    await page.waitForFunction(() => location.hash.includes('preset=paper'));
    await page.click('#copy-link');
    await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    await Promise.all([page.waitForEvent('download'), page.click('figure[data-chart="prices"] button.png')]);
    await page.waitForFunction(() => window.dammLab.dataDraws > 0, null, { timeout: 30000 });
    await page.selectOption('#data-market', '2');
    await page.click('#reset');
    await page.waitForTimeout(300);
    assert.ok(page.requests.length > 3, `only ${page.requests.length} requests recorded`);
    assert.deepEqual(offOrigin(page.requests), []);
    assert.deepEqual(page.requests.filter((r) => r.method !== 'GET'), []);
    measurements.session_requests = page.requests.length;
    await page.context().close();
  });

  await test('an uploaded CSV never leaves the page', async () => {
    const page = await openRecording();
    await page.waitForFunction(() => window.dammLab.dataDraws > 0, null, { timeout: 30000 });
    const marker = 'UPLOAD-MARKER-5d1c9e';
    const lines = readFileSync(`${root}data/curve_history_hist.csv`, 'utf8').trim().split('\n');
    // The first (unnamed) column is a row label the import does not read: the marker rides there.
    const marked = [lines[0], ...lines.slice(1, 201).map((l) => marker + l.slice(l.indexOf(',')))].join('\n') + '\n';
    const seen = page.requests.length;
    const draws = await page.evaluate(() => window.dammLab.dataDraws);
    await page.setInputFiles('#upload-curve', { name: 'marked.csv', mimeType: 'text/csv', buffer: Buffer.from(marked) });
    await page.waitForFunction((n) => window.dammLab.dataDraws > n, draws, { timeout: 30000 });
    assert.match(await page.textContent('#data-source'), /marked\.csv/);
    // A bad upload of the same marker too.
    await page.setInputFiles('#upload-curve', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(`${marker}\n1,2\n`) });
    await page.waitForFunction(() => document.getElementById('err-upload').textContent.startsWith('bad.csv'));
    await page.click('#step');
    await page.waitForTimeout(500);
    const after = page.requests.slice(seen);
    const leaks = page.requests.filter((r) => r.url.includes(marker) || r.body.includes(marker));
    assert.deepEqual(leaks, [], 'a request carried the upload');
    assert.deepEqual(after.filter((r) => r.method !== 'GET' || r.body), [], 'a request with a body after the upload');
    // Anything fetched after the upload is a same-origin static file.
    const staticFile = (r) => new URL(r.url).origin === origin && /\.(js|wasm|csv|css|html|png|svg|ico)$|\/$/.test(new URL(r.url).pathname);
    assert.deepEqual(after.filter((r) => !['data:', 'blob:'].includes(new URL(r.url).protocol) && !staticFile(r)), []);
    assert.deepEqual(offOrigin(page.requests), []);
    await page.context().close();
  });

  const suites = readdirSync(new URL('./suites/', import.meta.url)).filter((f) => f.endsWith('.mjs')).sort();
  for (const f of suites) {
    const suite = await import(new URL(`./suites/${f}`, import.meta.url).href);
    await suite.default(h);
  }
} finally {
  await browser.close();
  server.kill();
}

const wasm = readFileSync(`${root}www/pkg/damm_bg.wasm`);
measurements.wasm_bytes = wasm.length;
measurements.wasm_gzip_bytes = gzipSync(wasm, { level: 9 }).length;
console.log('\nmeasurements:', JSON.stringify(measurements, null, 1));
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
