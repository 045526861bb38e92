import { assert, assertEquals, assertThrows } from "@std/assert";
import { devalueCodec } from "./mod.ts";
import { VALUE_MATRIX } from "../testing/values.ts";

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

Deno.test("devalueCodec carries a __proto__ own key as an own key, never as a prototype", () => {
  const value = JSON.parse('{"a":{"__proto__":{"polluted":1},"b":[1]}}');
  const decoded = devalueCodec.decode(devalueCodec.encode(value)) as {
    a: Record<string, unknown>;
  };
  assertEquals(Object.getPrototypeOf(decoded.a), Object.prototype);
  assert(Object.hasOwn(decoded.a, "__proto__"));
  assertEquals(Object.getOwnPropertyDescriptor(decoded.a, "__proto__")?.value, {
    polluted: 1,
  });
  assertEquals(decoded.a.b, [1]);
  assertEquals(decoded.a.polluted, undefined);
  assertEquals(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("devalueCodec.decode() refuses a plain __proto__ key and malformed tagged entries", () => {
  // What a hostile publisher would send: devalue's own object form.
  assertThrows(
    () => devalueCodec.decode('[{"__proto__":1},{"polluted":2},true]'),
    Error,
    "__proto__",
  );
  for (const entries of ['"x"', "[1]", "[[1,2]]", '[["a"]]']) {
    assertThrows(() => devalueCodec.decode(`[["ProtoKey",1],${entries}]`));
  }
  assertEquals(({} as Record<string, unknown>).polluted, undefined);
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
