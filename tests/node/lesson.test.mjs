// Drives the generated "aaa" gateway (the NestJS lesson's gateway, re-implemented
// in Rust) with the official socket.io client, and checks the lesson's table:
//
// | client emits | payload              | ack                            | other effects                                  |
// | createAaa    | {name:'guang'}       | 'This action adds a new aaa'   | every client gets 'guang' 777                  |
// | findAllAaa   | none                 | none                           | sender gets 'guang' {msg:'aaa'|'bbb'|'ccc'}    |
// |              |                      |                                |   at +0 s, +2 s, +5 s                          |
// | findOneAaa   | 1                    | 'This action returns a #1 aaa' | only the sender gets 'guang' 666               |
// | updateAaa    | {id:2, name:'dong'}  | 'This action updates a #2 aaa' |                                                |
// | removeAaa    | 2                    | 'This action removes a #2 aaa' |                                                |
//
// Run with: GATESMITH_URL=http://127.0.0.1:PORT node --test lesson.test.mjs
//
// Another client (e.g. the page test) may share the server while this file runs,
// so the assertions about what a client must NOT receive look only at the
// specific values that would betray a leak (666, {msg:...}), never at "any guang".

import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { io } from 'socket.io-client';

const URL_ = process.env.GATESMITH_URL;
if (!URL_) {
  throw new Error('GATESMITH_URL is not set (expected e.g. http://127.0.0.1:3000)');
}

const ACK_TIMEOUT_MS = 2000;
const CONNECT_TIMEOUT_MS = 3000;

// ---------------------------------------------------------------------------
// helpers

const show = (v) => {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
};

/** Every socket opened by a test, closed in afterEach whatever happened. */
const openSockets = new Set();

afterEach(() => {
  for (const s of openSockets) s.close();
  openSockets.clear();
});

/**
 * Opens a client and resolves once it is connected. No reconnection: a failed
 * connection fails the test instead of being retried.
 */
function connect(options = { transports: ['websocket'] }) {
  const socket = io(URL_, { forceNew: true, reconnection: false, ...options });
  openSockets.add(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`could not connect to ${URL_} within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    const onConnect = () => {
      cleanup();
      resolve(socket);
    };
    const onError = (err) => {
      cleanup();
      reject(new Error(`connect_error from ${URL_}: ${err?.message ?? show(err)}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
    };
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
  });
}

/**
 * Records every `name` event a socket receives, with its arrival time, from now on.
 * Returns the live array of { data, at } (at = Date.now()).
 */
function collect(socket, name) {
  const got = [];
  socket.on(name, (...args) => {
    got.push({ data: args.length <= 1 ? args[0] : args, at: Date.now() });
  });
  return got;
}

/**
 * Resolves with the data of the first `name` event that satisfies `match`
 * (default: any), or rejects after timeoutMs listing what did arrive.
 */
function waitForEvent(socket, name, timeoutMs, match = () => true) {
  return new Promise((resolve, reject) => {
    const seen = [];
    const timer = setTimeout(() => {
      socket.off(name, onEvent);
      reject(
        new Error(
          `no matching '${name}' event within ${timeoutMs} ms; received ${seen.length}: ${show(seen)}`,
        ),
      );
    }, timeoutMs);
    const onEvent = (data) => {
      seen.push(data);
      if (match(data)) {
        clearTimeout(timer);
        socket.off(name, onEvent);
        resolve(data);
      }
    };
    socket.on(name, onEvent);
  });
}

