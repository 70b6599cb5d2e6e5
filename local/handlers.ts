/** Loading a manifest entry's handler in process (tsx in `npm run dev`; jest's module system in tests). */
import path from 'node:path';
import type { FunctionSpec } from '../functions/manifest-types';

export type AnyHandler = (event: unknown, context: unknown) => Promise<unknown>;
export type HandlerLoader = (spec: FunctionSpec) => Promise<AnyHandler>;

export const projectRoot = path.resolve(__dirname, '..');

const cache = new Map<string, AnyHandler>();

export const loadHandler: HandlerLoader = async (spec) => {
  let handler = cache.get(spec.id);
  if (!handler) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(path.join(projectRoot, spec.entry)) as { handler?: AnyHandler };
    if (typeof module.handler !== 'function') throw new Error(`${spec.entry} does not export a function named "handler"`);
    handler = module.handler;
    cache.set(spec.id, handler);
  }
  return handler;
};
