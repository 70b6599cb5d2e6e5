/**
 * AWS list prices the cost benchmark uses: us-east-1, arm64 Lambda, on-demand, no free tier, first
 * volume tier. Written down on 2026-12-06 from the public pricing pages below (the 2024-11 DynamoDB
 * on-demand price cut included); re-check them against the pages before quoting a figure elsewhere.
 */
export const PRICES_AS_OF = '2026-12-06';

export interface Price {
  usd: number;
  per: string;
  source: string;
}

export const prices = {
  apiGatewayHttpRequest: { usd: 1.0 / 1e6, per: 'HTTP API request (first 300 M a month; metered per 512 KB)', source: 'https://aws.amazon.com/api-gateway/pricing/' },
  lambdaRequest: { usd: 0.2 / 1e6, per: 'Lambda request', source: 'https://aws.amazon.com/lambda/pricing/' },
  lambdaArmGbSecond: { usd: 0.0000133334, per: 'Lambda GB-second, arm64 (first 7.5 B GB-s a month), billed per 1 ms', source: 'https://aws.amazon.com/lambda/pricing/' },
  dynamodbWriteUnit: { usd: 0.625 / 1e6, per: 'DynamoDB on-demand write request unit', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
  dynamodbReadUnit: { usd: 0.125 / 1e6, per: 'DynamoDB on-demand read request unit', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
  sqsRequest: { usd: 0.4 / 1e6, per: 'SQS standard request (each 64 KB chunk of payload)', source: 'https://aws.amazon.com/sqs/pricing/' },
  secretsManagerCall: { usd: 0.05 / 1e4, per: 'Secrets Manager API call', source: 'https://aws.amazon.com/secrets-manager/pricing/' },
  kmsRequest: { usd: 0.03 / 1e4, per: 'KMS request (a customer-managed key decrypting a secret read)', source: 'https://aws.amazon.com/kms/pricing/' },
  mskServerlessDataInGb: { usd: 0.1, per: 'MSK Serverless GB written', source: 'https://aws.amazon.com/msk/pricing/' },
  mskServerlessDataOutGb: { usd: 0.05, per: 'MSK Serverless GB read', source: 'https://aws.amazon.com/msk/pricing/' },
  cloudWatchLogsIngestGb: { usd: 0.5, per: 'CloudWatch Logs GB ingested (Standard class)', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  xrayTraceRecorded: { usd: 5.0 / 1e6, per: 'X-Ray trace recorded', source: 'https://aws.amazon.com/xray/pricing/' },
  // Fixed costs: paid per hour whatever the traffic, shown beside the per-webhook total, not in it.
  mskServerlessClusterHour: { usd: 0.75, per: 'MSK Serverless cluster-hour', source: 'https://aws.amazon.com/msk/pricing/' },
  mskServerlessPartitionHour: { usd: 0.0015, per: 'MSK Serverless partition-hour', source: 'https://aws.amazon.com/msk/pricing/' },
  natGatewayHour: { usd: 0.045, per: 'NAT gateway hour', source: 'https://aws.amazon.com/vpc/pricing/' },
  interfaceEndpointAzHour: { usd: 0.01, per: 'interface VPC endpoint hour per AZ', source: 'https://aws.amazon.com/privatelink/pricing/' },
} satisfies Record<string, Price>;

/** X-Ray's default sampling rule: the first request each second, then 5 % of the rest. */
export const XRAY_DEFAULT_SAMPLED_SHARE = 0.05;
export const HOURS_PER_MONTH = 730;
