// Load for tests/shutdown_load.rs: many official socket.io clients, each with
// several `findOneAaa` requests in flight, against a gateway process that this
// script sends SIGTERM to in the middle of the stream. Prints one JSON line:
// every request's outcome, every client's disconnect reason, and whether a
// new client could still connect once shutdown began. The Rust test holds
// the assertions; this file only observes.
//
// Run with: GATESMITH_URL=http://127.0.0.1:PORT SERVER_PID=N node shutdown-load.mjs

import { io } from 'socket.io-client';

const URL_ = process.env.GATESMITH_URL;
const SERVER_PID = Number(process.env.SERVER_PID);
if (!URL_ || !Number.isInteger(SERVER_PID) || SERVER_PID <= 0) {
  throw new Error('GATESMITH_URL and SERVER_PID must be set');
}
const WEBSOCKET_CLIENTS = Number(process.env.WEBSOCKET_CLIENTS ?? 40);
const POLLING_CLIENTS = Number(process.env.POLLING_CLIENTS ?? 10);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 4);
// The signal goes once this many acks have come back: mid-stream.
const ACKS_BEFORE_SIGNAL = Number(process.env.ACKS_BEFORE_SIGNAL ?? 300);
// Longer than any answer can take (300 ms of service, the drain, a busy
// machine): a request unanswered by then was silently lost.
const ACK_TIMEOUT_MS = 8000;
const OVERALL_TIMEOUT_MS = 30000;

const now = () => performance.now();
const results = []; // { id, outcome: ack|refused|closed|timeout|wrong, transport, at, answer? }
const disconnects = [];
let acks = 0;
let signalledAt = null;
let nextId = 1;
let sawRefusal = false;
let firstRefusal;
const refused = new Promise((resolve) => {
  firstRefusal = resolve;
});

function connect(transport) {
  const socket = io(URL_, {
    forceNew: true,
    reconnection: false,
    transports: [transport],
    upgrade: false,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

function maybeSignal() {
  if (signalledAt === null && acks >= ACKS_BEFORE_SIGNAL) {
    signalledAt = now();
    process.kill(SERVER_PID, 'SIGTERM');
  }
}

async function requestLoop(socket, transport) {
  while (socket.connected) {
    const id = nextId++;
    const sentAt = now();
    let outcome;
    let answer;
    try {
      answer = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('findOneAaa', id);
      if (answer === `slow #${id}`) outcome = 'ack';
      else if (answer?.status === 'error' && answer?.code === 'shutting_down') outcome = 'refused';
      else outcome = 'wrong';
    } catch (err) {
      outcome = /disconnected/.test(err.message) ? 'closed' : 'timeout';
    }
    results.push({ id, outcome, transport, at: now(), ...(outcome === 'ack' ? {} : { answer }) });
    if (outcome === 'ack') {
      acks += 1;
      maybeSignal();
    } else {
      if (outcome === 'refused') {
        sawRefusal = true;
        firstRefusal();
      }
      return;
    }
  }
}

const clients = [];
for (let i = 0; i < WEBSOCKET_CLIENTS; i += 1) clients.push(['websocket', connect('websocket')]);
for (let i = 0; i < POLLING_CLIENTS; i += 1) clients.push(['polling', connect('polling')]);

const everyone = [];
for (const [transport, pending] of clients) {
  const socket = await pending;
  const gone = new Promise((resolve) => {
    socket.once('disconnect', (reason) => {
      disconnects.push({ transport, reason, at: now() });
      resolve();
    });
  });
  const loops = Array.from({ length: IN_FLIGHT }, () => requestLoop(socket, transport));
  everyone.push(Promise.all([gone, ...loops]));
}

// Once the server refuses messages, it is shutting down: a new client must
// not get in.
const newConnection = refused.then(() =>
  connect('websocket').then(
    (socket) => {
      socket.close();
      return 'connected';
    },
    (err) => `refused: ${err.message}`,
  ),
);

// Exits once the report is written whole: process.exit right after a write
// to a pipe would cut it short.
const report = (run, code) => process.stdout.write(`${JSON.stringify(run)}\n`, () => process.exit(code));

const overall = setTimeout(() => {
  report({ error: 'the run did not end in time', signalledAt, results, disconnects }, 1);
}, OVERALL_TIMEOUT_MS);
await Promise.all(everyone);
const newcomer = sawRefusal ? await newConnection : 'never tried: no refusal came';
clearTimeout(overall);
report({ signalledAt, results, disconnects, newConnection: newcomer }, 0);
