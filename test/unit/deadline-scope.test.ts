/** The deadline scope (shared/timing.ts): what bounds every AWS call made while handling one invocation. */
import { DeadlineExceededError, currentDeadline, deadlineSignal, outsideDeadline, withinDeadline } from '../../shared/timing';

const never = () => new Promise<never>(() => undefined);

describe('deadline scope', () => {
  it('carries the deadline to calls made anywhere inside it, and only ever narrows', async () => {
    expect(currentDeadline()).toBeUndefined();
    expect(deadlineSignal()).toBeUndefined();
    const outer = Date.now() + 5000;
    await withinDeadline(outer, async (deadline) => {
      expect(deadline).toBe(outer);
      await new Promise((r) => setImmediate(r));
      expect(currentDeadline()).toBe(outer);
      await withinDeadline(outer + 10_000, async (inner) => expect(inner).toBe(outer));
      await withinDeadline(outer - 1000, async (inner) => expect(currentDeadline()).toBe(inner));
    });
    expect(currentDeadline()).toBeUndefined();
  });

  it('aborts its signal at the deadline, with a DeadlineExceededError as the reason; one signal per scope', async () => {
    await withinDeadline(
      Date.now() + 50,
      async () => {
        const signal = deadlineSignal()!;
        expect(deadlineSignal()).toBe(signal);
        expect(signal.aborted).toBe(false);
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        expect(signal.reason).toBeInstanceOf(DeadlineExceededError);
      },
      { backstop: false },
    );
  });

  it('gives up on work that ignores the deadline: 503 deadline_exceeded with Retry-After, shortly after it', async () => {
    const started = Date.now();
    const error = (await withinDeadline(Date.now() + 80, never, { what: 'the request' }).catch((e: unknown) => e)) as DeadlineExceededError;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({ status: 503, code: 'deadline_exceeded', message: 'the request did not finish before the deadline' });
    expect(error.headers?.['retry-after']).toBe('1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(80);
    expect(Date.now() - started).toBeLessThan(600);
  });

  it('a deadline already passed aborts at once', async () => {
    await withinDeadline(Date.now() - 1, async () => expect(deadlineSignal()!.aborted).toBe(true), { backstop: false });
  });

  it('work that must not be cut runs outside any scope', async () => {
    await withinDeadline(Date.now() + 1000, async () => {
      await outsideDeadline(async () => {
        await new Promise((r) => setImmediate(r));
        expect(currentDeadline()).toBeUndefined();
        expect(deadlineSignal()).toBeUndefined();
      });
      expect(currentDeadline()).toBeDefined();
    });
  });
});
