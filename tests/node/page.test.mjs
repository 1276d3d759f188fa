// Opens the generated page in Chromium (through playwright-core) and checks that,
// on its own, it connects to the "aaa" gateway, sends every event of the spec with
// the lesson's example payloads, and logs acks and server events in three ways:
// console.log, the visible <ol id="log">, and window.gatesmithLog, whose entries are
// { gateway: 'aaa', kind: 'connect'|'disconnect'|'ack'|'event'|'connect_error',
//   event: <event name or null>, data: <data>, at: <ms since page load> }.
//
// Nothing may be loaded from any host but the gateway's own: such requests are
// blocked, recorded, and fail the run.
//
// Run with: GATESMITH_URL=http://127.0.0.1:PORT node --test page.test.mjs
// (CHROMIUM=/path/to/chromium overrides /usr/bin/chromium.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchPage } from './browser.mjs';

const URL_ = process.env.GATESMITH_URL;
if (!URL_) {
  throw new Error('GATESMITH_URL is not set (expected e.g. http://127.0.0.1:3000)');
}

/** Everything the page should have done must be in its log this long after load. */
const PAGE_BUDGET_MS = 8000;

const ACKS = {
  createAaa: 'This action adds a new aaa',
  findOneAaa: 'This action returns a #1 aaa',
  updateAaa: 'This action updates a #2 aaa',
  removeAaa: 'This action removes a #2 aaa',
};

// ---------------------------------------------------------------------------
// state shared by the tests: one browser, one page, everything it did

let browser;
let page;
let loadedAt; // Date.now() just before navigation
let response; // the navigation response
const consoleMessages = []; // { type, text, json } (json filled in asynchronously)
const consolePending = [];
const pageErrors = [];
const offHost = []; // requests/websockets to any host other than the gateway's
const requests = []; // every URL the page requested, for diagnostics

// ---------------------------------------------------------------------------
// helpers

const show = (v) => {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
};

const remaining = () => Math.max(500, loadedAt + PAGE_BUDGET_MS - Date.now());

/** window.gatesmithLog as plain JSON (or the reason it is not there). */
async function readLog() {
  return page.evaluate(() =>
    Array.isArray(window.gatesmithLog)
      ? JSON.parse(JSON.stringify(window.gatesmithLog))
      : `window.gatesmithLog is ${typeof window.gatesmithLog}`,
  );
}

/** A readable dump of everything the page did, appended to every failure. */
async function diagnostics() {
  let log;
  try {
    log = await readLog();
  } catch (err) {
    log = `(could not read window.gatesmithLog: ${err.message})`;
  }
  const lines = Array.isArray(log) ? log.map((e) => `    ${show(e)}`).join('\n') : `    ${log}`;
  return [
    `\n--- window.gatesmithLog (${Array.isArray(log) ? log.length : '?'} entries):`,
    lines,
    `--- console (${consoleMessages.length}):`,
    ...consoleMessages.map((m) => `    [${m.type}] ${m.text}`),
    `--- page errors: ${show(pageErrors)}`,
    `--- blocked off-host requests: ${show(offHost)}`,
    `--- requests: ${show(requests)}`,
  ].join('\n');
}

/**
 * Waits (page.waitForFunction, bounded by the page budget) until every wanted
 * entry is in window.gatesmithLog. Each wanted entry is { kind, event, data? };
 * data, when given, is compared as JSON. Returns the log.
 */
async function waitForEntries(what, wanted) {
  const spec = wanted.map((w) => ({
    kind: w.kind,
    event: w.event,
    data: 'data' in w ? JSON.stringify(w.data) : undefined,
  }));
  try {
    await page.waitForFunction(
      (spec) => {
        const log = window.gatesmithLog;
        if (!Array.isArray(log)) return false;
        return spec.every((w) =>
          log.some(
            (e) =>
              e &&
              e.kind === w.kind &&
              (w.event === undefined || e.event === w.event) &&
              (w.data === undefined || JSON.stringify(e.data) === w.data),
          ),
        );
      },
      spec,
      { timeout: remaining(), polling: 100 },
    );
  } catch (err) {
    throw new Error(
      `page did not log ${what} within ${PAGE_BUDGET_MS} ms of load ` +
        `(wanted ${show(wanted)}): ${err.message.split('\n')[0]}${await diagnostics()}`,
    );
  }
  return readLog();
}

const sameData = (a, b) => show(a) === show(b);

// ---------------------------------------------------------------------------
// browser lifecycle

before(async () => {
  ({ browser, page } = await launchPage({ requests, offHost, pageErrors }));
  page.on('console', (msg) => {
    const entry = { type: msg.type(), text: msg.text(), json: '' };
    consoleMessages.push(entry);
    // msg.text() shows objects only as previews; keep their JSON too.
    consolePending.push(
      Promise.all(msg.args().map((a) => a.jsonValue().catch(() => null)))
        .then((values) => {
          entry.json = show(values);
        })
        .catch(() => {}),
    );
  });

  loadedAt = Date.now();
  response = await page.goto(`${URL_}/`, { waitUntil: 'load', timeout: 5000 });
});

after(async () => {
  await browser?.close();
});

