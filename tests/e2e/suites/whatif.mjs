// The what-if panels (www/js/whatif/) in real Chromium, against the native CLI: the
// evaluation panel equals `damm eval --url` to the last digit, a 3×3 sweep equals
// `damm sweep` (rows and CSV), the state inspector equals `damm train`'s Q, Q* and visits,
// the replay of one seed equals `damm eval` on that single seed, pins survive a reload with
// their recomputed history equal to `damm train`'s, and a 10×10 sweep's time and the
// page's frame intervals while it runs (printed; reduced to 2,000 training episodes per
// point unless E2E_FULL_SWEEP=1, which runs it at the defaults). Each panel's screenshot
// goes to test-results/ (and docs/ with UPDATE_DOCS=1).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

/** The release CLI's JSON output for `args`. */
function damm(root, args) {
  const out = execFileSync('cargo', ['run', '-q', '--release', '--bin', 'damm', '--', ...args], { cwd: root, maxBuffer: 256 << 20 });
  return JSON.parse(out.toString());
}

/** Screenshots of one panel into test-results/ (and docs/ with UPDATE_DOCS=1). */
async function shoot(h, page, selector, name) {
  mkdirSync(`${h.root}test-results`, { recursive: true });
  const el = page.locator(selector);
  await el.scrollIntoViewIfNeeded();
  await el.screenshot({ path: `${h.root}test-results/${name}.png` });
  if (process.env.UPDATE_DOCS === '1') await el.screenshot({ path: `${h.root}docs/${name}.png` });
}

/** Milliseconds between animation frames until the predicate `src` (its source) is true. */
const framesUntil = (page, fnSource) => page.evaluate((src) => new Promise((resolve) => {
  const done = new Function(`return (${src})`)();
  const t = [];
  const f = (now) => {
    t.push(now);
    if (done()) resolve(t.slice(1).map((x, i) => x - t[i]));
    else requestAnimationFrame(f);
  };
  requestAnimationFrame(f);
}), fnSource);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

