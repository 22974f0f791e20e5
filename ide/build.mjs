// Builds gateway/http/ide_assets/ from the pinned npm packages (package.json / package-lock.json):
//   cd ide && npm ci && npm run build
// Output: graphiql.js + graphiql.css (the page's bundle), three Monaco workers, fonts, and LICENSES.txt
// with the licence of every bundled package.
import { build } from 'esbuild';
import { readFileSync, writeFileSync, rmSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// BFF_IDE_OUT: build elsewhere (the test that checks the committed files are this build's output).
const out = process.env.BFF_IDE_OUT || join(here, '..', 'gateway', 'http', 'ide_assets');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = { bundle: true, minify: true, legalComments: 'none', logLevel: 'warning', target: 'es2022',
  define: { 'process.env.NODE_ENV': '"production"' } };

const result = await build({ ...common, entryPoints: { graphiql: join(here, 'src.jsx') }, outdir: out,
  format: 'esm', splitting: false, metafile: true, loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
  assetNames: '[name]' });
const workers = {
  'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
  'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
  'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
};
const workerResult = await build({ ...common, entryPoints: workers, outdir: out, format: 'iife', metafile: true });

// Licences of every package whose code went into the bundles.
const packages = new Set();  // package folders, relative to ide/ (nested node_modules included)
for (const meta of [result.metafile, workerResult.metafile]) {
  for (const input of Object.keys(meta.inputs)) {
    const match = input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//);
    if (match) packages.add(match[1]);
  }
}
const sections = [];
for (const folder of [...packages].sort()) {
  const dir = join(here, folder);
  const name = folder.replace(/^.*node_modules\//, '');
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `License: ${pkg.license ?? 'see package'}`;
  sections.push(`${name}@${pkg.version} (${pkg.license ?? 'unknown'})\n\n${text}`);
}
writeFileSync(join(out, 'LICENSES.txt'), sections.join('\n\n' + '-'.repeat(78) + '\n\n') + '\n');
if (!existsSync(join(out, 'graphiql.js'))) throw new Error('bundle missing');
console.log(`built ${out}: ${packages.size} packages bundled`);
