'use strict';
// The HTTP API's CORS (provider.httpApi.cors) from the gateway's own configuration file, so API
// Gateway's preflight answers and the gateway's CORS headers come from one source: the `server.cors`
// section of deploy/bff.yaml (the gateway's BFF_CONFIG), read into custom.gatewayCors by serverless.yml.
// No origins there: no CORS on the HTTP API (browsers on other origins are refused, as by the gateway).

const DEFAULT_HEADERS = ['content-type', 'authorization', 'apollo-require-preflight', 'x-apollo-operation-name',
  'graphql-preflight', 'x-request-id', 'traceparent', 'tracestate']; // GatewayConfig.cors_allow_headers

class CorsFromConfig {
  constructor(serverless) {
    this.serverless = serverless;
    const apply = () => this.apply();
    this.hooks = {
      'before:package:initialize': apply,
      'before:offline:start:init': apply,
    };
  }

  apply() {
    const { service } = this.serverless;
    const cors = (service.custom || {}).gatewayCors;
    if (!cors || !Array.isArray(cors.origins) || !cors.origins.length) return;
    const httpApi = service.provider.httpApi || (service.provider.httpApi = {});
    if (httpApi.cors) {
      throw new this.serverless.classes.Error(
        'bff: provider.httpApi.cors is generated from deploy/bff.yaml (server.cors); set CORS there only',
        'BFF_CORS_TWICE');
    }
    httpApi.cors = {
      allowedOrigins: cors.origins,
      allowedHeaders: cors.allow_headers || DEFAULT_HEADERS,
      allowedMethods: ['GET', 'POST', 'OPTIONS'], // gateway/http/cors.py METHODS
      allowCredentials: Boolean(cors.allow_credentials),
      maxAge: cors.max_age === undefined ? 600 : cors.max_age,
    };
  }
}

module.exports = CorsFromConfig;
