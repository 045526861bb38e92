/**
 * The relay's own codec: plain data to a JSON tree and back, with no
 * dependency. It is also the check every channel runs at send, whatever its
 * codec, so that what may cross is the same on every channel.
 *
 * What crosses: string, boolean, null, undefined, every number (NaN,
 * ±Infinity and -0 too), BigInt, plain objects (prototype `Object.prototype`
 * or `null`) and arrays, and Date, Map, Set, ArrayBuffer, DataView and the
 * typed arrays, each of its own class exactly (a subclass such as Node's
 * `Buffer` is a class instance). Refused, with a TypeError naming where:
 * functions, symbols (values and keys), class instances, cycles, and nesting
 * deeper than {@linkcode MAX_DEPTH}.
 *
 * The JSON tree: strings, booleans, null and finite numbers other than -0 are
 * themselves; a plain object is a JSON object with the same keys; everything
 * else is an array whose first element is a tag:
 *
 * | value       | tree                                  |
 * | ----------- | ------------------------------------- |
 * | array       | `["a", ...items]`                     |
 * | undefined   | `["u"]`                               |
 * | NaN, ±∞, -0 | `["n", "NaN"]`, `["n", "-0"]`, ...    |
 * | BigInt      | `["b", "123"]`                        |
 * | Date        | `["d", milliseconds or null]`         |
 * | Map         | `["m", key, value, key, value, ...]`  |
 * | Set         | `["s", ...items]`                     |
 * | ArrayBuffer | `["r", base64]`                       |
 * | DataView    | `["v", base64]`                       |
 * | typed array | `["t", "Uint8Array", base64]`         |
 *
 * Decoding trusts nothing: a malformed tree is a TypeError, objects come out
 * with `Object.prototype` and a `__proto__` key as an own property (never a
 * prototype change), and nesting is limited as when encoding.
 *
 * @module
 */

/** How deep values may nest, both ways: a bound on recursion for untrusted input. */
export const MAX_DEPTH = 100;

const TYPED_ARRAYS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

/** Each typed array's prototype, to its name. */
const TYPED_ARRAY_NAMES = new Map<object, TypedArrayName>(
  (Object.keys(TYPED_ARRAYS) as TypedArrayName[]).map((
    name,
  ) => [TYPED_ARRAYS[name].prototype, name]),
);

