import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeFindings, type NagAcknowledgement } from './nag-acknowledgements';
import { readSettings } from './settings';
import { FunctionsStack } from './stacks/functions-stack';
import { PlatformStack } from './stacks/platform-stack';

export interface IonfluxApp {
  platform: PlatformStack;
  functions: FunctionsStack;
}

export interface BuiltApp extends IonfluxApp {
  acknowledgements: NagAcknowledgement[];
}

/**
 * Builds both stacks into `app` with the acknowledged cdk-nag findings. `nag: false` leaves the
 * validation plugin out (tests run the checks themselves); `acknowledge: false` skips the
 * acknowledgements (to prove the checks find something without them).
 */
export function buildApp(app: App, options: { nag?: boolean; acknowledge?: boolean } = {}): BuiltApp {
  const settings = readSettings(app.node);
  const platform = new PlatformStack(app, `Ionflux-${settings.stage}-Platform`, settings);
  const functions = new FunctionsStack(app, `Ionflux-${settings.stage}-Functions`, settings, platform.resources);
  functions.addStackDependency(platform);
  const acknowledgements = options.acknowledge === false ? [] : acknowledgeFindings({ platform, functions });
  if (options.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { platform, functions, acknowledgements };
}
