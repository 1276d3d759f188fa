// The payload limit as the official client meets it, on each transport,
// against the slow gateway started by tests/limits.rs with
// GATESMITH_MAX_PAYLOAD_BYTES=4096: a message that fits is answered; one
// that does not disconnects its own client (documented in docs/host.md)
// while another client goes on being served.
//
// Run with: GATESMITH_URL=http://127.0.0.1:PORT node --test limits.test.mjs

import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';

const URL_ = process.env.GATESMITH_URL;
if (!URL_) throw new Error('GATESMITH_URL is not set');
const LIMIT = 4096;
const ACK_TIMEOUT_MS = 3000;

const openSockets = new Set();
afterEach(() => {
  for (const socket of openSockets) socket.close();
  openSockets.clear();
});

function connect(transport) {
  const socket = io(URL_, { forceNew: true, reconnection: false, transports: [transport], upgrade: false });
  openSockets.add(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

const create = (socket, name) =>
  socket.timeout(ACK_TIMEOUT_MS).emitWithAck('createAaa', { name });

for (const transport of ['websocket', 'polling']) {
  test(`${transport}: a message over the limit disconnects its client, others go on`, async () => {
    const [client, bystander] = await Promise.all([connect(transport), connect(transport)]);
    // Just under the limit, packet framing included: answered.
    assert.equal(await create(client, 'x'.repeat(LIMIT - 100)), 'This action adds a new aaa');

    const disconnected = new Promise((resolve) => client.once('disconnect', resolve));
    await assert.rejects(create(client, 'x'.repeat(LIMIT + 1)), {
      message: 'socket has been disconnected',
    });
    const reason = await disconnected;
    assert.equal(reason, transport === 'websocket' ? 'transport close' : 'transport error');
    assert.equal(client.connected, false);

    // The server and its other clients are unaffected.
    assert.equal(await create(bystander, 'still here'), 'This action adds a new aaa');
    const again = await connect(transport);
    assert.equal(await create(again, 'y'.repeat(LIMIT - 100)), 'This action adds a new aaa');
  });
}
