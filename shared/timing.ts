/** Deadlines: every call path derives its time budget from the Lambda's remaining time. */
export class DeadlineExceededError extends Error {
  constructor(what: string) {
    super(`${what} did not finish before the deadline`);
    this.name = 'DeadlineExceededError';
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
