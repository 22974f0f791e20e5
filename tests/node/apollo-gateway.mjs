// Reference gateway for differential tests: `node apollo-gateway.mjs <supergraph.graphql> [port]`.
// Serves @apollo/gateway + @apollo/server over the given supergraph on 127.0.0.1
// and prints "LISTENING <port>" once ready. GET /__requests lists the client
// requests it received (same front as the Node subgraphs).
import fs from "node:fs";
import { ApolloServer } from "@apollo/server";
import { ApolloGateway } from "@apollo/gateway";
import { serveApollo } from "./subgraphs/_http.mjs";

const [supergraphPath, portArg] = process.argv.slice(2);
const supergraphSdl = fs.readFileSync(supergraphPath, "utf8");
const gateway = new ApolloGateway({ supergraphSdl, logger: { debug() {}, info() {}, warn() {}, error: console.error } });
const server = new ApolloServer({
  gateway,
  csrfPrevention: false,
  introspection: true,
  includeStacktraceInErrorResponses: false,
});
await serveApollo(server, Number(portArg || 0));
