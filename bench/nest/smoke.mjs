// Checks by hand that a running gateway answers as the lesson's table says,
// plus `echo`. Usage: node smoke.mjs [URL]   (default http://127.0.0.1:$PORT,
// PORT default 3000). Prints each ack and event; exits 1 on a mismatch.
// Transport: websocket only, as the benchmark's load generator connects.
import { io } from 'socket.io-client';
import assert from 'node:assert/strict';

const url = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const quick = process.env.SMOKE_QUICK === '1'; // skip the 5 s wait for findAllAaa's ccc

function connect() {
  const socket = io(url, { transports: ['websocket'], reconnection: false, timeout: 5000 });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

const a = await connect();
const b = await connect(); // a second client, to see who hears what
const heard = { a: [], b: [] };
const t0 = Date.now();
a.on('guang', (d) => { heard.a.push([Date.now() - t0, d]); console.log(`a: guang ${JSON.stringify(d)}`); });
b.on('guang', (d) => { heard.b.push([Date.now() - t0, d]); console.log(`b: guang ${JSON.stringify(d)}`); });

async function ack(event, ...args) {
  const reply = await a.timeout(5000).emitWithAck(event, ...args);
  console.log(`ack ${event} ${JSON.stringify(reply)}`);
  return reply;
}

const settle = (ms) => new Promise((r) => setTimeout(r, ms));

assert.deepEqual(await ack('echo', { msg: 'hi' }), { msg: 'hi' });
assert.equal(await ack('createAaa', { name: 'x' }), 'This action adds a new aaa');
await settle(200);
assert.deepEqual(heard.a.map(([, d]) => d), [777]);
assert.deepEqual(heard.b.map(([, d]) => d), [777]);

assert.equal(await ack('findOneAaa', 1), 'This action returns a #1 aaa');
await settle(200);
assert.deepEqual(heard.a.map(([, d]) => d), [777, 666]);
assert.deepEqual(heard.b.map(([, d]) => d), [777], 'findOneAaa emits to the sender only');

assert.equal(await ack('updateAaa', { id: 2, name: 'dong' }), 'This action updates a #2 aaa');
assert.equal(await ack('removeAaa', 2), 'This action removes a #2 aaa');

heard.a.length = 0;
const t1 = Date.now();
a.emit('findAllAaa');
await settle(quick ? 2500 : 5500);
const got = heard.a.map(([t, d]) => [Math.round((t - (t1 - t0)) / 1000), d.msg]);
console.log(`findAllAaa: ${JSON.stringify(got)} ([seconds after the emit, msg])`);
assert.deepEqual(got, quick ? [[0, 'aaa'], [2, 'bbb']] : [[0, 'aaa'], [2, 'bbb'], [5, 'ccc']]);
assert.deepEqual(heard.b.map(([, d]) => d), [777], 'findAllAaa replies to the sender only');

a.close();
b.close();
console.log('smoke: ok');
