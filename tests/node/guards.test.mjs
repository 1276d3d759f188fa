// Drives the guarded fixture (tests/typed/specs/guarded.yaml) with the
// official socket.io client: the connect guard admits a client whose
// handshake carries a known token, with that token's role, and refuses the
// others with a clear connect_error; per-event guards answer `forbidden`
// to a role or a room that does not fit, and the socket goes on.
//
// Run with: GATESMITH_URL=... MEMBER_TOKEN=... ADMIN_TOKEN=... node --test guards.test.mjs

import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Manager } from 'socket.io-client';

const URL_ = process.env.GATESMITH_URL;
const MEMBER = process.env.MEMBER_TOKEN;
const ADMIN = process.env.ADMIN_TOKEN;
if (!URL_ || !MEMBER || !ADMIN) throw new Error('GATESMITH_URL, MEMBER_TOKEN and ADMIN_TOKEN must be set');
const TIMEOUT_MS = 4000;
const open = [];
afterEach(() => {
  for (const socket of open.splice(0)) socket.close();
});

/** Connects with `auth`; resolves with the socket, or rejects with the connect_error. */
function connect(auth, namespace = '/guarded') {
  const socket = new Manager(URL_, { transports: ['websocket'], reconnection: false }).socket(namespace, { auth });
  open.push(socket);
  const got = [];
  socket.on('announcement', (data) => got.push({ event: 'announcement', data }));
  socket.on('exception', (data) => got.push({ event: 'exception', data }));
  return new Promise((resolve, reject) => {
    socket.on('connect', () => resolve({ socket, got }));
    socket.on('connect_error', reject);
  });
}

const send = (c, event, payload) =>
  payload === undefined
    ? c.socket.timeout(TIMEOUT_MS).emitWithAck(event)
    : c.socket.timeout(TIMEOUT_MS).emitWithAck(event, payload);

test('without a token, or with a wrong one, the connection is refused with a reason', async () => {
  await assert.rejects(connect(undefined), { message: 'unauthorized: connect with a token (auth: { token })' });
  await assert.rejects(connect({ token: 'guess' }), { message: 'unauthorized: the token is not valid' });
  await assert.rejects(connect({ token: '' }), { message: 'unauthorized: the token is not valid' });
});

test('the guard is its gateway\'s alone: the other gateway of the same spec file admits anyone', async () => {
  const anyone = await connect(undefined, '/open');
  assert.equal(await send(anyone, 'hello'), `hello ${anyone.socket.id}`);
  await assert.rejects(connect(undefined), { message: 'unauthorized: connect with a token (auth: { token })' });
});

test('a known token connects', async () => {
  const member = await connect({ token: MEMBER });
  assert.equal(await send(member, 'hello'), `hello ${member.socket.id}`);
});

test('an event guarded by a role answers forbidden to another role, and runs for that role', async () => {
  const member = await connect({ token: MEMBER });
  const admin = await connect({ token: ADMIN });
  assert.deepEqual(await send(member, 'announce', 'free lunch'), {
    status: 'error',
    code: 'forbidden',
    event: 'announce',
    message: 'only the role `admin` may send this; yours is `member`',
  });
  assert.equal(await send(admin, 'announce', 'meeting at 3'), 'announced meeting at 3');
  const deadline = Date.now() + TIMEOUT_MS;
  while (!member.got.some((e) => e.event === 'announcement') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  // Only the admin's announcement went out: the refused one made no emission.
  assert.deepEqual(member.got, [{ event: 'announcement', data: 'meeting at 3' }]);
  assert.ok(member.socket.connected, 'a refused message does not disconnect');
});

test('without an ack callback, a refused message is answered by an exception event', async () => {
  const member = await connect({ token: MEMBER });
  member.socket.emit('announce', 'sneaky');
  const deadline = Date.now() + TIMEOUT_MS;
  while (member.got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(member.got, [
    {
      event: 'exception',
      data: { status: 'error', code: 'forbidden', event: 'announce', message: 'only the role `admin` may send this; yours is `member`' },
    },
  ]);
});

test('an event guarded by a room runs only for its members', async () => {
  const member = await connect({ token: MEMBER });
  assert.deepEqual(await send(member, 'post', { room: 'ops', text: 'hi' }), {
    status: 'error',
    code: 'forbidden',
    event: 'post',
    message: 'only members of the room "ops" may send this',
  });
  assert.equal(await send(member, 'enter', { room: 'ops' }), 'entered ops');
  assert.equal(await send(member, 'post', { room: 'ops', text: 'hi' }), 'posted');
});
