// Reference composer for tests: reads [{name, url, sdl}] as JSON on stdin and
// prints the supergraph SDL on stdout, or the composition errors as JSON on
// stderr with exit code 1. `--apollo` uses @apollo/composition instead of
// @theguild/federation-composition.
import { parse } from "graphql";

const input = JSON.parse(await new Promise((resolve) => {
  let data = "";
  process.stdin.on("data", (c) => (data += c));
  process.stdin.on("end", () => resolve(data));
}));

let result;
if (process.argv.includes("--apollo")) {
  const { composeServices } = await import("@apollo/composition");
  result = composeServices(input.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
} else {
  const { composeServices } = await import("@theguild/federation-composition");
  result = composeServices(input.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
}
if (result.errors && result.errors.length) {
  process.stderr.write(JSON.stringify(result.errors.map((e) => ({ message: e.message, code: e.extensions?.code ?? e.code ?? null }))));
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
