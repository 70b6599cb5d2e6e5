/**
 * EventBridge schedule expressions for the local runtime: `rate(n unit)` and `cron(min hour dom month dow
 * year)` in UTC, with `*`, `?`, lists, ranges, steps and month/day names (L, W and # are refused).
 */
export type Schedule = { kind: 'rate'; everyMs: number } | { kind: 'cron'; next(after: Date): Date };

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export class ScheduleExpressionError extends Error {
  constructor(expression: string, problem: string) {
    super(`schedule expression "${expression}": ${problem}`);
    this.name = 'ScheduleExpressionError';
  }
}

/** A field's parts: `*`, `n`, `a-b` (a ≤ b), each optionally `/step`; names where the field has them. */
const PART = /^(\*|[A-Za-z0-9]+|[A-Za-z0-9]+-[A-Za-z0-9]+)(?:\/(\d+))?$/;

function field(expression: string, text: string, min: number, max: number, names?: string[], nameBase = 0): Set<number> | null {
  if (text === '*' || text === '?') return null;
  const withoutNames = names ? text.toUpperCase().replace(new RegExp(names.join('|'), 'g'), '0') : text;
  if (/[LW#]/.test(withoutNames)) throw new ScheduleExpressionError(expression, `"${text}" uses L, W or #, which the local runtime does not support`);
  const values = new Set<number>();
  const value = (v: string) => {
    const upper = v.toUpperCase();
    const named = names?.indexOf(upper) ?? -1;
    if (named < 0 && !/^\d+$/.test(v)) throw new ScheduleExpressionError(expression, `"${v}" is not a number${names ? ' or a name' : ''}`);
    const n = named >= 0 ? named + nameBase : Number(v);
    if (n < min || n > max) throw new ScheduleExpressionError(expression, `"${v}" is outside ${min}–${max}`);
    return n;
  };
  for (const part of text.split(',')) {
    // Refused up front, as EventBridge does: empty parts, open ranges ("5-"), stray characters.
    const shape = PART.exec(part);
    if (!shape) throw new ScheduleExpressionError(expression, `"${part}" in "${text}" is not a value, a range a-b or a step x/n`);
    const [, range, stepText] = shape as unknown as [string, string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new ScheduleExpressionError(expression, `bad step in "${part}"`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [value(a), value(b)];
      if (from > to) throw new ScheduleExpressionError(expression, `the range "${range}" runs backwards (write the smaller value first)`);
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    for (let n = from; n <= to; n += step) values.add(n);
  }
  return values;
}

export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const amount = Number(rate[1]);
    const unit = rate[2]!.replace(/s$/, '');
    if (amount < 1) throw new ScheduleExpressionError(expression, 'the rate must be at least 1');
    if ((amount === 1) !== (rate[2] === unit)) throw new ScheduleExpressionError(expression, `use "${amount} ${amount === 1 ? unit : `${unit}s`}"`);
    return { kind: 'rate', everyMs: amount * UNIT_MS[unit]! };
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron) throw new ScheduleExpressionError(expression, 'must be rate(…) or cron(…)');
  const parts = cron[1]!.trim().split(/\s+/);
  if (parts.length !== 6) throw new ScheduleExpressionError(expression, 'cron needs 6 fields: minutes hours day-of-month month day-of-week year');
  const [mi, h, dom, mon, dow, yr] = parts as [string, string, string, string, string, string];
  if (dom !== '?' && dow !== '?') throw new ScheduleExpressionError(expression, 'one of day-of-month and day-of-week must be "?"');
  const minutes = field(expression, mi, 0, 59);
  const hours = field(expression, h, 0, 23);
  const days = field(expression, dom, 1, 31);
  const months = field(expression, mon, 1, 12, MONTHS, 1);
  const weekdays = field(expression, dow, 1, 7, DAYS, 1);
  const years = field(expression, yr, 1970, 2199);
  const matches = (d: Date) =>
    (!minutes || minutes.has(d.getUTCMinutes())) &&
    (!hours || hours.has(d.getUTCHours())) &&
    (!days || days.has(d.getUTCDate())) &&
    (!months || months.has(d.getUTCMonth() + 1)) &&
    (!weekdays || weekdays.has(d.getUTCDay() + 1)) &&
    (!years || years.has(d.getUTCFullYear()));
  return {
    kind: 'cron',
    next(after: Date): Date {
      const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
      // At most ~4 years of minutes; anything rarer is almost certainly a mistake.
      for (let i = 0; i < 4 * 366 * 24 * 60; i++, t.setTime(t.getTime() + 60_000)) if (matches(t)) return new Date(t);
      throw new ScheduleExpressionError(expression, 'never fires in the next four years');
    },
  };
}

/** Epoch ms of the next run after `now`. */
export function nextRun(schedule: Schedule, now: number): number {
  return schedule.kind === 'rate' ? now + schedule.everyMs : schedule.next(new Date(now)).getTime();
}
