/** The memory table's copy of items: exactly what a JSON round trip gives, without the text in between. */
import { copyJsonData } from '../../shared/storage/memory-table';

const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('copyJsonData', () => {
  it('copies plain JSON data deeply: nothing shared with the original', () => {
    const item = { pk: 'a', n: 1.5, ok: true, none: null, list: [1, 'two', { three: [3] }], nested: { deep: { deeper: 'x' } } };
    const copy = copyJsonData(item);
    expect(copy).toEqual(item);
    expect(copy).not.toBe(item);
    expect(copy.list).not.toBe(item.list);
    expect(copy.list[2]).not.toBe(item.list[2]);
    expect(copy.nested.deep).not.toBe(item.nested.deep);
    item.nested.deep.deeper = 'changed';
    expect(copy.nested.deep.deeper).toBe('x');
  });

  it('gives what a JSON round trip gives for everything JSON changes', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const cases: unknown[] = [
      { at: new Date('2026-12-06T10:00:00Z') },
      { gone: undefined, fn: () => 1, sym: Symbol('s'), kept: 1 },
      [undefined, () => 1, Symbol('s'), 2],
      [1, , 3], // a hole
      { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, minusZero: -0, list: [Number.NaN, -0] },
      { custom: { toJSON: () => 'mine' } },
      { point: new Point(1, 2) },
      { boxed: new String('s'), n: new Number(3) },
      { map: new Map([[1, 2]]), set: new Set([1]) },
      Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, nested: Object.assign(Object.create(null) as object, { b: 2 }) }),
      JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'),
      { 2: 'two', 1: 'one', b: 'b', a: 'a' },
      Object.assign([1, 2], { extra: 'ignored' }),
    ];
    for (const value of cases) {
      const copy = copyJsonData(value);
      expect(copy).toStrictEqual(roundTrip(value));
      expect(Object.getPrototypeOf(copy)).toBe(Object.getPrototypeOf(roundTrip(value)));
      expect(JSON.stringify(copy)).toBe(JSON.stringify(roundTrip(value)));
    }
    expect(Object.is((copyJsonData({ z: -0 }) as { z: number }).z, 0)).toBe(true);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('refuses what JSON refuses', () => {
    expect(() => copyJsonData({ big: 1n })).toThrow(TypeError);
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(() => copyJsonData(cycle)).toThrow(TypeError);
  });

  it('copies structures deeper than the direct walk goes', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200; i++) deep = i % 2 ? [deep] : { d: deep };
    expect(copyJsonData(deep)).toStrictEqual(roundTrip(deep));
  });
});
