/** Shopify integration: OAuth install, data access, Sentinel actions, syncs (issue 5). */
import type { FunctionSpec } from '../manifest-types';

export const shopifyFunctions: FunctionSpec[] = [
];