function describe(value: object): string {
  const constructor = (value as { constructor?: { name?: unknown } })
    .constructor;
  const name = typeof constructor === "function" ? constructor.name : "";
  return typeof name === "string" && name !== ""
    ? `a class instance (${name})`
    : "a class instance";
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  // Chunks keep fromCharCode's argument count under engines' limits.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text: unknown, path: string): Uint8Array {
  if (typeof text !== "string") {
    throw new TypeError(`${path}: bytes are not a base64 string`);
  }
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new TypeError(`${path}: bytes are not valid base64`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function viewBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** A key on the path from the root: a property name or an index. */
type Step = string | number | { readonly label: string };

/**
 * Walks `value` as {@linkcode encode} does, turning each part into its tree,
 * or into itself when `tree` is false (then it only checks). The path to the
 * part in hand is kept as steps and spelled out only for an error.
 */
class Walker {
  /** The objects on the path from the root: a cycle returns to one of them. */
  readonly #ancestors: object[] = [];
  /** The step to each of `#ancestors` from its parent. */
  readonly #steps: Step[] = [];

  constructor(readonly root: string, readonly tree: boolean) {}

  #path(step: Step | undefined): string {
    let path = this.root;
    for (const each of [...this.#steps.slice(1), step]) {
      if (each === undefined) continue;
      path += typeof each === "number"
        ? `[${each}]`
        : typeof each === "string"
        ? `.${each}`
        : ` ${each.label}`;
    }
    return path;
  }

  walk(value: unknown, step: Step | undefined): unknown {
    switch (typeof value) {
      case "string":
      case "boolean":
        return value;
      case "number":
        if (Number.isFinite(value) && !Object.is(value, -0)) return value;
        return this.tree
          ? ["n", Object.is(value, -0) ? "-0" : String(value)]
          : value;
      case "undefined":
        return this.tree ? ["u"] : value;
      case "bigint":
        return this.tree ? ["b", value.toString()] : value;
      case "function":
        throw new TypeError(`${this.#path(step)} is a function`);
      case "symbol":
        throw new TypeError(`${this.#path(step)} is a symbol`);
    }
    if (value === null) return null;
    const object = value as object;
    if (this.#ancestors.includes(object)) {
      throw new TypeError(
        `${this.#path(step)} refers back to an object that holds it`,
      );
    }
    if (this.#ancestors.length >= MAX_DEPTH) {
      throw new TypeError(
        `${this.#path(step)} is nested deeper than ${MAX_DEPTH} levels`,
      );
    }
    const prototype = Object.getPrototypeOf(object);
    this.#ancestors.push(object);
    this.#steps.push(step ?? "");
    try {
      if (prototype === Object.prototype || prototype === null) {
        return this.#object(object);
      }
      if (prototype === Array.prototype) {
        const array = object as unknown[];
        if (!this.tree) {
          for (let i = 0; i < array.length; i++) this.walk(array[i], i);
          return array;
        }
        const tree: unknown[] = new Array(array.length + 1);
        tree[0] = "a";
        for (let i = 0; i < array.length; i++) {
          tree[i + 1] = this.walk(array[i], i);
        }
        return tree;
      }
      return this.#builtIn(object, prototype);
    } finally {
      this.#ancestors.pop();
      this.#steps.pop();
    }
  }

  #object(object: object): unknown {
    if (Object.getOwnPropertySymbols(object).length > 0) {
      throw new TypeError(`${this.#path(undefined)} has a symbol key`);
    }
    const keys = Object.keys(object);
    if (!this.tree) {
      for (const key of keys) {
        this.walk((object as Record<string, unknown>)[key], key);
      }
      return object;
    }
    const tree: Record<string, unknown> = {};
    for (const key of keys) {
      const item = this.walk((object as Record<string, unknown>)[key], key);
      if (key === "__proto__") {
        Object.defineProperty(tree, key, {
          value: item,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        tree[key] = item;
      }
    }
    return tree;
  }

  #builtIn(object: object, prototype: object): unknown {
    if (prototype === Date.prototype) {
      const time = (object as Date).getTime();
      return this.tree ? ["d", Number.isNaN(time) ? null : time] : object;
    }
    if (prototype === Map.prototype) {
      const tree: unknown[] = ["m"];
      let i = 0;
      for (const [key, item] of object as Map<unknown, unknown>) {
        const keyTree = this.walk(key, { label: `key ${i}` });
        const itemTree = this.walk(item, { label: `value ${i}` });
        if (this.tree) tree.push(keyTree, itemTree);
        i++;
      }
      return tree;
    }
    if (prototype === Set.prototype) {
      const tree: unknown[] = ["s"];
      let i = 0;
      for (const item of object as Set<unknown>) {
        const itemTree = this.walk(item, { label: `item ${i++}` });
        if (this.tree) tree.push(itemTree);
      }
      return tree;
    }
    if (prototype === ArrayBuffer.prototype) {
      return this.tree
        ? ["r", toBase64(new Uint8Array(object as ArrayBuffer))]
        : object;
    }
    if (prototype === DataView.prototype) {
      return this.tree
        ? ["v", toBase64(viewBytes(object as DataView))]
        : object;
    }
    const typedArray = TYPED_ARRAY_NAMES.get(prototype);
    if (typedArray !== undefined) {
      return this.tree
        ? ["t", typedArray, toBase64(viewBytes(object as ArrayBufferView))]
        : object;
    }
    throw new TypeError(
      `${this.#path(undefined)} is ${describe(object)}, not plain data`,
    );
  }
}

/**
 * Checks that `value` is plain data, as {@linkcode encode} would.
 *
 * @param value What to check.
 * @param path How to name `value` in an error, e.g. `params`.
 * @throws {TypeError} Naming the first part that cannot cross.
 */
export function checkPlainData(value: unknown, path: string): void {
  new Walker(path, false).walk(value, undefined);
}

/**
 * Turns plain data into its JSON tree (see the module doc).
 *
 * @param value What to encode.
 * @param path How to name `value` in an error, e.g. `params`.
 * @throws {TypeError} Naming the first part that cannot cross.
 */
export function encodeTree(value: unknown, path: string): unknown {
  return new Walker(path, true).walk(value, undefined);
}

/** Turns plain data into JSON text; see {@linkcode encodeTree}. */
export function encode(value: unknown, path: string): string {
  return JSON.stringify(encodeTree(value, path));
}

function expectArrayLength(
  tree: unknown[],
  length: number,
  path: string,
): void {
  if (tree.length !== length) {
    throw new TypeError(`${path}: tag "${tree[0]}" needs ${length - 1} values`);
  }
}

function decodeNumber(text: unknown, path: string): number {
  switch (text) {
    case "NaN":
      return NaN;
    case "Infinity":
      return Infinity;
    case "-Infinity":
      return -Infinity;
    case "-0":
      return -0;
  }
  throw new TypeError(`${path}: unknown number ${JSON.stringify(text)}`);
}

/** An own property, as JSON.parse makes it: `__proto__` never changes a prototype. */
function setOwn(object: Record<string, unknown>, key: string, value: unknown) {
  if (key === "__proto__") {
    Object.defineProperty(object, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    object[key] = value;
  }
}

/**
 * Decodes a tree that JSON.parse made, reusing its objects and arrays
 * (nobody else holds them): only tagged values are replaced.
 */
function decodeAt(tree: unknown, path: string, depth: number): unknown {
  if (typeof tree !== "object" || tree === null) {
    if (
      tree === null || typeof tree === "string" || typeof tree === "number" ||
      typeof tree === "boolean"
    ) {
      return tree;
    }
    throw new TypeError(`${path} is not JSON`);
  }
  if (depth >= MAX_DEPTH) {
    throw new TypeError(`${path} is nested deeper than ${MAX_DEPTH} levels`);
  }
  if (!Array.isArray(tree)) {
    if (Object.getPrototypeOf(tree) !== Object.prototype) {
      throw new TypeError(`${path} is not a tree from JSON.parse`);
    }
    const object = tree as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      const value = object[key];
      if (typeof value === "object" && value !== null) {
        setOwn(object, key, decodeAt(value, path, depth + 1));
      }
    }
    return object;
  }
  const tag = tree[0];
  switch (tag) {
    case "a": {
      const array = tree.slice(1);
      for (let i = 0; i < array.length; i++) {
        const value = array[i];
        if (typeof value === "object" && value !== null) {
          array[i] = decodeAt(value, path, depth + 1);
        }
      }
      return array;
    }
    case "u":
      expectArrayLength(tree, 1, path);
      return undefined;
    case "n":
      expectArrayLength(tree, 2, path);
      return decodeNumber(tree[1], path);
    case "b":
      expectArrayLength(tree, 2, path);
      if (typeof tree[1] !== "string" || !/^-?\d+$/.test(tree[1])) {
        throw new TypeError(`${path}: BigInt is not a decimal string`);
      }
      return BigInt(tree[1]);
    case "d":
      expectArrayLength(tree, 2, path);
      if (tree[1] !== null && typeof tree[1] !== "number") {
        throw new TypeError(`${path}: Date time is not a number`);
      }
      return new Date(tree[1] ?? NaN);
    case "m": {
      if (tree.length % 2 !== 1) {
        throw new TypeError(`${path}: Map has a key without a value`);
      }
      const map = new Map<unknown, unknown>();
      for (let i = 1; i < tree.length; i += 2) {
        map.set(
          decodeAt(tree[i], path, depth + 1),
          decodeAt(tree[i + 1], path, depth + 1),
        );
      }
      return map;
    }
    case "s": {
      const set = new Set<unknown>();
      for (let i = 1; i < tree.length; i++) {
        set.add(decodeAt(tree[i], path, depth + 1));
      }
      return set;
    }
    case "r":
      expectArrayLength(tree, 2, path);
      return fromBase64(tree[1], path).buffer as ArrayBuffer;
    case "v":
      expectArrayLength(tree, 2, path);
      return new DataView(fromBase64(tree[1], path).buffer as ArrayBuffer);
    case "t": {
      expectArrayLength(tree, 3, path);
      const name = tree[1];
      if (typeof name !== "string" || !Object.hasOwn(TYPED_ARRAYS, name)) {
        throw new TypeError(`${path}: unknown typed array ${String(name)}`);
      }
      const constructor = TYPED_ARRAYS[name as TypedArrayName];
      const bytes = fromBase64(tree[2], path);
      if (bytes.byteLength % constructor.BYTES_PER_ELEMENT !== 0) {
        throw new TypeError(`${path}: ${name} bytes do not fill its elements`);
      }
      return new constructor(bytes.buffer as ArrayBuffer);
    }
  }
  throw new TypeError(
    `${path}: unknown tag ${JSON.stringify(tag)?.slice(0, 40)}`,
  );
}

/**
 * Turns a JSON tree from the wire back into plain data.
 *
 * @param tree What `JSON.parse` gave for one value; its objects and arrays
 * are reused, so nothing else may hold them.
 * @param path How to name `tree` in an error.
 * @throws {TypeError} If the tree is not one {@linkcode encodeTree} makes.
 */
export function decodeTree(tree: unknown, path: string): unknown {
  return decodeAt(tree, path, 0);
}

/** Turns JSON text back into plain data; see {@linkcode decodeTree}. */
export function decode(text: string, path: string): unknown {
  return decodeTree(JSON.parse(text), path);
}
