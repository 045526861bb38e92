/**
 * The values every channel must carry unchanged (the value matrix),
 * shared by the codec test and the cross-process tests, whose peers compare
 * what they received with the same table.
 *
 * @module
 */

/** Name → value; each crosses as one send's params `{ value }`. */
export const VALUE_MATRIX: Record<string, unknown> = {
  string: 'text with ünïcødé and \u2028 and a "quote"',
  emptyString: "",
  integer: 42,
  float: 0.1,
  negativeZero: -0,
  nan: NaN,
  infinity: Infinity,
  negativeInfinity: -Infinity,
  maxSafe: Number.MAX_SAFE_INTEGER,
  true: true,
  false: false,
  null: null,
  undefined: undefined,
  bigint: 12345678901234567890n,
  negativeBigint: -1n,
  date: new Date(Date.UTC(2026, 11, 2, 8, 0, 0, 123)),
  map: new Map<unknown, unknown>([["a", 1], [2, new Date(0)], [3n, [1]]]),
  set: new Set<unknown>([1, "two", 3n]),
  uint8Array: new Uint8Array([0, 1, 254, 255]),
  emptyUint8Array: new Uint8Array(0),
  array: [1, "two", [3, [4]], { five: 5 }],
  sparseish: [undefined, null, 0],
  nested: {
    a: { b: { c: { d: [new Date(1), new Map([["k", new Set([1])]])] } } },
  },
  emptyObject: {},
  emptyArray: [],
};
