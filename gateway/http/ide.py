"""The development IDE page served at GET /graphql (Accept: text/html) when `config.ide` is on.

GraphiQL itself is not vendored: its npm bundle needs React and weighs megabytes,
and no CDN is reachable from here. This is a small self-contained page instead
(no external assets): a query editor, variables, headers, and the JSON answer.
"""

IDE_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bff GraphQL IDE</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;display:grid;grid-template-columns:1fr 1fr;height:100vh}
section{display:flex;flex-direction:column;padding:8px;gap:6px;min-height:0}
textarea,pre{font-family:ui-monospace,monospace;font-size:13px;border:1px solid #ccc;padding:6px;margin:0}
#query{flex:3}#variables,#headers{flex:1}pre{flex:1;overflow:auto;background:#f7f7f7}
button{padding:6px 14px;font-size:14px}
</style></head><body>
<section>
<label for="query">Query</label>
<textarea id="query" spellcheck="false">{ __typename }</textarea>
<label for="variables">Variables (JSON)</label>
<textarea id="variables" spellcheck="false">{}</textarea>
<label for="headers">Headers (JSON)</label>
<textarea id="headers" spellcheck="false">{}</textarea>
<button id="run" title="Ctrl+Enter">Run</button>
</section>
<section><label>Response</label><pre id="out"></pre></section>
<script>
const $ = (id) => document.getElementById(id);
async function run() {
  const out = $("out");
  let variables, extra;
  try { variables = JSON.parse($("variables").value || "{}"); extra = JSON.parse($("headers").value || "{}"); }
  catch (e) { out.textContent = "Variables/headers are not JSON: " + e.message; return; }
  out.textContent = "...";
  try {
    const res = await fetch(location.pathname, {method: "POST", headers: Object.assign(
      {"content-type": "application/json", "accept": "application/graphql-response+json"}, extra),
      body: JSON.stringify({query: $("query").value, variables})});
    out.textContent = res.status + "\\n" + JSON.stringify(await res.json(), null, 2);
  } catch (e) { out.textContent = String(e); }
}
$("run").onclick = run;
document.addEventListener("keydown", (e) => { if (e.ctrlKey && e.key === "Enter") run(); });
</script></body></html>
"""
