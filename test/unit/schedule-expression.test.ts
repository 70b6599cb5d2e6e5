import { nextRun, parseSchedule, ScheduleExpressionError } from '../../local/schedule-expression';

describe('schedule expressions in the local runtime', () => {
  const at = (iso: string) => new Date(iso).getTime();

  it('understands rate() in minutes, hours and days', () => {
    expect(nextRun(parseSchedule('rate(1 minute)'), at('2026-01-01T00:00:00Z'))).toBe(at('2026-01-01T00:01:00Z'));
    expect(nextRun(parseSchedule('rate(15 minutes)'), 0)).toBe(15 * 60_000);
    expect(nextRun(parseSchedule('rate(2 hours)'), 0)).toBe(2 * 3_600_000);
    expect(nextRun(parseSchedule('rate(1 day)'), 0)).toBe(86_400_000);
    expect(() => parseSchedule('rate(1 minutes)')).toThrow(ScheduleExpressionError);
    expect(() => parseSchedule('rate(0 minutes)')).toThrow(/at least 1/);
  });

  it('computes the next cron time in UTC like EventBridge', () => {
    const nightly = parseSchedule('cron(0 3 * * ? *)');
    expect(nextRun(nightly, at('2026-11-25T10:00:00Z'))).toBe(at('2026-11-26T03:00:00Z'));
    expect(nextRun(nightly, at('2026-11-25T02:59:30Z'))).toBe(at('2026-11-25T03:00:00Z'));
    const weekdays = parseSchedule('cron(30 9 ? * MON-FRI *)');
    // 2026-11-28 is a Saturday: the next run is Monday the 30th.
    expect(nextRun(weekdays, at('2026-11-27T10:00:00Z'))).toBe(at('2026-11-30T09:30:00Z'));
    const every15 = parseSchedule('cron(0/15 * * * ? *)');
    expect(nextRun(every15, at('2026-01-01T00:07:00Z'))).toBe(at('2026-01-01T00:15:00Z'));
    const firstOfMonth = parseSchedule('cron(0 0 1 JAN,JUL ? 2027)');
    expect(nextRun(firstOfMonth, at('2026-11-25T00:00:00Z'))).toBe(at('2027-01-01T00:00:00Z'));
  });

  it('refuses what it cannot honour, with the reason', () => {
    expect(() => parseSchedule('cron(0 3 * * *)')).toThrow(/6 fields/);
    expect(() => parseSchedule('cron(0 3 * * MON *)')).toThrow(/must be "\?"/);
    expect(() => parseSchedule('cron(0 3 L * ? *)')).toThrow(/L, W or #/);
    expect(() => parseSchedule('cron(61 3 * * ? *)')).toThrow(/outside 0–59/);
    expect(() => parseSchedule('every day')).toThrow(/rate\(…\) or cron\(…\)/);
  });

  it('refuses open, empty and reversed ranges up front (they used to parse into a schedule that never fires)', () => {
    for (const expression of ['cron(5- * * * ? *)', 'cron(-5 * * * ? *)', 'cron(1,,2 * * * ? *)', 'cron(5-/2 * * * ? *)', 'cron(0 3 * * ? 20x7)', 'cron(0x10 3 * * ? *)']) {
      expect(() => parseSchedule(expression)).toThrow(ScheduleExpressionError);
    }
    expect(() => parseSchedule('cron(50-10 * * * ? *)')).toThrow(/runs backwards/);
    expect(() => parseSchedule('cron(0 0 ? * FRI-MON *)')).toThrow(/runs backwards/);
    expect(() => parseSchedule('cron(0 0 1 DEC-JAN ? *)')).toThrow(/runs backwards/);
    // Ranges the right way round still work, named and numbered, with steps.
    expect(nextRun(parseSchedule('cron(10-50/20 * * * ? *)'), at('2026-01-01T00:11:00Z'))).toBe(at('2026-01-01T00:30:00Z'));
    expect(nextRun(parseSchedule('cron(0 0 ? * 2-6 *)'), at('2026-11-28T12:00:00Z'))).toBe(at('2026-11-30T00:00:00Z'));
  });
});
