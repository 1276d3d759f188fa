// Clients of specs/chat.yaml for the tests: each records every server event
// it gets, so that a test can wait for one, or check it never came.

import assert from 'node:assert/strict';
import { Manager } from 'socket.io-client';

export const TIMEOUT_MS = 4000;
const EVENTS = ['joined', 'left', 'said', 'typing', 'away', 'exception', 'guang'];
const open = [];

/** Closes every client opened so far (for `afterEach`). */
export function closeAll() {
  for (const socket of open.splice(0)) socket.close();
}

/** A client connected to `namespace` of `url` over WebSocket. */
export async function client(url, namespace = '/chat') {
  const socket = new Manager(url, { transports: ['websocket'], reconnection: false }).socket(namespace);
  open.push(socket);
  const got = [];
  for (const event of EVENTS) socket.on(event, (data) => got.push({ event, data }));
  await new Promise((resolve, reject) => {
    socket.on('connect', resolve);
    socket.on('connect_error', reject);
  });
  return { socket, got, id: socket.id };
}

/** Emits `event` with `payload` and resolves with the ack. */
export const send = (c, event, payload) => c.socket.timeout(TIMEOUT_MS).emitWithAck(event, payload);

const same = (a, b) => a.event === b.event && JSON.stringify(a.data) === JSON.stringify(b.data);

/** Resolves once `c` got an event matching `wanted`. */
export async function receives(c, wanted, what) {
  const deadline = Date.now() + TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (c.got.some((e) => same(e, wanted))) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what}: never got ${JSON.stringify(wanted)}; got ${JSON.stringify(c.got)}`);
}

/**
 * After an event emitted later than `unwanted` (by the same server) has
 * arrived at `c`, `c` must not have received `unwanted`: one server's
 * emissions reach a client in order, so waiting for a later one is enough.
 */
export function never(c, unwanted, what) {
  const hit = c.got.find((e) => same(e, unwanted));
  assert.equal(hit, undefined, `${what}: got ${JSON.stringify(hit)}`);
}
