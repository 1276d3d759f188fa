// Emits one event with the official socket.io client and prints its ack as
// JSON: `node ack.mjs URL EVENT [PAYLOAD_JSON]`, URL including the
// namespace (http://127.0.0.1:3000/users). Fails when the client cannot
// connect or no ack comes within 5 s. Used by the CLI's project tests.
import { io } from 'socket.io-client';

const [url, event, payload] = process.argv.slice(2);
const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
socket.on('connect_error', (err) => {
  console.error(`cannot connect to ${url}: ${err.message}`);
  process.exit(2);
});
socket.on('connect', async () => {
  try {
    const args = payload === undefined ? [] : [JSON.parse(payload)];
    const ack = await socket.timeout(5000).emitWithAck(event, ...args);
    console.log(JSON.stringify(ack));
    socket.close();
  } catch (err) {
    console.error(`${event}: ${err.message}`);
    process.exit(3);
  }
});
