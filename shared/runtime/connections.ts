/** The connections registry of this execution environment (on the `connections` table). */
import { ConnectionRegistry } from '../connections/connection-registry';
import { perEnvironment } from './per-environment';
import { table } from './storage';

export const connectionRegistry = perEnvironment(() => new ConnectionRegistry(table('connections')));