/** Emits and waits for the ack (rejects with a clear message on timeout). */
async function ack(socket, event, ...payload) {
  try {
    return await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...payload);
  } catch (err) {
    throw new Error(
      `no ack for ${event}(${payload.map(show).join(', ')}) within ${ACK_TIMEOUT_MS} ms: ${err.message}`,
    );
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const isMsg = (data) => data !== null && typeof data === 'object' && 'msg' in data;

/** Asserts the shape {status:'error', event, message} of an error ack. */
function assertErrorAck(reply, event) {
  assert.ok(
    reply !== null && typeof reply === 'object' && !Array.isArray(reply),
    `${event}: expected an error object as ack, got ${show(reply)}`,
  );
  assert.deepEqual(
    Object.keys(reply).sort(),
    ['code', 'event', 'message', 'status', 'violations'],
    `${event}: error ack should have exactly status/code/event/message/violations, got ${show(reply)}`,
  );
  assert.equal(reply.status, 'error', `${event}: status, in ${show(reply)}`);
  assert.equal(reply.code, 'invalid_payload', `${event}: code, in ${show(reply)}`);
  assert.ok(Array.isArray(reply.violations) && reply.violations.length > 0, `${event}: violations, in ${show(reply)}`);
  assert.equal(reply.event, event, `${event}: event, in ${show(reply)}`);
  assert.equal(typeof reply.message, 'string', `${event}: message type, in ${show(reply)}`);
  assert.ok(reply.message.length > 0, `${event}: message is empty in ${show(reply)}`);
}

// ---------------------------------------------------------------------------
// tests

test('the four acked events answer with the lesson\'s exact strings', { timeout: 8000 }, async () => {
  const a = await connect();
  const cases = [
    ['createAaa', { name: 'guang' }, 'This action adds a new aaa'],
    ['findOneAaa', 1, 'This action returns a #1 aaa'],
    ['updateAaa', { id: 2, name: 'dong' }, 'This action updates a #2 aaa'],
    ['removeAaa', 2, 'This action removes a #2 aaa'],
  ];
  for (const [event, payload, expected] of cases) {
    const got = await ack(a, event, payload);
    assert.equal(got, expected, `${event}(${show(payload)}) acked ${show(got)}, expected ${show(expected)}`);
  }
});

test('the default transports (HTTP long-polling, then upgrade to websocket) work too', { timeout: 8000 }, async () => {
  const a = await connect({}); // socket.io-client's defaults: polling first, then upgrade
  const engine = a.io.engine;
  assert.equal(await ack(a, 'findOneAaa', 1), 'This action returns a #1 aaa');
  if (engine.transport.name !== 'websocket') {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no upgrade to websocket within 3000 ms (transport still '${engine.transport.name}')`),
          ),
        3000,
      );
      engine.once('upgrade', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  assert.equal(engine.transport.name, 'websocket', 'transport after upgrade');
  assert.equal(await ack(a, 'findOneAaa', 1), 'This action returns a #1 aaa');
});

test('findAllAaa: no ack, and only the sender gets guang aaa / bbb / ccc at +0 s, +2 s, +5 s', { timeout: 10000 }, async () => {
  const a = await connect();
  const b = await connect();
  const atA = collect(a, 'guang');
  const atB = collect(b, 'guang');
  const ackCalls = [];

  const t0 = Date.now();
  a.emit('findAllAaa', (...args) => ackCalls.push({ args, at: Date.now() - t0 }));

  // Wait for ccc (due at +5000 ms), then a little longer to catch a 4th event or a late ack.
  await waitForEvent(a, 'guang', 5000 + 300 + 200, (d) => isMsg(d) && d.msg === 'ccc').catch((err) => {
    throw new Error(`${err.message}\nsender's guang events so far (ms after emit): ${show(atA.map((e) => ({ data: e.data, at: e.at - t0 })))}`);
  });
  await sleep(500);

  const msgsA = atA.filter((e) => isMsg(e.data)).map((e) => ({ data: e.data, at: e.at - t0 }));
  const msgsB = atB.filter((e) => isMsg(e.data)).map((e) => ({ data: e.data, at: e.at - t0 }));
  const diag = `\nsender got (ms after emit): ${show(msgsA)}\nother client got: ${show(msgsB)}\nack calls: ${show(ackCalls)}`;

  assert.deepEqual(
    msgsA.map((e) => e.data),
    [{ msg: 'aaa' }, { msg: 'bbb' }, { msg: 'ccc' }],
    `sender should get exactly aaa, bbb, ccc in that order${diag}`,
  );
  for (const [i, due] of [0, 2000, 5000].entries()) {
    const late = msgsA[i].at - due;
    assert.ok(
      Math.abs(late) <= 300,
      `${show(msgsA[i].data)} arrived at +${msgsA[i].at} ms, expected +${due} ms ± 300 ms${diag}`,
    );
  }
  assert.deepEqual(msgsB, [], `the other client must not get findAllAaa's events${diag}`);
  assert.deepEqual(ackCalls, [], `findAllAaa must not be acked${diag}`);
});

test('createAaa broadcasts guang 777 to every client, sender included', { timeout: 8000 }, async () => {
  const a = await connect();
  const b = await connect();
  const toA = waitForEvent(a, 'guang', 2000, (d) => d === 777);
  const toB = waitForEvent(b, 'guang', 2000, (d) => d === 777);
  // Attach handlers before awaiting so a rejection is never unhandled.
  const results = Promise.allSettled([toA, toB]);

  assert.equal(await ack(a, 'createAaa', { name: 'guang' }), 'This action adds a new aaa');
  const [ra, rb] = await results;
  assert.equal(ra.status, 'fulfilled', `sender A: ${ra.reason?.message}`);
  assert.equal(rb.status, 'fulfilled', `other client B: ${rb.reason?.message}`);
  assert.equal(ra.value, 777);
  assert.equal(rb.value, 777);
});

