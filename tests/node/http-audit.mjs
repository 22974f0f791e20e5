// GraphQL-over-HTTP conformance: runs graphql-http's server audit against the
// URL in argv[2] and prints the results as JSON on stdout:
// [{id, name, status: "ok"|"notice"|"warn"|"error", reason?, responseStatus?, responseBody?}].
import { auditServer } from "graphql-http";

const url = process.argv[2];
if (!url) {
  process.stderr.write("usage: node http-audit.mjs URL\n");
  process.exit(2);
}

const results = await auditServer({ url, fetchFn: fetch });
const out = [];
for (const r of results) {
  const item = { id: r.id, name: r.name, status: r.status };
  if (r.status !== "ok") {
    item.reason = r.reason;
    if (r.response) {
      item.responseStatus = r.response.status;
      try {
        item.responseBody = (await r.response.text()).slice(0, 500);
      } catch {
        item.responseBody = null; // already read by the audit
      }
    }
  }
  out.push(item);
}
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
