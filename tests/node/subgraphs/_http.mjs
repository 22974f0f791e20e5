// Shared HTTP front for the Node test peers: serves an ApolloServer on
// 127.0.0.1, records every GraphQL request it receives (GET /__requests lists
// them, DELETE /__requests clears them), prints "LISTENING <port>" once ready,
// and exits when its parent closes stdin (so peers never outlive the tests).
import http from "node:http";
import { HeaderMap } from "@apollo/server";

export async function serveApollo(server, port, { onReset } = {}) {
  await server.start();
  const log = [];
  const httpServer = http.createServer(async (req, res) => {
    try {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const raw = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url, "http://127.0.0.1");
      if (url.pathname === "/__requests") {
        if (req.method === "DELETE") {
          log.length = 0;
          if (onReset) await onReset();
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(log));
        return;
      }
      let parsed = null;
      if (req.method === "POST") {
        try { parsed = JSON.parse(raw); } catch { parsed = null; }
      }
      if (parsed && typeof parsed === "object") {
        log.push({ query: parsed.query ?? null, variables: parsed.variables ?? null, operationName: parsed.operationName ?? null });
      }
      const headers = new HeaderMap();
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
      }
      const result = await server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search: url.search, body: parsed ?? raw },
        context: async () => ({}),
      });
      for (const [k, v] of result.headers) res.setHeader(k, v);
      res.statusCode = result.status || 200;
      if (result.body.kind === "complete") {
        res.end(result.body.string);
      } else {
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      }
    } catch (e) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(e && e.stack || e));
    }
  });
  httpServer.keepAliveTimeout = 30000;
  await new Promise((resolve) => httpServer.listen(port, "127.0.0.1", resolve));
  process.stdout.write(`LISTENING ${httpServer.address().port}\n`);
  process.stdin.on("end", () => process.exit(0));
  process.stdin.on("close", () => process.exit(0));
  process.stdin.resume();
  for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
  return httpServer;
}
