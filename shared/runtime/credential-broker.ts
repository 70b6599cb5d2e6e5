/** The credential broker of this execution environment: registrations, workspace secrets, audit events on Kafka. */
import { CredentialBroker } from '../credentials/broker';
import { config } from '../config/env';
import { registrationStore } from './agents';
import { workspaceCredentials } from './credentials';
import { eventPublisher } from './events';
import { perEnvironment } from './per-environment';
import { secretResolver } from './secrets';
import { workspaceDirectory } from './workspaces';

export const credentialBroker = perEnvironment(
  () =>
    new CredentialBroker({
      registrations: registrationStore(),
      workspaces: workspaceDirectory(),
      secrets: secretResolver(),
      credentials: workspaceCredentials(),
      publisher: eventPublisher(),
      secretRoot: config().secretRoot,
    }),
);
