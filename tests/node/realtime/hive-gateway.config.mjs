// Hive Gateway (@graphql-hive/gateway) over the example services, for the real-time conformance test
// (tests/realtime/test_hive_conformance.py):
//   node node_modules/.bin/hive-gateway supergraph SUPERGRAPH -c realtime/hive-gateway.config.mjs --host 127.0.0.1 -p PORT
// Subscriptions go to the subgraphs over graphql-transport-ws (as bff does); @defer and @stream are on.
export const gatewayConfig = {
  transportEntries: { '*.http': { options: { subscriptions: { kind: 'ws' } } } },
  deferStream: true,
  logging: 'error',
};
