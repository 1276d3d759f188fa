// Drives the typed fixture (tests/typed/, rendered from specs/typed.yaml, a
// gateway using every schema feature) with the official socket.io client.
// A valid payload reaches the service (its ack is built from the payload);
// each kind of invalid payload gets the documented error envelope, with the
// JSON path and the rule of each violation, and the same socket goes on
// being served. docs/errors.md documents the envelope.
//
// Run with: GATESMITH_URL=http://127.0.0.1:PORT node --test typed.test.mjs

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Manager } from 'socket.io-client';

const URL_ = process.env.GATESMITH_URL;
if (!URL_) {
  throw new Error('GATESMITH_URL is not set (expected e.g. http://127.0.0.1:3000)');
}
const TIMEOUT_MS = 5000;
const show = (v) => JSON.stringify(v)?.slice(0, 500);

const manager = new Manager(URL_, { transports: ['websocket'], reconnection: false });
const socket = manager.socket('/typed');
const received = [];
for (const event of ['created', 'ticket', 'exception']) {
  socket.on(event, (data) => received.push({ event, data }));
}
await new Promise((resolve, reject) => {
  socket.on('connect', resolve);
  socket.on('connect_error', (err) => reject(new Error(`connect_error: ${err?.message}`)));
});
after(() => socket.close());

const ADA = { name: 'Ada', email: 'ada@example.com', role: 'admin' };
const BOOKING = { room: '6f1c2a3e-8b7d-4c5e-9f01-23456789abcd', at: '2026-11-25T20:00:00Z', code: 'ABC-123' };

const send = (event, payload) => socket.timeout(TIMEOUT_MS).emitWithAck(event, payload);

/** Every refused payload: the envelope, with the violations as [path, rule] pairs. */
function refused(reply, event) {
  assert.equal(reply?.status, 'error', show(reply));
  assert.equal(reply.code, 'invalid_payload', show(reply));
  assert.equal(reply.event, event, show(reply));
  assert.equal(typeof reply.message, 'string', show(reply));
  for (const v of reply.violations) {
    assert.deepEqual(Object.keys(v).sort(), ['message', 'path', 'rule'], show(v));
  }
  return reply.violations.map((v) => [v.path, v.rule]);
}

/** The server still serves this socket: a valid payload still gets its ack. */
async function stillServing() {
  assert.ok(socket.connected, 'the socket is still connected');
  assert.equal(await send('rate', 3), 'rated 3');
}

test('a valid payload reaches the service: the typed ack and the typed emissions come back', async () => {
  received.length = 0;
  const ack = await send('createUser', { ...ADA, age: 36, tags: ['math'], website: null });
  assert.deepEqual(ack, { id: 1, name: 'Ada', role: 'admin' });
  const deadline = Date.now() + TIMEOUT_MS;
  while (received.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(received, [
    { event: 'created', data: { id: 1, name: 'Ada', role: 'admin' } },
    { event: 'ticket', data: 777 },
    { event: 'ticket', data: { msg: 'welcome Ada' } },
  ]);
  assert.deepEqual(await send('book', { ...BOOKING, seats: 2.5 }), { ...BOOKING, seats: 2.5 });
});

const cases = [
  ['wrong type', 'createUser', { ...ADA, name: 5 }, [['$.name', 'type']]],
  ['missing fields', 'createUser', {}, [['$.name', 'required'], ['$.email', 'required'], ['$.role', 'required']]],
  ['an extra field', 'createUser', { ...ADA, admin: true }, [['$.admin', 'additionalProperties']]],
  ['an unknown enum value', 'createUser', { ...ADA, role: 'root' }, [['$.role', 'enum']]],
  ['too long', 'createUser', { ...ADA, name: 'x'.repeat(101) }, [['$.name', 'maxLength']]],
  ['too short', 'createUser', { ...ADA, name: '' }, [['$.name', 'minLength']]],
  ['too many items', 'createUser', { ...ADA, tags: ['a', 'b', 'c', 'd'] }, [['$.tags', 'maxItems']]],
  ['out of range', 'createUser', { ...ADA, age: 200 }, [['$.age', 'maximum']]],
  ['beyond its int32 format', 'createUser', { ...ADA, age: 3_000_000_000 }, [['$.age', 'maximum']]],
  ['out of range, top level', 'rate', 9, [['$', 'maximum']]],
  ['a bad pattern', 'book', { ...BOOKING, code: 'abc-123' }, [['$.code', 'pattern']]],
  ['a bad email', 'createUser', { ...ADA, email: 'ada at example' }, [['$.email', 'format']]],
  ['a bad uuid', 'book', { ...BOOKING, room: 'room-1' }, [['$.room', 'format']]],
  ['a bad date-time', 'book', { ...BOOKING, at: 'tomorrow' }, [['$.at', 'format']]],
  ['not above an exclusive minimum', 'book', { ...BOOKING, seats: 0 }, [['$.seats', 'exclusiveMinimum']]],
  ['null where it may not be', 'createUser', { ...ADA, email: null }, [['$.email', 'type']]],
  ['many at once', 'createUser', { name: 5, role: 'root', extra: 1 },
    [['$.email', 'required'], ['$.extra', 'additionalProperties'], ['$.name', 'type'], ['$.role', 'enum']]],
];

for (const [kind, event, payload, expected] of cases) {
  test(`${kind}: refused with each violation's path and rule, and the server keeps serving`, async () => {
    const found = refused(await send(event, payload), event);
    assert.deepEqual(found.map(String).sort(), expected.map(String).sort(), show(found));
    await stillServing();
  });
}

test('a violation 10 levels deep is reported at its full path', async () => {
  let tree = { name: 7 };
  for (let level = 0; level < 10; level += 1) tree = { name: `level ${level}`, children: [tree] };
  const found = refused(await send('plant', tree), 'plant');
  assert.deepEqual(found, [[`$${'.children[0]'.repeat(10)}.name`, 'type']]);
  // and a valid tree that deep reaches the service, which echoes it
  tree.children[0].children[0] = { name: 'leaf' };
  assert.deepEqual(await send('plant', tree), tree);
});

test('a 1 MB string is refused by its maxLength, and the answer does not copy it', async () => {
  const reply = await send('createUser', { ...ADA, name: 'x'.repeat(1_000_000) });
  assert.deepEqual(refused(reply, 'createUser'), [['$.name', 'maxLength']]);
  assert.ok(JSON.stringify(reply).length < 500, `a short answer, got ${JSON.stringify(reply).length} bytes`);
  await stillServing();
});

test('a lone UTF-16 surrogate (not valid UTF-8) is refused as JSON, and the server keeps serving', async () => {
  // JSON.stringify writes a lone surrogate as the escape \ud800, which no
  // UTF-8 string can hold.
  const found = refused(await send('createUser', { ...ADA, name: 'bad \ud800 name' }), 'createUser');
  assert.deepEqual(found, [['$', 'json']]);
  await stillServing();
});

test('without an ack callback, the same answer comes as an exception event naming the event', async () => {
  received.length = 0;
  socket.emit('createUser', {});
  const deadline = Date.now() + TIMEOUT_MS;
  while (received.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(received[0]?.event, 'exception', show(received));
  const found = refused(received[0].data, 'createUser');
  assert.deepEqual(found.map(String).sort(), [['$.email', 'required'], ['$.name', 'required'], ['$.role', 'required']].map(String));
  await stillServing();
});
