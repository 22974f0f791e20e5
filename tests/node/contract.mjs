// Reference contract filter for tests: reads {subgraphs: [{name, url, sdl}], include: [...], exclude: [...]} as
// JSON on stdin and prints {publicSdl} (the contract's API schema, from @theguild/federation-composition's
// composeSchemaContract, unreachable types removed) or {errors} on stdout.
import { parse } from "graphql";
import { composeSchemaContract } from "@theguild/federation-composition";

const input = JSON.parse(await new Promise((resolve) => {
  let data = "";
  process.stdin.on("data", (c) => (data += c));
  process.stdin.on("end", () => resolve(data));
}));
const services = input.subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) }));
const result = composeSchemaContract(services, { include: new Set(input.include), exclude: new Set(input.exclude) }, true);
if (result.errors && result.errors.length) {
  process.stdout.write(JSON.stringify({ errors: result.errors.map((e) => e.message) }));
} else {
  process.stdout.write(JSON.stringify({ publicSdl: result.publicSdl }));
}
