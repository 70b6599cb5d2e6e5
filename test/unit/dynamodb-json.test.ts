/** DynamoDB attribute values for the JSON data our tables hold. */
import { fromItem, toItem } from '../../shared/aws/dynamodb-json';

describe('DynamoDB attribute values', () => {
  it('round-trips JSON data, binary included, and leaves undefined members out', () => {
    const item = { pk: 'a', n: 42.5, neg: -1, t: true, f: false, z: null, empty: '', list: [1, 'two', { three: [3] }, null], map: { deep: { er: 'x' } }, bin: Buffer.from([0, 255]), gone: undefined };
    const attributes = toItem(item);
    expect(attributes).toEqual({
      pk: { S: 'a' },
      n: { N: '42.5' },
      neg: { N: '-1' },
      t: { BOOL: true },
      f: { BOOL: false },
      z: { NULL: true },
      empty: { S: '' },
      list: { L: [{ N: '1' }, { S: 'two' }, { M: { three: { L: [{ N: '3' }] } } }, { NULL: true }] },
      map: { M: { deep: { M: { er: { S: 'x' } } } } },
      bin: { B: 'AP8=' },
    });
    const { gone: _gone, ...rest } = item;
    expect(fromItem(attributes)).toEqual(rest);
  });

  it('reads a stored integer too large for a JS number as an error, not a rounded value', () => {
    expect(fromItem({ n: { N: '9007199254740991' } })).toEqual({ n: 9007199254740991 });
    expect(() => fromItem({ n: { N: '9007199254740993' } })).toThrow('outside the range');
    expect(fromItem({ f: { N: '12345678901234567890.5' } }).f).toBeCloseTo(12345678901234567890.5);
  });

  it('refuses values DynamoDB cannot hold faithfully, naming where they are', () => {
    expect(() => toItem({ a: { b: Number.NaN } })).toThrow('cannot store NaN at a.b');
    expect(() => toItem({ when: new Date() })).toThrow('cannot store a Date object at when');
    expect(() => toItem({ f: () => 1 })).toThrow('cannot store a function at f');
  });
});
