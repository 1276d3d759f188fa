// Drives the escaping fixture (tests/escaping/, a gateway rendered from a spec
// whose event names, acks, data and namespace try to break out of Rust, HTML
// and JavaScript) with the official socket.io client, and checks that every
// string arrives exactly as written: each event's ack, each event it makes
// the server send (name and data), the on_connect greeting, and the error
// answer to a bad payload, which names the event.
//
// The expected values are in escaping-expected.mjs, written with JavaScript's
// escapes, not read from the spec or the generated code.
//
// Run with: GATESMITH_URL=http://127.0.0.1:PORT node --test escaping.test.mjs

import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Manager } from 'socket.io-client';
import { EVENTS, NAMESPACE, SERVER_EVENTS, welcome } from './escaping-expected.mjs';

const URL_ = process.env.GATESMITH_URL;
if (!URL_) {
  throw new Error('GATESMITH_URL is not set (expected e.g. http://127.0.0.1:3000)');
}

const TIMEOUT_MS = 3000;

const show = (v) => {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
};

const open = new Set();

afterEach(() => {
  for (const socket of open) socket.close();
  open.clear();
});

/**
 * A connected client of the fixture's namespace, recording every event the
 * server may send from before it connects (the greeting comes at once).
 * The namespace is given to the Manager as a name: `io(URL + namespace)`
 * would read its `?` and `#` as a URL's query and hash.
 */
function connect() {
  const manager = new Manager(URL_, { transports: ['websocket'], reconnection: false });
  const socket = manager.socket(NAMESPACE);
  open.add(socket);
  const received = [];
  for (const event of SERVER_EVENTS) {
    socket.on(event, (...args) => received.push({ event, data: args.length <= 1 ? args[0] : args }));
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`could not connect to ${show(NAMESPACE)} within ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS,
    );
    socket.on('connect', () => {
      clearTimeout(timer);
      resolve({ socket, received });
    });
    socket.on('connect_error', (err) => {
      clearTimeout(timer);
      reject(new Error(`connect_error on ${show(NAMESPACE)}: ${err?.message ?? show(err)}`));
    });
  });
}

/** Emits `event` (with `payload` unless it is undefined) and resolves with the ack. */
function emitWithAck(socket, event, payload) {
  const args = payload === undefined ? [] : [payload];
  return socket.timeout(TIMEOUT_MS).emitWithAck(event, ...args);
}

/** Resolves once `received` holds `count` entries, or rejects listing them. */
async function waitFor(received, count, what) {
  const deadline = Date.now() + TIMEOUT_MS;
  while (received.length < count) {
    if (Date.now() > deadline) {
      throw new Error(`${what}: wanted ${count} events, got ${show(received)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the client connects to the namespace, `?` and `#` included, and is greeted exactly', async () => {
  const { socket, received } = await connect();
  assert.equal(socket.nsp, NAMESPACE);
  await waitFor(received, 1, 'the greeting');
  assert.deepEqual(received, [welcome(socket.id)]);
});

for (const spec of EVENTS) {
  test(`${show(spec.name)}: the ack and every event it makes the server send arrive exactly`, async () => {
    const { socket, received } = await connect();
    await waitFor(received, 1, 'the greeting');
    received.length = 0;
    const ack = await emitWithAck(socket, spec.name, spec.payload);
    assert.deepEqual(ack, spec.ack(socket.id), `the ack of ${show(spec.name)}`);
    const wanted = spec.receives(socket.id);
    await waitFor(received, wanted.length, `the events of ${show(spec.name)}`);
    // Immediate emissions are made before the ack: all are in by now.
    assert.deepEqual(received, wanted, `the events sent for ${show(spec.name)}`);
  });
}

test('data keys arrive as data: `__proto__` is an own key, no prototype is polluted', async () => {
  const { socket, received } = await connect();
  await emitWithAck(socket, "</script><script>window.pwned = 'event'</script>");
  await waitFor(received, 2, 'the greeting and the reply');
  const data = received[1].data;
  assert.ok(Object.hasOwn(data, '__proto__'), show(data));
  assert.equal(Object.getPrototypeOf(data), Object.prototype);
  assert.equal({}.polluted, undefined);
});

test('a bad payload is answered naming the event exactly', async () => {
  const { socket, received } = await connect();
  const name = "say 'hi' & <b>there</b>";
  const ack = await emitWithAck(socket, name, 5);
  assert.equal(ack?.status, 'error', show(ack));
  assert.equal(ack?.event, name, show(ack));
  // Without an ack callback, the answer comes as an `exception` event.
  socket.emit(name, 5);
  await waitFor(received, 2, 'the greeting and the exception');
  assert.equal(received[1].event, 'exception');
  assert.deepEqual(received[1].data, ack);
});
