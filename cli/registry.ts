import type { Command } from './command';
import { eventsRead, eventsTail } from './commands/events';
import { run } from './commands/run';
import { secretsList, secretsSet } from './commands/secrets';
import { workspacesGet, workspacesSet } from './commands/workspaces';

export const commands: Command[] = [secretsSet, secretsList, workspacesSet, workspacesGet, eventsRead, eventsTail, run];
