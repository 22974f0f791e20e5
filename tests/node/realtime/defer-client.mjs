// A @defer request read with meros (the multipart parser urql and Relay use).
//   node realtime/defer-client.mjs '{"url": "...", "query": "...", "variables": {...}, "accept": "..."}'
// Prints {"status", "contentType"} then one line per part: {"ms": since the request, "part": <JSON>};
// a response that is not multipart prints {"ms", "json": <body>}.
import { meros } from 'meros/browser'; // fetch's Response (meros/node reads http.IncomingMessage)

const spec = JSON.parse(process.argv[2]);
const started = performance.now();
const ms = () => Math.round(performance.now() - started);
const out = (line) => process.stdout.write(JSON.stringify(line) + '\n');
const response = await fetch(spec.url, {
  method: 'POST',
  headers: { 'content-type': 'application/json',
             accept: spec.accept ?? 'multipart/mixed;deferSpec=20220824, application/json' },
  body: JSON.stringify({ query: spec.query, variables: spec.variables ?? {} }),
});
out({ status: response.status, contentType: response.headers.get('content-type') });
const parts = await meros(response);
if (parts[Symbol.asyncIterator]) {
  for await (const part of parts) {
    if (!part.json) throw new Error('a part that is not JSON: ' + part.body);
    out({ ms: ms(), part: part.body });
  }
} else {
  out({ ms: ms(), json: await parts.json() });
}
