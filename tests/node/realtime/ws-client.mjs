// A graphql-ws client (graphql-transport-ws) driven by the Python tests.
//   node realtime/ws-client.mjs '{"url": "ws://...", "connectionParams": {...}, "subscriptions": [{"query": ...}]}'
// Prints one JSON line per happening: {"event": "connected"}, {"sub": i, "event": "next", "data": ...},
// {"sub": i, "event": "error", "error": ...}, {"sub": i, "event": "complete"}, {"event": "closed", "code", "reason"}.
// Reads JSON lines on stdin: {"unsubscribe": i}, {"subscribe": {...}} (index = next free), {"dispose": true}.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import readline from 'node:readline';

const spec = JSON.parse(process.argv[2]);
const out = (line) => process.stdout.write(JSON.stringify(line) + '\n');
const client = createClient({
  url: spec.url,
  webSocketImpl: WebSocket,
  connectionParams: spec.connectionParams,
  retryAttempts: 0,
  lazy: false,
  keepAlive: 0,
  on: {
    connected: () => out({ event: 'connected' }),
    closed: (e) => out({ event: 'closed', code: e?.code, reason: e?.reason }),
    ping: (received) => received && out({ event: 'ping' }),
  },
  onNonLazyError: () => {},
});

function describe(error) {
  if (Array.isArray(error)) return { errors: error };
  if (error && typeof error.code === 'number') return { code: error.code, reason: error.reason };
  return { message: String(error?.message ?? error) };
}

const stops = [];
function subscribe(payload) {
  const sub = stops.length;
  stops.push(client.subscribe(payload, {
    next: (data) => out({ sub, event: 'next', data }),
    error: (error) => out({ sub, event: 'error', error: describe(error) }),
    complete: () => out({ sub, event: 'complete' }),
  }));
}
for (const payload of spec.subscriptions ?? []) subscribe(payload);

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line);
  if ('unsubscribe' in command) stops[command.unsubscribe]();
  if ('subscribe' in command) subscribe(command.subscribe);
  if (command.dispose) client.dispose().then(() => { out({ event: 'disposed' }); process.exit(0); });
}).on('close', () => process.exit(0));
