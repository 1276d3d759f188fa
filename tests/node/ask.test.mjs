// The server asks, the client answers: `rate` is served by a service that
// asks the sender `confirm` (a server event with `reply: boolean`) and acks
// what came back (tests/ask_node.rs). Each client answers its own way.
//
// Run with: GATESMITH_URL=http://127.0.0.1:PORT node --test ask.test.mjs

import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Manager } from 'socket.io-client';

const URL_ = process.env.GATESMITH_URL;
if (!URL_) throw new Error('GATESMITH_URL is not set');
const open = [];
afterEach(() => {
  for (const socket of open.splice(0)) socket.close();
});

/** A client whose `confirm` handler is `answer` (none: it never acks). */
async function client(answer) {
  const socket = new Manager(URL_, { transports: ['websocket'], reconnection: false }).socket('/typed');
  open.push(socket);
  const asked = [];
  const seen = [];
  socket.on('outcome', (text) => seen.push(`outcome: ${text}`));
  socket.on('confirm', (data, ack) => {
    asked.push(data);
    if (answer) answer(data, ack);
  });
  await new Promise((resolve, reject) => {
    socket.on('connect', resolve);
    socket.on('connect_error', reject);
  });
  return { socket, asked, seen };
}

/** Waits until `c` has seen `count` outcomes. */
async function outcomes(c, count) {
  const deadline = Date.now() + 4000;
  while (c.seen.filter((s) => s.startsWith('outcome')).length < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Votes `n`, recording the ack among what `c` has seen. */
async function vote(c, n) {
  c.seen.push(`ack: ${await c.socket.timeout(4000).emitWithAck('vote', n)}`);
}

const rate = (c, n) => c.socket.timeout(4000).emitWithAck('rate', n);

test('the answer of the client reaches the service', async () => {
  const yes = await client((data, ack) => ack(data.question === 'rate 5?'));
  assert.equal(await rate(yes, 5), 'confirmed');
  assert.equal(await rate(yes, 4), 'declined');
  assert.deepEqual(yes.asked, [{ question: 'rate 5?' }, { question: 'rate 4?' }]);
});

test('a client that never answers gets the timeout, and only the sender is asked', async () => {
  const silent = await client(undefined);
  const bystander = await client((data, ack) => ack(true));
  assert.equal(await rate(silent, 3), 'no answer');
  assert.deepEqual(silent.asked, [{ question: 'rate 3?' }]);
  assert.deepEqual(bystander.asked, []);
});

test('an answer of the wrong type is an error the service sees, and the socket goes on', async () => {
  const confused = await client((data, ack) => ack('maybe'));
  assert.match(await rate(confused, 2), /^could not read the answer: /);
  assert.ok(confused.socket.connected);
});

test("a spec emission with ask: acks at once, and the answer reaches the service's method", async () => {
  const yes = await client((data, ack) => ack(data.question === 'vote 3?'));
  await vote(yes, 3);
  await outcomes(yes, 1);
  await vote(yes, 2);
  await outcomes(yes, 2);
  assert.deepEqual(yes.asked, [{ question: 'vote 3?' }, { question: 'vote 2?' }]);
  assert.deepEqual(yes.seen, ['ack: voting 3', 'outcome: confirmed', 'ack: voting 2', 'outcome: declined']);
});

test('a silent client gets its ack first, and the service the timeout after', async () => {
  const silent = await client(undefined);
  await vote(silent, 4);
  await outcomes(silent, 1);
  assert.deepEqual(silent.seen, ['ack: voting 4', 'outcome: no answer']);
});

test('a client that leaves while asked is reported gone at once, not after the timeout', async () => {
  const watcher = await client(undefined);
  const leaver = await client(undefined);
  await vote(leaver, 1);
  leaver.socket.close();
  await outcomes(watcher, 1);
  assert.deepEqual(watcher.seen, ['outcome: the client could not be asked: the client disconnected']);
});
