// Generic @apollo/subgraph server: `node serve.mjs <scenario-module> [port]`.
// The module exports `typeDefs` (SDL string) and `resolvers`, and optionally
// `reset()` (called on DELETE /__requests to restore its seed data).
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "graphql";
import { ApolloServer } from "@apollo/server";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { serveApollo } from "./_http.mjs";

const [modulePath, portArg] = process.argv.slice(2);
const mod = await import(pathToFileURL(path.resolve(modulePath)).href);
const schema = buildSubgraphSchema([{ typeDefs: parse(mod.typeDefs), resolvers: mod.resolvers ?? {} }]);
const server = new ApolloServer({
  schema,
  csrfPrevention: false,
  introspection: true,
  includeStacktraceInErrorResponses: false,
});
await serveApollo(server, Number(portArg || 0), { onReset: mod.reset });
