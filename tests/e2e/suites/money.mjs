// Where the money goes, the arbitrageur and the living curve, in real Chromium:
// - the numbers beside the stacked "split" chart equal the engine's: each term is the sum of
//   the worker's trajectory CSV column bit for bit, and the net equals the episode's return
//   (within 1e-9 relative; the same additions in another order);
// - the arbitrageur's loss and its LVR reference are shown when it is on;
// - the living curve animates a trade, a repeg and a k change (the phase runs from 0 to 1
//   over several frames, the engine's text and cost are shown), and with
//   prefers-reduced-motion it jumps to the end state;
// - the engine's palette reaches the HTML legends as CSS variables.
import assert from 'node:assert/strict';

/** CSV columns of each split term (`src/session/rollout.rs`), with the sign the term uses. */
const COLUMNS = {
  'fees from uninformed traders': ['fee_uninformed', 1],
  'fees from informed traders': ['fee_informed', 1],
  'fees from the arbitrageur': ['fee_arbitrageur', 1],
  'funding received': ['funding_received', 1],
  'funding paid': ['funding_paid', 1],
  'adjustment costs': ['adjustment_cost', -1],
  overhead: ['overhead', -1],
  'counterparty PnL at the oracle': ['counterparty_pnl', 1],
  informed_loss: ['informed_loss', 1],
  arbitrageur_loss: ['arbitrageur_loss', 1],
  lvr_reference: ['lvr_reference', 1],
};

/** Column sums of a trajectory CSV, in row order (as the engine sums them). */
function columnSums(csv) {
  const [head, ...rows] = csv.trim().split('\n');
  const names = head.split(',');
  const sums = Object.fromEntries(names.map((n) => [n, 0]));
  for (const row of rows) {
    row.split(',').forEach((cell, i) => {
      const v = Number(cell);
      if (Number.isFinite(v)) sums[names[i]] += v;
    });
  }
  return sums;
}

/** The numbers beside the split chart, by term (`data-term` → `data-value`). */
async function shownSplit(page) {
  await page.waitForSelector('#split-numbers [data-term="net"]');
  return page.$$eval('#split-numbers [data-term]', (els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-term'), Number(e.getAttribute('data-value'))])));
}

export default async function (h) {
  const { test, open, episodes, call, stats } = h;

  await test('money: the stacked split chart shows the engine\'s numbers, and they net to the episode return', async () => {
    // The books on the curve: every term counts in the net (the oracle valuation is below).
    const page = await open('seed=4&traders.arbitrageur=1&mdp.overhead=100&mdp.valuation=curve');
    await episodes(page, 2);
    const shown = await shownSplit(page);
    const sums = columnSums(await call(page, 'csv'));
    let compared = 0;
    for (const [term, value] of Object.entries(shown)) {
      if (term === 'net') continue;
      const [column, sign] = COLUMNS[term];
      assert.equal(value, sign * sums[column], `${term} vs Σ ${column}`);
      compared += 1;
    }
    assert.ok(compared >= 6, `only ${compared} terms shown`);
    const ret = (await stats(page)).last_return;
    assert.ok(Math.abs(shown.net - ret) <= 1e-9 * Math.abs(ret), `net ${shown.net} vs return ${ret}`);
    assert.ok(shown.arbitrageur_loss !== undefined && shown.lvr_reference > 0);
    assert.equal(await page.locator('#split-key i').count(), 9);
    // The legend's colours are the engine's palette.
    const blue = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--c-blue').trim());
    assert.equal(blue, '#0072b2');
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('money: with the books at the oracle the adjustment costs are a memo, and the net is still the return', async () => {
    const page = await open('seed=4');
    await episodes(page, 2);
    const shown = await shownSplit(page);
    const sums = columnSums(await call(page, 'csv'));
    assert.ok(sums.adjustment_cost !== 0, 'no adjustment in the episode: the check below is empty');
    assert.equal(shown['adjustment costs'], undefined, 'the adjustment costs are shown as a term of the net');
    assert.equal(shown.outside_reward, -sums.adjustment_cost);
    assert.equal(shown['counterparty PnL at the oracle'], sums.counterparty_pnl);
    const ret = (await stats(page)).last_return;
    assert.ok(Math.abs(shown.net - ret) <= 1e-9 * Math.abs(ret), `net ${shown.net} vs return ${ret}`);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('living curve: a trade, a repeg and a k change animate, with their costs beside the curve', async () => {
    const page = await open('seed=2');
    await episodes(page, 1);
    for (const kind of ['trade', 'repeg', 'k']) {
      await page.click(`#curve-anim-${kind}`);
      await page.waitForFunction((k) => window.dammLab.curveAnim && window.dammLab.curveAnim.kind === k, kind);
      const mid = await page.evaluate(() => ({ ...window.dammLab.curveAnim }));
      await page.waitForFunction(() => window.dammLab.curveAnim && window.dammLab.curveAnim.phase === 1, null, { timeout: 5000 });
      const end = await page.evaluate(() => ({ ...window.dammLab.curveAnim }));
      assert.ok(mid.phase < 1, `${kind}: started at phase ${mid.phase}`);
      assert.ok(end.frames >= 5, `${kind}: ${end.frames} frames`);
      const text = await page.textContent('#curve-move-text');
      assert.equal(text, end.text);
      assert.ok(Number.isFinite(end.cost));
      assert.match(text, kind === 'trade' ? /slippage/ : /Cost/);
    }
    // The board takes the curve back after the pause.
    await page.waitForFunction(() => window.dammLab.curveAnim === null, null, { timeout: 8000 });
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  await test('living curve: prefers-reduced-motion shows the end state at once', async () => {
    const context = await h.browser.newContext({ viewport: { width: 1400, height: 1000 }, reducedMotion: 'reduce' });
    const page = await context.newPage();
    await page.goto(h.base + '#seed=2');
    await page.waitForFunction(() => window.dammLab && window.dammLab.draws > 0, null, { timeout: 15000 });
    await page.click('#curve-anim-k');
    await page.waitForFunction(() => window.dammLab.curveAnim && window.dammLab.curveAnim.frames >= 1);
    const a = await page.evaluate(() => ({ ...window.dammLab.curveAnim }));
    assert.equal(a.phase, 1);
    assert.equal(a.frames, 1);
    await context.close();
  });
}
