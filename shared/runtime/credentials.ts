/** Workspace credentials for niche services (the credentials API and CLI) in this execution environment. */
import { serviceCatalog } from '../credentials/catalog';
import { WorkspaceCredentials } from '../credentials/workspace-credentials';
import { config } from '../config/env';
import { perEnvironment } from './per-environment';
import { secretResolver, secretStore } from './secrets';
import { table } from './storage';
import { workspaceDirectory } from './workspaces';

export const workspaceCredentials = perEnvironment(
  () =>
    new WorkspaceCredentials({
      store: secretStore(),
      resolver: secretResolver(),
      workspaces: workspaceDirectory(),
      records: table('workspace-credentials'),
      catalog: serviceCatalog(),
      secretRoot: config().secretRoot,
    }),
);
