'use strict';
// Refuses to package or deploy a stack whose token verification is empty (serverless.yml params
// jwksUrl, auth, allowAnonymous; deploy/README.md "Viewers"). With jwksUrl "" the Lambda authorizer
// would refuse every token, and the gateway would either refuse every request (allowAnonymous false)
// or silently treat signed-in viewers as anonymous: a stack that deploys "fine" and then fails
// everyone. Stage `local` (serverless-offline) only warns: its JWKS comes from BFF_LOCAL_JWKS_URL.

class JwksGuard {
  constructor(serverless) {
    this.serverless = serverless;
    const check = () => this.check();
    this.hooks = {
      'before:package:initialize': check,
      'before:deploy:deploy': check, // also `osls deploy --package DIR` (packaged earlier)
      'before:offline:start:init': check,
    };
  }

  check() {
    const { service } = this.serverless;
    const stage = this.serverless.getProvider('aws').getStage();
    const functions = service.functions || {};
    const env = (name) => ((functions[name] || {}).environment) || {};
    const gatewayEnv = env('gateway');
    const behindAuthorizer = ((functions.gateway || {}).events || []).some(
      (event) => event.httpApi && event.httpApi.authorizer);
    const problems = [];
    if (behindAuthorizer && !env('authorizer').BFF_JWT_JWKS_URL) {
      problems.push('auth=authorizer with an empty jwksUrl: the Lambda authorizer would refuse every request');
    }
    if (!behindAuthorizer && !gatewayEnv.BFF_JWT_JWKS_URL && !gatewayEnv.BFF_JWT_HS256_SECRET) {
      problems.push(String(gatewayEnv.BFF_ALLOW_ANONYMOUS) === 'true'
        ? 'auth=gateway with an empty jwksUrl: signed-in viewers would be served as anonymous (their tokens unverified)'
        : 'auth=gateway with an empty jwksUrl and allowAnonymous false: the gateway would refuse every request');
    }
    if (!problems.length) return;
    const message = `${problems.join('; ')}. Set --param="jwksUrl=https://YOUR-IDP/.well-known/jwks.json" `
      + '(and jwtIssuer, jwtAudience); see deploy/README.md, "Viewers".';
    if (stage === 'local') {
      this.serverless.cli.log(`bff: ${message} (stage local: set BFF_LOCAL_JWKS_URL)`);
      return;
    }
    throw new this.serverless.classes.Error(`bff: ${message}`, 'BFF_EMPTY_JWKS_URL');
  }
}

module.exports = JwksGuard;
