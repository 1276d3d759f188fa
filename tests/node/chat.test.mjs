// Drives specs/chat.yaml (rooms) with the official socket.io client: who
// hears what when clients join and leave rooms, say something to a room,
// type, or go away. Each check names the client that must, or must not,
// receive an event.
//
// Run with: GATESMITH_URL=http://127.0.0.1:PORT node --test chat.test.mjs

import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as chat from './chat-client.mjs';
import { send, receives, never } from './chat-client.mjs';

const URL_ = process.env.GATESMITH_URL;
if (!URL_) throw new Error('GATESMITH_URL is not set');
afterEach(chat.closeAll);
const client = () => chat.client(URL_);

test('a message to a room reaches its members, the sender included, and no one else', async () => {
  const [a, b, c] = [await client(), await client(), await client()];
  assert.equal(await send(a, 'join', { room: 'lobby' }), 'joined lobby');
  assert.equal(await send(b, 'join', { room: 'lobby' }), 'joined lobby');
  assert.equal(await send(c, 'join', { room: 'garden' }), 'joined garden');
  assert.equal(await send(a, 'say', { room: 'lobby', text: 'hello' }), 'sent');
  const said = { event: 'said', data: { room: 'lobby', from: a.id, text: 'hello' } };
  await receives(a, said, 'the sender, in the room');
  await receives(b, said, 'another member');
  // c hears its own room's message after: had lobby's reached it, it came first.
  assert.equal(await send(c, 'say', { room: 'garden', text: 'psst' }), 'sent');
  await receives(c, { event: 'said', data: { room: 'garden', from: c.id, text: 'psst' } }, 'c, in garden');
  never(c, said, 'c is not in lobby');
  never(a, { event: 'said', data: { room: 'garden', from: c.id, text: 'psst' } }, 'a is not in garden');
});

test('saying something to a room one is not in is forbidden, and no one hears it', async () => {
  const [a, b] = [await client(), await client()];
  await send(a, 'join', { room: 'club' });
  const reply = await send(b, 'say', { room: 'club', text: 'let me in' });
  assert.deepEqual(reply, {
    status: 'error',
    code: 'forbidden',
    event: 'say',
    message: 'only members of the room "club" may send this',
  });
  await send(a, 'say', { room: 'club', text: 'members only' });
  await receives(a, { event: 'said', data: { room: 'club', from: a.id, text: 'members only' } }, 'a');
  never(a, { event: 'said', data: { room: 'club', from: b.id, text: 'let me in' } }, 'the refused message');
});

test('joining tells the room but not the one who joins; typing goes to the others only', async () => {
  const [a, b] = [await client(), await client()];
  await send(a, 'join', { room: 'den' });
  await send(b, 'join', { room: 'den' });
  await receives(a, { event: 'joined', data: { room: 'den', id: b.id } }, 'a hears b join');
  never(b, { event: 'joined', data: { room: 'den', id: b.id } }, 'b is not told of itself');
  b.socket.emit('typing', { room: 'den' });
  await receives(a, { event: 'typing', data: { room: 'den', id: b.id } }, 'a sees b typing');
  await send(b, 'say', { room: 'den', text: 'done' });
  await receives(b, { event: 'said', data: { room: 'den', from: b.id, text: 'done' } }, 'b hears its own message');
  never(b, { event: 'typing', data: { room: 'den', id: b.id } }, 'b does not see itself typing');
});

test('after leaving, a client hears nothing more from the room, and the room is told', async () => {
  const [a, b] = [await client(), await client()];
  await send(a, 'join', { room: 'hall' });
  await send(b, 'join', { room: 'hall' });
  assert.equal(await send(b, 'leave', { room: 'hall' }), 'left hall');
  await receives(a, { event: 'left', data: { room: 'hall', id: b.id } }, 'a is told b left');
  await send(a, 'say', { room: 'hall', text: 'anyone?' });
  await receives(a, { event: 'said', data: { room: 'hall', from: a.id, text: 'anyone?' } }, 'a hears itself');
  await send(b, 'join', { room: 'other' });
  await send(b, 'say', { room: 'other', text: 'here' });
  await receives(b, { event: 'said', data: { room: 'other', from: b.id, text: 'here' } }, 'b hears its new room');
  never(b, { event: 'said', data: { room: 'hall', from: a.id, text: 'anyone?' } }, 'b left hall');
});

test("going away reaches everyone sharing one of the sender's rooms, once, and no one else", async () => {
  const [a, b, c, d] = [await client(), await client(), await client(), await client()];
  await send(a, 'join', { room: 'one' });
  await send(a, 'join', { room: 'two' });
  await send(b, 'join', { room: 'one' });
  await send(c, 'join', { room: 'two' });
  await send(b, 'join', { room: 'two' }); // b shares both rooms: told once
  await send(d, 'join', { room: 'three' });
  a.socket.emit('away');
  const away = { event: 'away', data: { id: a.id } };
  await receives(b, away, 'b shares rooms with a');
  await receives(c, away, 'c shares room two with a');
  // A message to three, sent after, reaches d: had away reached d, it came first.
  await send(d, 'say', { room: 'three', text: 'quiet' });
  await receives(d, { event: 'said', data: { room: 'three', from: d.id, text: 'quiet' } }, 'd');
  never(d, away, 'd shares no room with a');
  assert.equal(b.got.filter((e) => e.event === 'away').length, 1, 'b is told once');
  never(a, away, 'a is not told of itself');
});

test('a room name outside the schema is refused before anyone hears of it', async () => {
  const a = await client();
  const reply = await send(a, 'join', { room: '' });
  assert.equal(reply.code, 'invalid_payload', JSON.stringify(reply));
  assert.deepEqual(reply.violations.map((v) => [v.path, v.rule]), [['$.room', 'minLength']]);
});
