// The e2e harness: a static server for www/ on 127.0.0.1, headless Chromium (Debian's
// /usr/bin/chromium via playwright-core), `test()` with a shared result list, and helpers
// that open the page and reach the training worker. Used by run.mjs and every file in
// tests/e2e/suites/. Not a test itself.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';

export const root = new URL('../../', import.meta.url).pathname;
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startServer(port) {
  const proc = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', '--directory', `${root}www`, String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // http.server logs every request on stderr: read it, or the pipe fills (64 KB, a few
  // hundred requests) and the server blocks mid-response.
  proc.stderr.resume();
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`);
      if (r.ok) return proc;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('http server did not start');
}

export const results = [];
export const measurements = {};
const FILTER = process.env.E2E_FILTER || '';
export async function test(name, fn) {
  if (FILTER && !name.includes(FILTER)) return;
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false, error: e });
    console.log(`FAIL ${name}\n     ${e.stack || e}`);
  }
}

const port = await freePort();
export const base = `http://127.0.0.1:${port}/`;
export const server = await startServer(port);
export const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });

/** Opens the page; records console errors and every request that leaves 127.0.0.1. */
export async function open(hash = '', viewport = { width: 1400, height: 1000 }, query = '') {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.consoleErrors = [];
  page.foreignRequests = [];
  page.on('console', (m) => { if (m.type() === 'error') page.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => page.consoleErrors.push(e.message));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['127.0.0.1'].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol)) page.foreignRequests.push(r.url());
  });
  await page.goto(base + query + (hash ? `#${hash}` : ''));
  await page.waitForFunction(() => window.dammLab && window.dammLab.draws > 0, null, { timeout: 15000 });
  return page;
}

export const stats = (page) => page.evaluate(() => window.dammLab.api.stats());
/** Any request to the training worker (www/js/worker.js lists them). */
export const call = (page, op, args = {}, deadline = undefined) => page.evaluate(([o, a, d]) => window.dammLab.api.call(o, a, d), [op, args, deadline]);
export const hashOf = (page) => page.evaluate(() => location.hash.replace(/^#/, ''));
/** A fingerprint of every chart's pixels. */
export const pixels = (page) => page.evaluate(async () => {
  await window.dammLab.api.settled();
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return [...document.querySelectorAll('canvas')].map((c) => c.toDataURL()).join('|');
});
export async function episodes(page, n) {
  await page.evaluate((k) => window.dammLab.api.episodes(k), n);
}