export default async function whatif(h) {
  const { test, open, call, hashOf, episodes, measurements, root } = h;

  await test('whatif: the evaluation panel equals damm eval --url to the last digit', async () => {
    // With a small yardstick (the best tabular policy) and more traders who close than the
    // default, both through the URL like any parameter.
    const page = await open('learn.episodes=1500&seed=21&eval.seeds=40&eval.yardstick_transitions=100000&traders.closing=0.3');
    const hash = await hashOf(page);
    const t0 = Date.now();
    await page.click('#eval-run');
    await page.waitForFunction(() => /^done/.test(document.getElementById('eval-status').textContent), null, { timeout: 120000 });
    measurements.whatif_eval_ms = Date.now() - t0;
    const report = await page.evaluate(() => window.dammLab.api.evalReport());
    const cli = damm(root, ['eval', '--url', hash]);
    assert.deepEqual(report, cli, 'the page\'s evaluation differs from damm eval --url');
    // The table shows those numbers (exactly, in data-value) for every policy.
    const cells = await page.$$eval('#eval-table tbody tr', (rows) => rows.map((r) => ({
      policy: r.dataset.policy, values: [...r.querySelectorAll('td[data-value]')].map((td) => Number(td.dataset.value)),
    })));
    assert.equal(cells.length, cli.policies.length);
    assert.equal(cli.config.traders.closing, 0.3);
    assert.ok(cli.policies.some((p) => p.policy === 'best_tabular'), 'the yardstick is evaluated');
    assert.ok(cli.learned_minus.best_tabular, 'learned − best tabular is reported in USD too');
    // The line under the table: the learned policy against the best tabular one, and the
    // engine's verdict on the interval.
    const t = cli.learned_vs_best_tabular;
    const pct = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}%`;
    const line = await page.textContent('#eval-yardstick');
    assert.ok(line.includes(`${pct(t.mean)} [${pct(t.lo)}, ${pct(t.hi)}]`), line);
    assert.equal(cli.near_best_tabular.holds, t.lo >= -cli.near_best_tabular.within);
    assert.match(line, cli.near_best_tabular.holds ? /within 2%/ : /more than 2% below/);
    for (const [i, p] of cli.policies.entries()) {
      assert.equal(cells[i].policy, p.policy);
      const d = cli.learned_minus[p.policy];
      const want = [p.net.mean, ...(d ? [d.mean] : []), p.fees.mean, p.costs.mean, p.funding.mean, p.overhead.mean, p.counterparty_pnl.mean, p.adjustments.mean];
      assert.deepEqual(cells[i].values, want, p.policy);
    }
    // Exports: the table as CSV (one row per policy) and JSON (the report).
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#eval-csv')]);
    const lines = readFileSync(await csv.path(), 'utf8').trim().split('\n');
    assert.equal(lines.length, 1 + cli.policies.length);
    assert.ok(lines[0].startsWith('policy,seeds,net_mean,net_lo,net_hi,'));
    assert.equal(Number(lines[1].split(',')[2]), cli.policies[0].net.mean);
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#eval-json')]);
    assert.deepEqual(JSON.parse(readFileSync(await json.path(), 'utf8')), cli);
    console.log(JSON.stringify({ measure: 'whatif_eval', ms: measurements.whatif_eval_ms, episodes: 1500, seeds: 40, policies: cli.policies.map((p) => [p.policy, p.net.mean]) }));
    await shoot(h, page, '#wi-eval', 'whatif-eval');
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('whatif: a 3x3 sweep in the page equals damm sweep for the same grid', async () => {
    const page = await open('learn.episodes=300&seed=3&eval.seeds=20');
    const base = await hashOf(page);
    await page.selectOption('#sweep-y-path', 'oracle.volatility');
    await page.fill('#sweep-y-values', '0.005,0.01,0.02');
    await page.selectOption('#sweep-x-path', 'traders.informed_prob');
    await page.fill('#sweep-x-values', '0:1:0.5');
    await page.click('#sweep-run');
    await page.waitForFunction(() => /^9 points in/.test(document.getElementById('sweep-status').textContent), null, { timeout: 300000 });
    const s = await page.evaluate(() => window.dammLab.api.sweepState());
    const dir = `${root}test-results`;
    mkdirSync(dir, { recursive: true });
    const cli = damm(root, ['sweep', '--url', base, '--grid', 'oracle.volatility=0.005,0.01,0.02', '--grid', 'traders.informed_prob=0:1:0.5', '--csv', `${dir}/whatif-sweep-cli.csv`]);
    assert.equal(s.base, cli.base);
    assert.deepEqual(s.grid, cli.grid);
    assert.deepEqual(s.rows, cli.rows, 'the page\'s sweep differs from damm sweep');
    // The CSV export is the CLI's CSV, byte for byte; the JSON export has the CLI's rows.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#sweep-csv')]);
    assert.equal(readFileSync(await csv.path(), 'utf8'), readFileSync(`${dir}/whatif-sweep-cli.csv`, 'utf8'));
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#sweep-json')]);
    assert.deepEqual(JSON.parse(readFileSync(await json.path(), 'utf8')).rows, cli.rows);
    // Hover: the tooltip names the point and its learned − best interval; the cell of
    // row j, column i is at ((i + ½)/3, 1 − (j + ½)/3) of the canvas.
    await page.locator('#chart-wi-sweep').scrollIntoViewIfNeeded();
    const box = await page.locator('#chart-wi-sweep').boundingBox();
    const at = (i, j) => [box.x + ((i + 0.5) / 3) * box.width, box.y + (1 - (j + 0.5) / 3) * box.height];
    await page.mouse.move(...at(2, 1));
    const row = cli.rows[1 * 3 + 2];
    await page.waitForFunction(() => !document.getElementById('sweep-tip').hidden);
    const tip = await page.textContent('#sweep-tip');
    assert.ok(tip.includes('oracle.volatility = 0.01, traders.informed_prob = 1'), tip);
    const fmt1 = (v) => v.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    assert.ok(tip.includes(fmt1(row.learned_minus_best.mean)), tip);
    const d = row.learned_minus_best;
    assert.ok(tip.includes(d.lo > 0 || d.hi < 0 ? '(significant' : '(not significant)'), tip);
    await shoot(h, page, '#wi-sweep', 'whatif-sweep');
    // Click: that point's configuration is loaded.
    await page.mouse.click(...at(2, 1));
    await page.waitForFunction((u) => location.hash.replace(/^#/, '') === u, row.url);
    await page.waitForFunction(() => window.dammLab.values['traders.informed_prob'] === 1 && window.dammLab.values['oracle.volatility'] === 0.01);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('whatif: a sweep hands out its costliest points first, otherwise in grid order', async () => {
    const page = await open('learn.episodes=300');
    const order = await page.evaluate(async () => {
      const { pointOrder } = await import('./js/whatif/sweep-panel.js');
      const { sweepGrid } = await import('./pkg/damm.js');
      return {
        plain: pointOrder(sweepGrid(['oracle.volatility=0.005,0.01', 'traders.informed_prob=0:1:0.5'])),
        costly: pointOrder(sweepGrid(['oracle.volatility=0.005,0.01', 'learn.episodes=100,400,200'])),
        both: pointOrder(sweepGrid(['mdp.episode_len=10,30', 'learn.episodes=100,400'])),
      };
    });
    assert.deepEqual(order.plain, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(order.costly, [1, 4, 2, 5, 0, 3]);
    // Cost ∝ episodes × steps per episode: 30·400, then 10·400, 30·100 and 10·100.
    assert.deepEqual(order.both, [3, 1, 2, 0]);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('whatif: the state inspector shows damm train\'s Q, Q* and visits of the clicked cell', async () => {
    const hash0 = 'learn.episodes=120&seed=44&learn.qstar_every=0';
    const page = await open(hash0);
    const hash = await hashOf(page);
    await episodes(page, 120);
    await call(page, 'qstar');
    await page.evaluate(() => window.dammLab.api.settled());
    const snap = await call(page, 'snapshot');
    // A pixel of the live state's cell, by the engine's hit test of the chart's layout.
    const target = snap.state;
    await page.locator('#chart-qtable').scrollIntoViewIfNeeded();
    const pixel = await page.evaluate(async (s) => {
      const { qtableStateAt } = await import('/pkg/damm.js');
      const c = document.getElementById('chart-qtable');
      const dpr = window.devicePixelRatio || 1;
      const shape = Uint32Array.from(window.dammLab.viewer.snapshot().state_shape);
      for (let y = 2; y < c.height; y += 4) {
        for (let x = 2; x < c.width; x += 4) {
          if (qtableStateAt(shape, c.width, c.height, dpr, x, y) === s) {
            const r = c.getBoundingClientRect();
            return [r.left + (x * r.width) / c.width, r.top + (y * r.height) / c.height];
          }
        }
      }
      return null;
    }, target);
    assert.ok(pixel, 'no pixel of the live state\'s cell');
    await page.mouse.click(pixel[0], pixel[1]);
    await page.waitForFunction((s) => document.getElementById('inspect-state')?.textContent === String(s), target);
    const r = await page.evaluate(() => window.dammLab.api.inspect(Number(document.getElementById('inspect-state').textContent)));
    const cli = damm(root, ['train', '--url', hash]);
    const na = cli.action_names.length;
    assert.equal(r.actions.length, na);
    assert.equal(r.is_current, true);
    for (const a of r.actions) {
      assert.equal(a.q, cli.q[target * na + a.action], `Q of ${a.name}`);
      const qs = cli.q_star[target * na + a.action];
      assert.equal(a.q_star, qs === null ? null : qs, `Q* of ${a.name}`);
      assert.equal(a.visits, cli.visits[target * na + a.action], `visits of ${a.name}`);
      assert.equal(a.available_now, (snap.mask & (1 << a.action)) !== 0);
      if (!a.available_now) assert.ok(a.reason_now && a.reason_now.length > 5, `no reason for ${a.name}`);
      const p = a.next.reduce((x, n) => x + n.probability, 0);
      assert.ok(p <= 1 + 1e-12 && (a.visits === 0 || p > 0));
    }
    // The table shows Q exactly (data-value) per action.
    const shown = await page.$$eval('#inspect-table tbody tr', (rows) => rows.map((tr) => Number(tr.children[1].dataset.value)));
    assert.deepEqual(shown, r.actions.map((a) => a.q));
    measurements.whatif_inspected_state = target;
    await shoot(h, page, '#wi-inspect', 'whatif-inspect');
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('whatif: the replay of one seed equals damm eval on that single seed', async () => {
    const page = await open('learn.episodes=200&seed=8&eval.seeds=1&eval.first_seed=777&learn.qstar_every=0');
    const hash = await hashOf(page);
    await episodes(page, 200);
    await page.fill('#replay-seed', '777');
    await page.click('#replay-run');
    await page.waitForFunction(() => document.getElementById('replay-step-label').textContent.startsWith('0 /'));
    await page.click('#replay-step');
    await page.waitForFunction(() => document.getElementById('replay-step-label').textContent.startsWith('1 /'));
    const tracks = await page.evaluate(() => window.dammLab.api.replay(777));
    const cli = damm(root, ['eval', '--url', hash]);
    const len = tracks[0].steps.length - 1;
    assert.equal(len, cli.config.mdp.episode_len);
    assert.deepEqual(tracks.map((t) => t.policy), cli.policies.map((p) => p.policy));
    for (const t of tracks) {
      const p = cli.policies.find((x) => x.policy === t.policy);
      assert.equal(t.cumulative[len], p.net.mean, `${t.policy}: replayed money`);
      assert.equal(t.steps.slice(1).filter((s) => s.adjusted).length, p.adjustments.mean, `${t.policy}: adjustments`);
      assert.deepEqual(t.steps.map((s) => s.oracle), tracks[0].steps.map((s) => s.oracle), 'the oracle path differs');
    }
    assert.equal(await page.evaluate((n) => window.dammLab.api.replayShow(n), len), len);
    const money = await page.$$eval('#replay-table tbody tr', (rows) => rows.map((tr) => Number(tr.children[4].dataset.value)));
    assert.deepEqual(money, cli.policies.map((p) => p.net.mean));
    measurements.whatif_replay_seed_777 = Object.fromEntries(cli.policies.map((p) => [p.policy, p.net.mean]));
    await shoot(h, page, '#wi-replay', 'whatif-replay');
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('whatif: pinned runs survive a reload, overlay in their colours and show their config diff', async () => {
    const page = await open('learn.episodes=400&seed=31&learn.qstar_every=5');
    const hashA = await hashOf(page);
    await episodes(page, 30);
    await page.click('#pin-run');
    await page.waitForFunction(() => document.querySelectorAll('#pin-list li').length === 1);
    await page.fill('#num-seed', '32');
    await page.press('#num-seed', 'Enter');
    await page.waitForFunction(() => location.hash.includes('seed=32'));
    await episodes(page, 20);
    await page.evaluate(() => window.dammLab.api.pin());
    await page.reload();
    await page.waitForFunction(() => window.dammLab && window.dammLab.draws > 0 && document.querySelectorAll('#pin-list li').length === 2);
    await page.evaluate(() => window.dammLab.api.refreshPins());
    const p = await page.evaluate(() => window.dammLab.api.pins());
    assert.equal(p.pins.length, 2);
    assert.equal(p.pins[0].hash, hashA);
    assert.deepEqual([p.pins[0].episodes, p.pins[1].episodes], [30, 20]);
    const cli = damm(root, ['train', '--url', hashA, '--episodes', '30']);
    assert.deepEqual(p.runs[0].history.episode_return, cli.history.episode_return, 'the recomputed pin differs from damm train');
    assert.deepEqual(p.diffs[0].map((d) => [d.path, d.pinned, d.current]), [['seed', 31, 32]]);
    assert.deepEqual(p.diffs[1], []);
    assert.match(await page.textContent('#pin-list li[data-pin="0"]'), /seed: 31 \(this run 32\)/);
    // A third pin is taken, a fourth refused.
    await episodes(page, 25);
    await page.evaluate(() => window.dammLab.api.pin());
    assert.equal(await page.locator('#pin-run').isDisabled(), true);
    await assert.rejects(page.evaluate(() => window.dammLab.api.pin()));
    await page.waitForTimeout(1200);
    await shoot(h, page, '#wi-compare', 'whatif-compare');
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('whatif: a bad sweep range shows the engine\'s message, and a sweep can be cancelled', async () => {
    const page = await open('learn.episodes=3000');
    await page.selectOption('#sweep-x-path', 'traders.informed_prob');
    await page.fill('#sweep-x-values', '0:2:0.5');
    await page.click('#sweep-run');
    await page.waitForFunction(() => document.getElementById('sweep-error').textContent.includes('traders.informed_prob'));
    assert.match(await page.textContent('#sweep-error'), /traders\.informed_prob = 1\.5/);
    await page.fill('#sweep-x-values', '0:1:0.25');
    await page.click('#sweep-run');
    await page.waitForFunction(() => /^[1-9]\d* \/ 15 points/.test(document.getElementById('sweep-status').textContent), null, { timeout: 120000 });
    await page.click('#sweep-cancel');
    await page.waitForFunction(() => /^stopped after \d+ \/ 15 points/.test(document.getElementById('sweep-status').textContent));
    const before = (await page.evaluate(() => window.dammLab.api.sweepState())).rows.filter((r) => r).length;
    assert.ok(before < 15);
    await page.waitForTimeout(1500);
    const after = (await page.evaluate(() => window.dammLab.api.sweepState())).rows.filter((r) => r).length;
    assert.equal(after, before, 'points kept arriving after cancel');
    assert.equal(await page.locator('#sweep-cancel').isDisabled(), true);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('whatif: a 10x10 sweep finishes and the page stays responsive while it runs', async () => {
    const full = process.env.E2E_FULL_SWEEP === '1';
    const page = await open(full ? '' : 'learn.episodes=2000');
    // The page's frame intervals without a sweep first, on the same machine and load.
    const idle = await framesUntil(page, `(() => { const t0 = performance.now(); return () => performance.now() - t0 > 3000; })()`);
    await page.evaluate(() => {
      window.__sweep = window.dammLab.api.sweep('oracle.volatility=0.002:0.02:0.002', 'traders.informed_prob=0.05:0.95:0.1');
      window.__sweep.then((r) => { window.__sweepDone = r; }, (e) => { window.__sweepDone = { error: String(e) }; });
    });
    const dt = await framesUntil(page, '() => Boolean(window.__sweepDone)');
    const r = await page.evaluate(() => window.__sweepDone);
    assert.ok(!r.error, r.error);
    assert.equal(r.rows.length, 100);
    const round = (x) => Number(x.toFixed(1));
    const m = { episodes_per_point: full ? 40000 : 2000, points: 100, workers: r.workers, seconds: round(r.ms / 1000), frames: dt.length, p50_ms: round(quantile(dt, 0.5)), p95_ms: round(quantile(dt, 0.95)), max_ms: round(Math.max(...dt)), idle_p95_ms: round(quantile(idle, 0.95)), target_p95_ms: 16.7, target_seconds_at_defaults: 60 };
    measurements.whatif_sweep_10x10 = m;
    console.log(JSON.stringify({ measure: 'whatif_sweep_10x10', ...m }));
    // The target is 16.7 ms (printed); on the shared 2-core CI machine the workers take both
    // cores, so the assertion only catches a page that stalls.
    assert.ok(quantile(dt, 0.95) <= 100, `95th percentile frame interval ${quantile(dt, 0.95)} ms > 100 ms`);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });
}
