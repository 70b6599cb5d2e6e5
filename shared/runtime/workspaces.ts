/** The workspace directory of this execution environment (on the `workspaces` table). */
import { config } from '../config/env';
import { WorkspaceDirectory } from '../workspaces/workspace-directory';
import { perEnvironment } from './per-environment';
import { table } from './storage';

export const workspaceDirectory = perEnvironment(() => new WorkspaceDirectory(table('workspaces'), { secretRoot: config().secretRoot }));
