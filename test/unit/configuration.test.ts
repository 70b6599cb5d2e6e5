/** Bad configuration gets a message that names the variable and the problem, at start, not a stack trace later. */
import { readConfig } from '../../shared/config/env';
import { InvalidConfigError } from '../../shared/config/errors';

describe('configuration from the environment', () => {
  it('chooses backends: embedded by default, AWS with an endpoint or in Lambda, Kafka with brokers or a cluster ARN', () => {
    expect(readConfig({})).toMatchObject({ aws: { enabled: false }, kafka: { mode: 'embedded' }, resourcePrefix: 'ionflux', secretRoot: 'ionflux', localMode: true });
    expect(readConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }).aws).toMatchObject({ enabled: true, endpoint: 'http://127.0.0.1:5000' });
    expect(readConfig({ AWS_LAMBDA_FUNCTION_NAME: 'f', AWS_REGION: 'eu-west-1' })).toMatchObject({ aws: { enabled: true, region: 'eu-west-1' }, localMode: false });
    expect(readConfig({ KAFKA_BROKERS: 'a:9092, b:9092' }).kafka).toEqual({ mode: 'brokers', brokers: ['a:9092', 'b:9092'], auth: 'none' });
    expect(readConfig({ KAFKA_CLUSTER_ARN: 'arn:aws:kafka:us-east-1:1:cluster/x/y' }).kafka).toEqual({ mode: 'msk', clusterArn: 'arn:aws:kafka:us-east-1:1:cluster/x/y' });
  });

  it.each([
    [{ KAFKA_BROKERS: 'localhost' }, 'KAFKA_BROKERS has an invalid host:port "localhost"'],
    [{ KAFKA_AUTH: 'scram' }, 'KAFKA_AUTH must be "none" or "iam"'],
    [{ KAFKA_CLUSTER_ARN: 'my-cluster' }, 'KAFKA_CLUSTER_ARN must be an MSK cluster ARN'],
    [{ IONFLUX_BACKEND: 'cloud' }, 'IONFLUX_BACKEND must be "aws" or "embedded"'],
    [{ IONFLUX_RESOURCE_PREFIX: 'Bad Prefix' }, 'IONFLUX_RESOURCE_PREFIX must match'],
    [{ IONFLUX_SECRET_ROOT: '/leading' }, 'IONFLUX_SECRET_ROOT must be a Secrets Manager name prefix'],
    [{ IONFLUX_SECRET_CACHE_TTL_SECONDS: 'soon' }, 'IONFLUX_SECRET_CACHE_TTL_SECONDS must be a number'],
  ])('refuses %j with a clear message', (env, message) => {
    expect(() => readConfig(env)).toThrow(InvalidConfigError);
    expect(() => readConfig(env)).toThrow(message);
  });
});
