import { IonfluxError } from '../errors';

export class InvalidWorkspaceSettingsError extends IonfluxError {
  constructor(problems: string[]) {
    super('invalid_workspace_settings', `workspace settings are invalid: ${problems.join('; ')}`, {
      status: 400,
      details: { problems },
    });
  }
}
