/**
 * The CDK app: `npm run synth` (offline, no credentials: the stacks are environment-agnostic and use no
 * lookups) and `npm run cdk -- deploy --all`. Both stacks are checked by cdk-nag (AwsSolutions) on synth.
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from './build-app';

buildApp(new App());
