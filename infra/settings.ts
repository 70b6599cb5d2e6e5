/** Deployment settings, from CDK context (cdk.json, or `-c ionflux:stage=staging` on the command line). */
import type { Node } from 'constructs';

export interface DeploymentSettings {
  stage: string;
  /** Same prefix the functions use to name tables and queues (`<prefix>-<name>`). */
  resourcePrefix: string;
  /** Root of Secrets Manager names (`<root>/platform/<provider>`). */
  secretRoot: string;
  /** Days CloudWatch keeps function and API access logs. */
  logRetentionDays: number;
  /** Steady-state requests per second of each internal (`iam`) route, and the burst above it. */
  apiRateLimit: number;
  apiBurstLimit: number;
  /** The same for each provider webhook route (`signature`): their own limits, so a flood there cannot use the internal routes'. */
  webhookRateLimit: number;
  webhookBurstLimit: number;
  /** The same for each browser-facing route (`public`: OAuth installs and callbacks, a few per merchant). */
  publicRateLimit: number;
  publicBurstLimit: number;
  /**
   * Concurrency reserved for each webhook function: deliveries always have it, and a flood of requests
   * there never takes the account's concurrency from the other functions. 0 leaves it unreserved (for
   * accounts whose concurrency quota is too small to reserve any).
   */
  webhookReservedConcurrency: number;
  /** Error rate (% of invocations in 5 minutes) of any function that raises its alarm. */
  functionErrorRatePercent: number;
  /**
   * SES identities (domains or addresses) email may be sent from: `ses:SendRawEmail` is granted on these
   * only. Context `ionflux:sesIdentities`, comma-separated (e.g. `brand.example,news.brand.example`).
   */
  sesIdentities: string[];
  /** The vector index memory requests use by default, and the others they may name (comma-separated). */
  vectorIndex: string;
  vectorIndexes: string;
}

export function readSettings(node: Node): DeploymentSettings {
  const get = (key: string, fallback: string) => String(node.tryGetContext(`ionflux:${key}`) ?? fallback);
  const num = (key: string, fallback: number, min = 0) => {
    const value = Number(get(key, String(fallback)));
    if (!Number.isFinite(value) || value < min) throw new Error(`CDK context ionflux:${key} must be a number ≥ ${min} (got "${get(key, '')}")`);
    return value;
  };
  return {
    stage: get('stage', 'prod'),
    resourcePrefix: get('resourcePrefix', 'ionflux'),
    secretRoot: get('secretRoot', 'ionflux'),
    logRetentionDays: num('logRetentionDays', 30, 1),
    apiRateLimit: num('apiRateLimit', 200),
    apiBurstLimit: num('apiBurstLimit', 400),
    webhookRateLimit: num('webhookRateLimit', 1000),
    webhookBurstLimit: num('webhookBurstLimit', 2000),
    publicRateLimit: num('publicRateLimit', 10),
    publicBurstLimit: num('publicBurstLimit', 20),
    webhookReservedConcurrency: Math.floor(num('webhookReservedConcurrency', 50)),
    functionErrorRatePercent: num('functionErrorRatePercent', 5),
    sesIdentities: get('sesIdentities', '')
      .split(',')
      .map((identity) => identity.trim())
      .filter(Boolean),
    vectorIndex: get('vectorIndex', 'ionflux-memory'),
    vectorIndexes: get('vectorIndexes', ''),
  };
}
