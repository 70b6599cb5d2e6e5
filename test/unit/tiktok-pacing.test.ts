import { MinuteWindowPacer, secondsToNextUtcDay, utcDay } from '../../shared/tiktok/rate-limits';

describe('MinuteWindowPacer (TikTok per-endpoint limits)', () => {
  it('lets perMinute requests through, then names the wait until the oldest leaves the one-minute window', () => {
    let now = 1_000_000;
    const pacer = new MinuteWindowPacer(() => now);
    for (let i = 0; i < 3; i++) {
      expect(pacer.delayMs('user_info', 3)).toBe(0);
      pacer.record('user_info');
      now += 1000;
    }
    expect(pacer.delayMs('user_info', 3)).toBe(57_000);
    expect(pacer.delayMs('video_list', 3)).toBe(0); // each endpoint has its own window
    now += 57_000;
    expect(pacer.delayMs('user_info', 3)).toBe(0);
  });

  it('gives callers that wait distinct slots, so they do not wake together past the limit', () => {
    let now = 0;
    const pacer = new MinuteWindowPacer(() => now);
    for (let i = 0; i < 2; i++) pacer.record('video_list');
    const first = pacer.delayMs('video_list', 2);
    pacer.record('video_list', first);
    const second = pacer.delayMs('video_list', 2);
    pacer.record('video_list', second);
    expect(first).toBe(60_000);
    expect(second).toBe(60_000);
    // A third waiter is a whole window behind the first two slots.
    expect(pacer.delayMs('video_list', 2)).toBe(120_000);
    now = 60_000;
    expect(pacer.delayMs('video_list', 2)).toBe(60_000);
  });
});

describe('Research API quota days', () => {
  it('counts per UTC day and renews at 00:00 UTC', () => {
    const at = Date.UTC(2026, 11, 6, 23, 59, 30);
    expect(utcDay(at)).toBe('20261206');
    expect(secondsToNextUtcDay(at)).toBe(30);
    expect(utcDay(at + 30_000)).toBe('20261207');
  });
});
