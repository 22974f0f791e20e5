// A graphql-sse client (distinct connections mode) driven by the Python tests.
//   node realtime/sse-client.mjs '{"url": "http://.../graphql", "headers": {...}, "subscriptions": [{"query": ...}]}'
// Prints one JSON line per happening, like ws-client.mjs; stdin: {"unsubscribe": i}, {"dispose": true}.
import { createClient } from 'graphql-sse';
import readline from 'node:readline';

const spec = JSON.parse(process.argv[2]);
const out = (line) => process.stdout.write(JSON.stringify(line) + '\n');
const client = createClient({ url: spec.url, headers: spec.headers ?? {}, retryAttempts: 0 });

const stops = [];
for (const payload of spec.subscriptions ?? []) {
  const sub = stops.length;
  stops.push(client.subscribe(payload, {
    next: (data) => out({ sub, event: 'next', data }),
    error: (error) => out({ sub, event: 'error', error: { message: String(error?.message ?? error),
                                                          status: error?.response?.status } }),
    complete: () => out({ sub, event: 'complete' }),
  }));
}
out({ event: 'started' });

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line);
  if ('unsubscribe' in command) stops[command.unsubscribe]();
  if (command.dispose) { client.dispose(); out({ event: 'disposed' }); process.exit(0); }
}).on('close', () => process.exit(0));
