/**
 * Signed relay messages: an HMAC-SHA-256 tag (WebCrypto, the same in Deno,
 * Node 20+, Bun and browsers) over the whole text of a channel message, so
 * that only relays holding the shared key can speak on a channel.
 *
 * A signed message is the version 1 message with a sixth element, the tag in
 * standard base64 (always 44 characters):
 *
 * ```text
 * [1,origin,firstSequence,timestamp,[sends],"<tag>"]
 * tag = base64(HMAC-SHA-256(key, UTF-8 of "[1,origin,firstSequence,timestamp,[sends]]"))
 * ```
 *
 * The tag covers every byte of the message as sent, origin, sequence,
 * timestamp and encoded sends alike, and the verifier finds it at a fixed
 * place from the end of the text: no parsing before the tag is checked. A
 * relay without a key reads the same message and ignores the tag.
 *
 * Keys: a string of at least {@linkcode MIN_KEY_LENGTH} characters (its
 * UTF-8 bytes are the key), or at least that many bytes (a `Uint8Array`, any
 * other `ArrayBufferView`, or an `ArrayBuffer`), or a non-empty list of them
 * for rotation: the first signs, any verifies.
 *
 * @module
 */

/** The fewest characters or bytes a key may have. */
export const MIN_KEY_LENGTH = 32;

/** Characters of a base64 HMAC-SHA-256 tag. */
const TAG_CHARS = 44;
/** `,"` + tag + `"]`: the signed message's tail, where the verifier looks. */
export const TAG_OVERHEAD = TAG_CHARS + 4;
/** What signing adds to a message's text: the tail, less the `]` it had. */
export const TAG_ADDS = TAG_OVERHEAD - 1;

const encoder = new TextEncoder();

function keyBytes(key: unknown, where: string): Uint8Array<ArrayBuffer> {
  let bytes: Uint8Array<ArrayBuffer>;
  if (typeof key === "string") {
    if (key.length < MIN_KEY_LENGTH) {
      throw new TypeError(
        `Cannot relay: ${where} is a string of ${key.length} characters; a key needs at least ${MIN_KEY_LENGTH}`,
      );
    }
    return encoder.encode(key);
  }
  if (key instanceof ArrayBuffer) {
    bytes = new Uint8Array(key.slice(0));
  } else if (ArrayBuffer.isView(key)) {
    // A copy: the caller may reuse or clear its buffer after relay() returns.
    bytes = new Uint8Array(key.byteLength);
    bytes.set(new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
  } else {
    throw new TypeError(
      `Cannot relay: ${where} is not a string, bytes, or a list of them`,
    );
  }
  if (bytes.byteLength < MIN_KEY_LENGTH) {
    throw new TypeError(
      `Cannot relay: ${where} has ${bytes.byteLength} bytes; a key needs at least ${MIN_KEY_LENGTH}`,
    );
  }
  return bytes;
}

/**
 * Checks `key` (one key or a list) and copies its bytes, synchronously, so
 * that relay() can refuse a bad key before it touches anything.
 *
 * @throws {TypeError} If a key is too short or of the wrong type, or the list is empty.
 */
export function readKeys(key: unknown): Uint8Array<ArrayBuffer>[] {
  if (typeof key === "string" || key instanceof ArrayBuffer) {
    return [keyBytes(key, "options.key")];
  }
  if (ArrayBuffer.isView(key)) return [keyBytes(key, "options.key")];
  if (
    typeof key !== "object" || key === null ||
    typeof (key as { [Symbol.iterator]?: unknown })[Symbol.iterator] !==
      "function"
  ) {
    throw new TypeError(
      "Cannot relay: options.key is not a string, bytes, or a list of them",
    );
  }
  const keys = [...key as Iterable<unknown>].map((one, i) =>
    keyBytes(one, `options.key[${i}]`)
  );
  if (keys.length === 0) {
    throw new TypeError(
      "Cannot relay: options.key is an empty list; give at least the key to sign with",
    );
  }
  return keys;
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The bytes of canonical base64 `text`, or undefined. Canonical only: atob
 * ignores the padding bits of the last character, so "…RC=" and "…RA="
 * decode alike, and a tag altered there would otherwise still verify.
 */
function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  if (btoa(binary) !== text) return undefined;
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Why {@linkcode Signer.verify} refused a message. */
export type Refusal = "unsigned" | "forged";

/**
 * Signs and verifies message texts with one or more keys. Key import is
 * asynchronous in WebCrypto: {@linkcode Signer.ready} settles when it is
 * done, and sign and verify wait for it.
 */
export class Signer {
  /** Resolves once every key is imported. */
  readonly ready: Promise<void>;
  #keys: CryptoKey[] = [];

  constructor(keys: readonly Uint8Array<ArrayBuffer>[]) {
    this.ready = Promise.all(
      keys.map((bytes) =>
        crypto.subtle.importKey(
          "raw",
          bytes,
          { name: "HMAC", hash: "SHA-256" },
          false,
          ["sign", "verify"],
        )
      ),
    ).then((imported) => {
      this.#keys = imported;
    });
  }

  /** `text` (a whole unsigned message, ending in `]`) with its tag appended. */
  async sign(text: string): Promise<string> {
    await this.ready;
    const tag = await crypto.subtle.sign(
      "HMAC",
      this.#keys[0]!,
      encoder.encode(text),
    );
    return `${text.slice(0, -1)},"${toBase64(new Uint8Array(tag))}"]`;
  }

  /**
   * The unsigned text of `data` if its tag verifies under any key, else why
   * not. Nothing of `data` is parsed: the tag sits at a fixed place from the
   * end.
   */
  async verify(data: string): Promise<string | Refusal> {
    const at = data.length - TAG_OVERHEAD;
    if (
      at < 1 || data.charCodeAt(data.length - 1) !== 0x5d /* ] */ ||
      data.charCodeAt(data.length - 2) !== 0x22 /* " */ ||
      data.charCodeAt(at) !== 0x2c /* , */ ||
      data.charCodeAt(at + 1) !== 0x22 /* " */
    ) {
      return "unsigned";
    }
    const tag = fromBase64(data.slice(at + 2, data.length - 2));
    if (tag === undefined || tag.byteLength !== 32) return "unsigned";
    const text = `${data.slice(0, at)}]`;
    const bytes = encoder.encode(text);
    await this.ready;
    for (const key of this.#keys) {
      if (await crypto.subtle.verify("HMAC", key, tag, bytes)) return text;
    }
    return "forged";
  }
}

/**
 * Whether the UTF-8 encoding of `text` is longer than `limit` bytes, counted
 * only as far as needed: most messages are far below the limit, and are
 * told apart by their length alone.
 */
export function exceedsBytes(text: string, limit: number): boolean {
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}
