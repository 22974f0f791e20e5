// The GraphiQL page bff serves in development (and where an operator turns it on).
// Built by build.mjs into gateway/http/ide_assets/; nothing is fetched from a CDN at run time.
import * as React from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL, HISTORY_PLUGIN } from 'graphiql';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';

// Monaco's language workers are built as separate files next to this bundle.
const base = new URL('.', import.meta.url);
globalThis.MonacoEnvironment = {
  getWorker(_id, label) {
    const file = label === 'json' ? 'json.worker.js' : label === 'graphql' ? 'graphql.worker.js' : 'editor.worker.js';
    return new Worker(new URL(file, base));
  },
};

const settings = JSON.parse(document.getElementById('bff-ide-settings').textContent);
const fetcher = createGraphiQLFetcher({ url: settings.endpoint });
const plugins = [HISTORY_PLUGIN, explorerPlugin()];

function App() {
  return React.createElement(GraphiQL, {
    fetcher,
    plugins,
    defaultQuery: settings.defaultQuery,
    defaultHeaders: settings.defaultHeaders,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
  });
}

createRoot(document.getElementById('graphiql')).render(React.createElement(App));