test('findOneAaa sends guang 666 to the sender only', { timeout: 8000 }, async () => {
  const a = await connect();
  const b = await connect();
  const atB = collect(b, 'guang');
  const toA = waitForEvent(a, 'guang', 2000, (d) => d === 666);
  toA.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile

  assert.equal(await ack(a, 'findOneAaa', 1), 'This action returns a #1 aaa');
  assert.equal(await toA, 666);
  await sleep(500);

  assert.deepEqual(
    atB.filter((e) => e.data === 666),
    [],
    `client B must not get 666; B's guang events: ${show(atB.map((e) => e.data))}`,
  );
});

test('malformed payloads get a precise error ack, or an exception event without a callback, and the server keeps serving', { timeout: 10000 }, async () => {
  const a = await connect();
  const exceptions = collect(a, 'exception');
  const diag = () => `\n'exception' events received: ${show(exceptions.map((e) => e.data))}`;

  // findOneAaa expects a number
  const badId = await ack(a, 'findOneAaa', 'abc');
  assertErrorAck(badId, 'findOneAaa');

  // createAaa {} lacks the required `name`
  const noName = await ack(a, 'createAaa', {});
  assertErrorAck(noName, 'createAaa');
  assert.match(noName.message, /name/, `createAaa {} error should mention 'name', got ${show(noName)}`);
  assert.deepEqual(
    noName.violations,
    [{ path: '$.name', rule: 'required', message: '`name` is required' }],
    `createAaa {}: the one violation is the missing name, got ${show(noName)}`,
  );

  // createAaa with no payload at all
  const noPayload = await ack(a, 'createAaa');
  assertErrorAck(noPayload, 'createAaa');

  // Answered through the ack, the errors are not also sent as events.
  // Without an ack callback, the same answer comes as an 'exception' event.
  a.emit('createAaa', {});
  const exception = await waitForEvent(a, 'exception', 2000, () => true).catch((err) => {
    throw new Error(`expected an 'exception' event for createAaa {} without a callback: ${err.message}${diag()}`);
  });
  assert.deepEqual(exception, noName, `the exception event carries the same error as the ack${diag()}`);
  assert.equal(exceptions.length, 1, `only the emit without a callback gets an exception event${diag()}`);

  // the same socket still works
  assert.ok(a.connected, 'the socket that sent bad payloads should still be connected');
  assert.equal(await ack(a, 'findOneAaa', 1), 'This action returns a #1 aaa');

  // and so does a fresh client
  const c = await connect();
  assert.equal(await ack(c, 'findOneAaa', 1), 'This action returns a #1 aaa');
  assert.equal(await ack(c, 'createAaa', { name: 'guang' }), 'This action adds a new aaa');
});

test('the page and the official socket.io client are served on the same port', { timeout: 8000 }, async () => {
  const page = await fetch(`${URL_}/`, { signal: AbortSignal.timeout(3000) });
  const html = await page.text();
  assert.equal(page.status, 200, `GET / status; body starts: ${html.slice(0, 300)}`);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html\b/i, 'GET / content-type');
  assert.ok(
    html.includes('<script src="/socket.io.min.js"'),
    `GET / should load <script src="/socket.io.min.js"; body starts: ${html.slice(0, 600)}`,
  );

  const js = await fetch(`${URL_}/socket.io.min.js`, { signal: AbortSignal.timeout(3000) });
  const served = Buffer.from(await js.arrayBuffer());
  assert.equal(js.status, 200, `GET /socket.io.min.js status; body starts: ${served.subarray(0, 200).toString()}`);
  assert.match(
    js.headers.get('content-type') ?? '',
    /^(text|application)\/(x-)?(javascript|ecmascript)\b/i,
    'GET /socket.io.min.js content-type',
  );

  const officialPath = fileURLToPath(
    new URL('./node_modules/socket.io-client/dist/socket.io.min.js', import.meta.url),
  );
  const official = await readFile(officialPath);
  const sha = (b) => createHash('sha256').update(b).digest('hex');
  assert.ok(
    served.equals(official),
    `served /socket.io.min.js (${served.length} bytes, sha256 ${sha(served)}) differs from ` +
      `${officialPath} (${official.length} bytes, sha256 ${sha(official)})`,
  );
});