// ---------------------------------------------------------------------------
// tests

test('the page loads from the gateway and connects', async () => {
  assert.equal(response?.status(), 200, `GET ${URL_}/ status`);
  const log = await waitForEntries('a connect entry', [{ kind: 'connect' }]);
  // The page serves every generated gateway: the lesson's and the chat.
  for (const e of log) {
    assert.ok(['aaa', 'chat'].includes(e.gateway), `every entry names its gateway; got ${show(e)}`);
    assert.equal(typeof e.at, 'number', `every entry has a numeric 'at'; got ${show(e)}`);
  }
});

test('the page shows the four acks with the lesson\'s exact strings', async () => {
  const log = await waitForEntries(
    'acks for createAaa, findOneAaa, updateAaa and removeAaa',
    Object.keys(ACKS).map((event) => ({ kind: 'ack', event })),
  );
  for (const [event, text] of Object.entries(ACKS)) {
    const acks = log.filter((e) => e.kind === 'ack' && e.event === event);
    assert.ok(acks.length >= 1, `an ack entry for ${event}${await diagnostics()}`);
    for (const e of acks) {
      assert.deepEqual(e.data, text, `ack data for ${event}${await diagnostics()}`);
    }
  }
});

test('the page receives guang 777 (broadcast), 666 (sender only) and aaa/bbb/ccc spaced 2 s and 5 s apart', async () => {
  const log = await waitForEntries('guang 777, 666, {msg:aaa}, {msg:bbb}, {msg:ccc}', [
    { kind: 'event', event: 'guang', data: 777 },
    { kind: 'event', event: 'guang', data: 666 },
    { kind: 'event', event: 'guang', data: { msg: 'aaa' } },
    { kind: 'event', event: 'guang', data: { msg: 'bbb' } },
    { kind: 'event', event: 'guang', data: { msg: 'ccc' } },
  ]);
  const at = (msg) =>
    log.find((e) => e.kind === 'event' && e.event === 'guang' && sameData(e.data, { msg }))?.at;
  const [aaa, bbb, ccc] = [at('aaa'), at('bbb'), at('ccc')];
  const times = `aaa at ${aaa} ms, bbb at ${bbb} ms, ccc at ${ccc} ms`;
  assert.ok(bbb - aaa >= 1700, `bbb should come ~2 s after aaa: ${times}${await diagnostics()}`);
  assert.ok(ccc - aaa >= 4700, `ccc should come ~5 s after aaa: ${times}${await diagnostics()}`);
});

test('findAllAaa gets no ack in the page', async () => {
  // By now ccc (sent 5 s after findAllAaa) has arrived, so an ack would have too.
  await waitForEntries('guang {msg:ccc}', [{ kind: 'event', event: 'guang', data: { msg: 'ccc' } }]);
  const log = await readLog();
  const acks = log.filter((e) => e.kind === 'ack' && e.event === 'findAllAaa');
  assert.deepEqual(acks, [], `findAllAaa must not be acked${await diagnostics()}`);
});

test('every log entry is also printed to the console and listed in the visible #log', async () => {
  await waitForEntries('all acks', Object.keys(ACKS).map((event) => ({ kind: 'ack', event })));

  // The list may be rendered a moment after the array is updated.
  try {
    await page.waitForFunction(
      () =>
        Array.isArray(window.gatesmithLog) &&
        document.querySelectorAll('#log > li').length === window.gatesmithLog.length,
      null,
      { timeout: 2000, polling: 100 },
    );
  } catch {
    // fall through: the assertion below reports the numbers
  }
  const view = await page.evaluate(() => ({
    items: document.querySelectorAll('#log > li').length,
    entries: Array.isArray(window.gatesmithLog) ? window.gatesmithLog.length : -1,
    text: document.querySelector('#log')?.innerText ?? '(no #log element)',
  }));
  assert.equal(
    view.items,
    view.entries,
    `#log should have one <li> per gatesmithLog entry; #log text:\n${view.text}${await diagnostics()}`,
  );
  assert.ok(await page.locator('#log').isVisible(), '#log should be visible');
  assert.ok(
    view.text.includes(ACKS.findOneAaa),
    `#log text should include ${show(ACKS.findOneAaa)}; it is:\n${view.text}`,
  );

  await Promise.all(consolePending);
  for (const text of Object.values(ACKS)) {
    assert.ok(
      consoleMessages.some((m) => m.text.includes(text) || m.json.includes(text)),
      `console should have logged the ack ${show(text)}${await diagnostics()}`,
    );
  }
});

test('no page errors, no connect_error, nothing loaded from another host', async () => {
  const log = await readLog();
  const errors = Array.isArray(log) ? log.filter((e) => e.kind === 'connect_error') : [];
  assert.deepEqual(pageErrors, [], `page errors${await diagnostics()}`);
  assert.deepEqual(errors, [], `connect_error entries${await diagnostics()}`);
  assert.deepEqual(offHost, [], `the page tried to load from other hosts${await diagnostics()}`);
  assert.ok(
    requests.some((u) => u === `${URL_}/socket.io.min.js`),
    `the page should load ${URL_}/socket.io.min.js; requests: ${show(requests)}`,
  );
});
