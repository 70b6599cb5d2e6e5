/**
 * Deadlines: every call path derives its time budget from the Lambda's remaining time.
 *
 * Code that knows its deadline passes it explicitly (the publisher, the LLM engine, the Shopify client).
 * The AWS data plane (tables, queues, secrets: every SDK call) is bounded by the **deadline scope** the
 * edge opens for each invocation (`withinDeadline`, opened by the HTTP, SQS and MSK handler stacks): an
 * AsyncLocalStorage carries the deadline to `shared/aws/client-config.ts`, which turns it into the
 * `abortSignal` of every SDK call, so a store deep in domain code never waits past the request's time.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import { IonfluxError, retryAfter } from './errors';

/** Something did not finish before its deadline: 503 with Retry-After at the edge. */
export class DeadlineExceededError extends IonfluxError {
  constructor(what: string) {
    super('deadline_exceeded', `${what} did not finish before the deadline`, { status: 503, headers: retryAfter() });
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (or already has); leaves no listener behind. */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Settles with `promise`, or rejects with DeadlineExceededError at `deadline` (epoch ms). */
export function withDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  const ms = deadline - Date.now();
  if (ms <= 0) {
    promise.catch(() => undefined);
    return Promise.reject(new DeadlineExceededError(what));
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(what)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface DeadlineScope {
  deadline: number;
  controller?: AbortController;
  timer?: NodeJS.Timeout;
}

const scopes = new AsyncLocalStorage<DeadlineScope>();

/**
 * How long after the scope's deadline `withinDeadline` gives up on `fn` itself. Calls bound to the scope
 * are aborted at the deadline and fail with their own error (which says what was slow); this is the
 * backstop for anything that is not bound, well inside the margin kept before Lambda's own timeout.
 */
export const BACKSTOP_GRACE_MS = 100;

export interface DeadlineScopeOptions {
  /** What runs, for the backstop's error ("the request", "the webhook"). */
  what?: string;
  /** false: no backstop (batch handlers report what they finished rather than failing the whole batch). */
  backstop?: boolean;
}

/**
 * Runs `fn` in a deadline scope: every AWS SDK call made inside it (through `shared/aws/client-config.ts`)
 * is aborted at `deadline`, and `fn` itself is given up on shortly after with DeadlineExceededError (503,
 * Retry-After). An enclosing scope with an earlier deadline wins: a scope only ever narrows.
 */
export async function withinDeadline<T>(deadline: number, fn: (deadline: number) => Promise<T>, options: DeadlineScopeOptions = {}): Promise<T> {
  const outer = scopes.getStore()?.deadline;
  const scope: DeadlineScope = { deadline: outer === undefined ? deadline : Math.min(outer, deadline) };
  let backstop: NodeJS.Timeout | undefined;
  try {
    const work = scopes.run(scope, () => fn(scope.deadline));
    if (options.backstop === false) return await work;
    const gaveUp = new Promise<never>((_, reject) => {
      backstop = setTimeout(() => reject(new DeadlineExceededError(options.what ?? 'the request')), Math.max(0, scope.deadline + BACKSTOP_GRACE_MS - Date.now()));
    });
    work.catch(() => undefined); // settles after the backstop answered: nobody waits for it any more
    return await Promise.race([work, gaveUp]);
  } finally {
    clearTimeout(backstop);
    clearTimeout(scope.timer);
  }
}

/**
 * Runs `fn` outside any deadline scope: for work that must not be cut short once started (spending a
 * Shopify refresh token and storing its successor), bounded instead by its clients' own timeouts.
 */
export function outsideDeadline<T>(fn: () => T): T {
  return scopes.exit(fn);
}

/** The deadline of the current scope (epoch ms), or undefined outside one. */
export const currentDeadline = (): number | undefined => scopes.getStore()?.deadline;

/**
 * An AbortSignal that aborts at the current scope's deadline (one per scope, shared by its calls), or
 * undefined outside a scope. Its reason is a DeadlineExceededError naming the scope's deadline.
 */
export function deadlineSignal(): AbortSignal | undefined {
  const scope = scopes.getStore();
  if (!scope) return undefined;
  if (!scope.controller) {
    const controller = new AbortController();
    // Every concurrent SDK call of the request listens on this one signal.
    setMaxListeners(0, controller.signal);
    const ms = scope.deadline - Date.now();
    const abort = () => controller.abort(new DeadlineExceededError('an AWS call'));
    if (ms <= 0) abort();
    else {
      scope.timer = setTimeout(abort, ms);
      scope.timer.unref();
    }
    scope.controller = controller;
  }
  return scope.controller.signal;
}
