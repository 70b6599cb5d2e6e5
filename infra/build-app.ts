import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeFindings } from './nag-acknowledgements';
import { readSettings } from './settings';
import { FunctionsStack } from './stacks/functions-stack';
import { PlatformStack } from './stacks/platform-stack';

export interface IonfluxApp {
  platform: PlatformStack;
  functions: FunctionsStack;
}

/** Builds both stacks into `app`, with the acknowledged cdk-nag findings; `nag: false` leaves the plugin out. */
export function buildApp(app: App, options: { nag?: boolean } = {}): IonfluxApp {
  const settings = readSettings(app.node);
  const platform = new PlatformStack(app, `Ionflux-${settings.stage}-Platform`, settings);
  const functions = new FunctionsStack(app, `Ionflux-${settings.stage}-Functions`, settings, platform.resources);
  functions.addDependency(platform);
  acknowledgeFindings({ platform, functions });
  if (options.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { platform, functions };
}
