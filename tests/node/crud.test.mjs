// Drives a project made by `gatesmith new shop` + `gatesmith g resource users`
// (its in-memory store, src/services/users.rs, untouched) with the official
// socket.io client: two clients create, list, get, update and remove users
// at the same time, and each sees what the other did.
//
// Run with: GATESMITH_URL=http://127.0.0.1:PORT node --test crud.test.mjs

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';

const URL_ = process.env.GATESMITH_URL;
if (!URL_) {
  throw new Error('GATESMITH_URL is not set (expected e.g. http://127.0.0.1:3000)');
}

const sockets = [];
after(() => sockets.forEach((s) => s.close()));

function connect(namespace) {
  const socket = io(URL_ + namespace, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.on('connect', () => resolve(socket));
    socket.on('connect_error', reject);
  });
}

const call = (socket, event, ...payload) => socket.timeout(3000).emitWithAck(event, ...payload);
const notFound = (id) => ({ status: 'error', code: 'not_found', message: `user #${id} not found` });

test('the starter gateway answers ping', async () => {
  const app = await connect('/');
  assert.equal(await call(app, 'ping', 'hello'), 'pong: hello');
});

test('two clients at once: create, list, get, update, remove stay consistent', async () => {
  const [a, b] = await Promise.all([connect('/users'), connect('/users')]);

  // 20 creations, interleaved between the two clients: 20 distinct ids.
  const created = await Promise.all(
    Array.from({ length: 20 }, (_, i) => call(i % 2 ? b : a, 'createUser', { name: `user ${i}` })),
  );
  created.forEach((user, i) => assert.equal(user.name, `user ${i}`));
  const ids = created.map((user) => user.id);
  assert.deepEqual([...ids].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));

  // Both see the same list, ordered by id.
  const [listA, listB] = await Promise.all([call(a, 'findAllUsers'), call(b, 'findAllUsers')]);
  assert.deepEqual(listA, listB);
  assert.deepEqual(listA, [...created].sort((x, y) => x.id - y.id));

  // One updates while the other reads; afterwards both read the update.
  const target = created[3];
  const [updated] = await Promise.all([
    call(a, 'updateUser', { id: target.id, name: 'Grace' }),
    call(b, 'findOneUser', target.id),
  ]);
  assert.deepEqual(updated, { id: target.id, name: 'Grace' });
  assert.deepEqual(await call(b, 'findOneUser', target.id), updated);
  // An update without a name keeps the name.
  assert.deepEqual(await call(b, 'updateUser', { id: target.id }), updated);

  // Both remove the same user at once: exactly one gets it, the other not_found.
  const removals = await Promise.all([call(a, 'removeUser', target.id), call(b, 'removeUser', target.id)]);
  assert.equal(removals.filter((r) => r.id === target.id && r.name === 'Grace').length, 1, JSON.stringify(removals));
  assert.equal(removals.filter((r) => r.status === 'error').length, 1, JSON.stringify(removals));
  assert.deepEqual(await call(a, 'findOneUser', target.id), notFound(target.id));
  assert.equal((await call(b, 'findAllUsers')).length, 19);

  // Unknown ids: not_found for get, update and remove; nothing changes.
  assert.deepEqual(await call(a, 'findOneUser', 999), notFound(999));
  assert.deepEqual(await call(b, 'updateUser', { id: 999, name: 'x' }), notFound(999));
  assert.deepEqual(await call(a, 'removeUser', 999), notFound(999));
  assert.equal((await call(a, 'findAllUsers')).length, 19);

  // Ids are never reused after a removal.
  const next = await call(b, 'createUser', { name: 'Ada' });
  assert.deepEqual(next, { id: 21, name: 'Ada' });
});
