// @apollo/gateway + @apollo/server for the benchmark: `node bench/apollo-gateway.mjs <supergraph.graphql> [port]`.
//
// Unlike tests/node/apollo-gateway.mjs (which records every request it gets for
// the differential tests, so its log grows without bound under load) this
// serves GraphQL only: a plain node:http front, no request log, no usage
// reporting, no landing page. Packages come from tests/node/node_modules.
// Prints "LISTENING <port>" once the gateway has loaded the supergraph, and
// exits when its parent closes stdin (it never outlives bench/run.py).
// BENCH_PRINT_PLANS=1 prints each new query plan to stderr.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "tests", "node", "package.json"));
const { ApolloServer, HeaderMap } = require("@apollo/server");
const { ApolloGateway } = require("@apollo/gateway");
const { ApolloServerPluginLandingPageDisabled } = require("@apollo/server/plugin/disabled");

const [supergraphPath, portArg] = process.argv.slice(2);
const supergraphSdl = fs.readFileSync(supergraphPath, "utf8");
const printed = new Set();
const gateway = new ApolloGateway({
  supergraphSdl,
  logger: { debug() {}, info() {}, warn() {}, error: console.error },
  experimental_didResolveQueryPlan: process.env.BENCH_PRINT_PLANS
    ? ({ queryPlan, requestContext }) => {
        const key = requestContext.source;
        if (!printed.has(key)) {
          printed.add(key);
          process.stderr.write(`PLAN ${JSON.stringify(key)}\n${require("@apollo/query-planner").prettyFormatQueryPlan(queryPlan)}\n`);
        }
      }
    : undefined,
});
const server = new ApolloServer({
  gateway,
  csrfPrevention: false,
  introspection: false,
  includeStacktraceInErrorResponses: false,
  plugins: [ApolloServerPluginLandingPageDisabled()],
});
await server.start();

const httpServer = http.createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname === "/health") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"status":"ok"}');
      return;
    }
    let body = Buffer.concat(chunks).toString("utf8");
    if (req.method === "POST") {
      try { body = JSON.parse(body); } catch { /* Apollo Server answers the error */ }
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    }
    const result = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search: url.search, body },
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
    res.end(String((e && e.stack) || e));
  }
});
httpServer.keepAliveTimeout = 60000;
await new Promise((resolve) => httpServer.listen(Number(portArg || 0), "127.0.0.1", resolve));
process.stdout.write(`LISTENING ${httpServer.address().port}\n`);
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
