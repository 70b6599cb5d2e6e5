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
  /** Steady-state requests per second across the HTTP API, and the burst above it. */
  apiRateLimit: number;
  apiBurstLimit: number;
  /** The vector index memory requests use by default, and the others they may name (comma-separated). */
  vectorIndex: string;
  vectorIndexes: string;
}

export function readSettings(node: Node): DeploymentSettings {
  const get = (key: string, fallback: string) => String(node.tryGetContext(`ionflux:${key}`) ?? fallback);
  return {
    stage: get('stage', 'prod'),
    resourcePrefix: get('resourcePrefix', 'ionflux'),
    secretRoot: get('secretRoot', 'ionflux'),
    logRetentionDays: Number(get('logRetentionDays', '30')),
    apiRateLimit: Number(get('apiRateLimit', '200')),
    apiBurstLimit: Number(get('apiBurstLimit', '400')),
    vectorIndex: get('vectorIndex', 'ionflux-memory'),
    vectorIndexes: get('vectorIndexes', ''),
  };
}
