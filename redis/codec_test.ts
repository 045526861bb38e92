import { assert, assertEquals, assertThrows } from "@std/assert";
import { devalueCodec } from "./mod.ts";
import { VALUE_MATRIX } from "./testing/values.ts";

Deno.test("devalueCodec carries every value of the matrix", () => {
  for (const [name, value] of Object.entries(VALUE_MATRIX)) {
    const decoded = devalueCodec.decode(devalueCodec.encode({ value }));
    assertEquals(decoded, { value }, name);
  }
});

Deno.test("devalueCodec keeps -0, NaN and undefined keys apart from their look-alikes", () => {
  const decoded = devalueCodec.decode(
    devalueCodec.encode({ zero: -0, nan: NaN, gone: undefined }),
  ) as Record<string, unknown>;
  assert(Object.is(decoded.zero, -0));
  assert(Number.isNaN(decoded.nan));
  assert(Object.hasOwn(decoded, "gone"));
});

Deno.test("devalueCodec.encode() refuses functions, symbols and class instances with a TypeError", () => {
  class User {
    id = 1;
  }
  for (
    const value of [
      { f() {} },
      { s: Symbol("x") },
      { user: new User() },
      [new User()],
      new Map([[1, () => {}]]),
    ]
  ) {
    assertThrows(
      () => devalueCodec.encode(value),
      TypeError,
      "Cannot encode value",
    );
  }
});

Deno.test("devalueCodec.decode() refuses a __proto__ key, leaving prototypes alone", () => {
  // What a hostile publisher would send: a plain object with a __proto__ key.
  const hostile = '[{"__proto__":1},{"polluted":2},true]';
  assertThrows(() => devalueCodec.decode(hostile), Error, "__proto__");
  assertEquals(({} as Record<string, unknown>).polluted, undefined);
  assertThrows(
    () => devalueCodec.encode(JSON.parse('{"__proto__":{"polluted":1}}')),
    TypeError,
    "__proto__",
  );
});

Deno.test("devalueCodec.decode() throws for text it did not make", () => {
  for (
    const text of ["", "not json", "{}", "[]", '[["Nope", 1]]', "[[99]]", "[1,"]
  ) {
    assertThrows(() => devalueCodec.decode(text));
  }
  assertThrows(
    () => devalueCodec.decode(1 as never),
    TypeError,
    "Cannot decode message: value is not a string",
  );
});
