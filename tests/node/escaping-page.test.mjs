// Opens the escaping fixture's generated page (tests/escaping/pages/index.html)
// in Chromium through playwright-core. Its spec's strings try to run script
// (set window.pwned, call alert) and to add markup from every place the page
// shows them: the title and heading, the inline JSON the page reads, the events
// it emits and the acks and events it logs. This checks that:
//
// - nothing ran: no dialog opened, window.pwned was never set, no page error;
// - nothing was added: the document holds only the elements the template makes,
//   and nothing was requested but the page, the client script and socket.io;
// - every string is shown exactly, as text: each ack and event the page logs
//   (window.gatesmithLog, and the visible #log's text) equals what
//   escaping-expected.mjs writes out with JavaScript's escapes.
//
// Nothing may be loaded from any host but the gateway's own: such requests are
// blocked, recorded, and fail the run.
//
// Run with: GATESMITH_URL=http://127.0.0.1:PORT node --test escaping-page.test.mjs
// (CHROMIUM=/path/to/chromium overrides /usr/bin/chromium.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchPage } from './browser.mjs';
import { EVENTS, GATEWAY, NAMESPACE, welcome } from './escaping-expected.mjs';

const URL_ = process.env.GATESMITH_URL;
if (!URL_) {
  throw new Error('GATESMITH_URL is not set (expected e.g. http://127.0.0.1:3000)');
}

/** Everything the page does must be in its log this long after load. */
const PAGE_BUDGET_MS = 8000;

let browser;
let page;
let response;
let loadedAt;
const dialogs = []; // every alert/confirm/prompt the page opened
const pageErrors = [];
const offHost = [];
const requests = [];

const show = (v) => {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
};

/**
 * window.gatesmithLog, carried over as JSON text: Playwright's own transfer
 * would turn a `__proto__` key of the data into a prototype.
 */
async function readLog() {
  return JSON.parse(
    await page.evaluate(() => JSON.stringify(Array.isArray(window.gatesmithLog) ? window.gatesmithLog : null)),
  );
}

async function diagnostics() {
  let log;
  try {
    log = await readLog();
  } catch (err) {
    log = `(could not read window.gatesmithLog: ${err.message})`;
  }
  return [
    `\n--- window.gatesmithLog:`,
    ...(Array.isArray(log) ? log.map((e) => `    ${show(e)}`) : [`    ${show(log)}`]),
    `--- dialogs: ${show(dialogs)}`,
    `--- page errors: ${show(pageErrors)}`,
    `--- blocked off-host requests: ${show(offHost)}`,
    `--- requests: ${show(requests)}`,
  ].join('\n');
}

/** The socket.io id the page logged on connect, once it has. */
async function socketId() {
  try {
    await page.waitForFunction(
      () => Array.isArray(window.gatesmithLog) && window.gatesmithLog.some((e) => e.kind === 'connect'),
      null,
      { timeout: Math.max(500, loadedAt + PAGE_BUDGET_MS - Date.now()), polling: 100 },
    );
  } catch (err) {
    throw new Error(`the page did not connect: ${err.message.split('\n')[0]}${await diagnostics()}`);
  }
  const log = await readLog();
  return log.find((e) => e.kind === 'connect').data;
}

/** Every entry the page must log, each as { kind, event, data }. */
function wantedEntries(id) {
  const wanted = [{ kind: 'event', ...welcome(id) }];
  for (const spec of EVENTS) {
    wanted.push({ kind: 'ack', event: spec.name, data: spec.ack(id) });
    for (const received of spec.receives(id)) wanted.push({ kind: 'event', ...received });
  }
  return wanted;
}

/** Waits until the page has logged as many entries as `wanted` holds, besides connect. */
async function waitForAll(wanted) {
  try {
    await page.waitForFunction(
      (count) =>
        Array.isArray(window.gatesmithLog) &&
        window.gatesmithLog.filter((e) => e.kind !== 'connect').length >= count &&
        document.querySelectorAll('#log > li').length === window.gatesmithLog.length,
      wanted.length,
      { timeout: Math.max(500, loadedAt + PAGE_BUDGET_MS - Date.now()), polling: 100 },
    );
  } catch (err) {
    throw new Error(
      `the page did not log its ${wanted.length} acks and events in time: ${err.message.split('\n')[0]}${await diagnostics()}`,
    );
  }
}

before(async () => {
  ({ browser, page } = await launchPage({ requests, offHost, pageErrors }));
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  // Any write of window.pwned is recorded, even one undone later.
  await page.addInitScript(() => {
    const writes = [];
    Object.defineProperty(window, 'pwnedWrites', { value: writes });
    Object.defineProperty(window, 'pwned', {
      configurable: false,
      get: () => undefined,
      set: (value) => writes.push(String(value)),
    });
  });

  loadedAt = Date.now();
  response = await page.goto(`${URL_}/`, { waitUntil: 'load', timeout: 5000 });
});

