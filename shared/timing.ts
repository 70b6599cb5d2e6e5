/** Deadlines: every call path derives its time budget from the Lambda's remaining time. */
export class DeadlineExceededError extends Error {
  constructor(what: string) {
    super(`${what} did not finish before the deadline`);
    this.name = 'DeadlineExceededError';
  }
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
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
