// What docs/from-nest.md says each NestJS decorator's gatesmith equivalent
// does, checked on the project that page describes (built by
// cli/tests/project.rs from the page's own blocks), with the official client.
//
// Run with: GATESMITH_URL=http://127.0.0.1:PORT node --test from-nest.test.mjs

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';

const URL_ = process.env.GATESMITH_URL;
if (!URL_) {
  throw new Error('GATESMITH_URL is not set (expected e.g. http://127.0.0.1:3000)');
}

const sockets = [];
after(() => sockets.forEach((s) => s.close()));

/** A client of /chat, and the events it received, by name, in order. */
async function client() {
  const socket = io(URL_ + '/chat', { transports: ['websocket'], forceNew: true, reconnection: false });
  sockets.push(socket);
  const got = {};
  socket.onAny((event, data) => (got[event] ??= []).push(data));
  await new Promise((resolve, reject) => {
    socket.on('connect', resolve);
    socket.on('connect_error', reject);
  });
  return { socket, got };
}

/** Waits until `check()` is true, for 3 s at most. */
async function until(what, check) {
  const deadline = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const call = (socket, event, ...payload) => socket.timeout(3000).emitWithAck(event, ...payload);

test('lifecycle: on_connect sends welcome, handle_connection then sends ready', async () => {
  const { socket, got } = await client();
  await until('welcome and ready', () => got.welcome && got.ready);
  assert.deepEqual(got.welcome, [`hello ${socket.id}`]);
  assert.deepEqual(got.ready, [socket.id]);
});

test('@MessageBody and the ack: the override acks the text in capitals, others get echoed', async () => {
  const [a, b] = [await client(), await client()];
  assert.equal(await call(a.socket, 'echo', { text: 'hi' }), 'HI');
  await until('echoed at the other client', () => b.got.echoed);
  assert.deepEqual(b.got.echoed, [{ text: 'hi' }]);
  assert.equal(a.got.echoed, undefined, 'the sender is not among the others');
});

test('@WebSocketServer: shout reaches every client, the sender included', async () => {
  const [a, b] = [await client(), await client()];
  assert.deepEqual(await call(a.socket, 'shout', { text: 'hey' }), { status: 'ok' });
  await until('shouted everywhere', () => a.got.shouted && b.got.shouted);
  assert.deepEqual(a.got.shouted, ['hey']);
  assert.deepEqual(b.got.shouted, ['hey']);
});

test('@ConnectedSocket: whoami acks the socket id', async () => {
  const { socket } = await client();
  assert.equal(await call(socket, 'whoami'), socket.id);
});

test('WsResponse and Observable: next sends one tick, countdown three in order', async () => {
  const { socket, got } = await client();
  socket.emit('next');
  await until('one tick', () => got.tick?.length === 1);
  socket.emit('countdown');
  await until('the countdown', () => got.tick?.length === 4);
  assert.deepEqual(got.tick, [1, 3, 2, 1]);
});

test('OnGatewayDisconnect: the others hear who left', async () => {
  const [a, b] = [await client(), await client()];
  const id = a.socket.id;
  a.socket.close();
  await until('left', () => b.got.left);
  assert.deepEqual(b.got.left, [id]);
});

test('a payload that does not decode gets an error ack', async () => {
  const { socket } = await client();
  const ack = await call(socket, 'echo', { words: 'no text' });
  assert.equal(ack.status, 'error');
});