after(async () => {
  await browser?.close();
});

test('the page loads and connects to the namespace, `?` and `#` included', async () => {
  assert.equal(response?.status(), 200, `GET ${URL_}/ status`);
  const id = await socketId();
  assert.equal(typeof id, 'string', `the connect entry logs the socket id${await diagnostics()}`);
});

test('every ack and event is logged with exactly the strings of the spec', async () => {
  const id = await socketId();
  const wanted = wantedEntries(id);
  await waitForAll(wanted);
  const log = (await readLog()).filter((e) => e.kind !== 'connect');
  for (const entry of log) {
    assert.equal(entry.gateway, GATEWAY, `every entry names its gateway: ${show(entry)}`);
  }
  const strip = ({ kind, event, data }) => ({ kind, event, data });
  const sortKey = (e) => show([e.kind, e.event, e.data]);
  assert.deepEqual(
    log.map(strip).sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
    wanted.sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
    `the page's log${await diagnostics()}`,
  );
});

test('the visible log shows each string as text', async () => {
  const id = await socketId();
  const wanted = wantedEntries(id);
  await waitForAll(wanted);
  const items = await page.evaluate(() =>
    [...document.querySelectorAll('#log > li')].map((li) => ({
      text: li.textContent,
      elements: li.children.length,
    })),
  );
  for (const item of items) {
    assert.equal(item.elements, 0, `a log line holds text only: ${show(item)}`);
  }
  for (const { kind, event, data } of wanted) {
    const line = ` [${GATEWAY}] ${kind} ${event} ${JSON.stringify(data)}`;
    assert.ok(
      items.some((item) => item.text.endsWith(line)),
      `#log should show ${show(line)}; it shows:\n${items.map((i) => show(i.text)).join('\n')}`,
    );
  }
});

test('the title and heading show the gateway and its namespace as text', async () => {
  const view = await page.evaluate(() => ({
    title: document.title,
    heading: document.querySelector('h1')?.textContent,
    headingElements: [...document.querySelectorAll('h1 *')].map((e) => e.tagName),
  }));
  assert.equal(view.title, `${GATEWAY} · gatesmith`);
  assert.equal(view.heading, `${GATEWAY} (${NAMESPACE})`);
  assert.deepEqual(view.headingElements, ['SMALL']);
});

test('no string ran: no dialog, window.pwned never written, no page error', async () => {
  await waitForAll(wantedEntries(await socketId()));
  const writes = await page.evaluate(() => window.pwnedWrites);
  assert.deepEqual(dialogs, [], `dialogs opened${await diagnostics()}`);
  assert.deepEqual(writes, [], `window.pwned was written${await diagnostics()}`);
  assert.deepEqual(pageErrors, [], `page errors${await diagnostics()}`);
});

test('no string added markup: only the template\'s elements, nothing else requested', async () => {
  await waitForAll(wantedEntries(await socketId()));
  const dom = await page.evaluate(() => ({
    tags: [...new Set([...document.querySelectorAll('*')].map((e) => e.tagName))].sort(),
    body: [...document.body.children].map((e) => e.tagName),
    scripts: [...document.scripts].map((s) => s.src || s.id || 'inline'),
    comments: (() => {
      const walker = document.createTreeWalker(document, NodeFilter.SHOW_COMMENT);
      const found = [];
      while (walker.nextNode()) found.push(walker.currentNode.data);
      return found;
    })(),
  }));
  assert.deepEqual(dom.tags, [
    'BODY', 'H1', 'HEAD', 'HTML', 'LI', 'META', 'OL', 'P', 'SCRIPT', 'SMALL', 'STYLE', 'TITLE',
  ]);
  assert.deepEqual(dom.body, ['H1', 'P', 'OL', 'SCRIPT', 'SCRIPT', 'SCRIPT']);
  assert.deepEqual(dom.scripts, [`${URL_}/socket.io.min.js`, 'gateways', 'inline']);
  assert.equal(dom.comments.length, 1, `only the generated header is a comment: ${show(dom.comments)}`);
  assert.ok(dom.comments[0].includes('@generated by gatesmith'), show(dom.comments));

  assert.deepEqual(offHost, [], `the page tried to load from other hosts${await diagnostics()}`);
  const paths = [...new Set(requests.map((u) => new URL(u).pathname))].sort();
  assert.deepEqual(paths, ['/', '/socket.io.min.js', '/socket.io/'], `requests: ${show(requests)}`);
});
