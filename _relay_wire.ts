/**
 * The relay's wire format, version 1: what one channel message is.
 *
 * A message is JSON text, an array:
 *
 * ```text
 * [1, origin, firstSequence, timestamp, [send, send, ...]]
 * send = [signalName, 0, primitiveSenderTree, params]   a primitive sender
 *      | [signalName, 1, senderWireName, params]       an object sender, by its name in `senders`
 * params = null (no params) | the relay codec's tree | a channel codec's text, as a JSON string
 * ```
 *
 * - `origin` is the posting relay's random id; `firstSequence` the sequence
 *   number of the first send (the others follow it, one each); `timestamp`
 *   the milliseconds since the epoch when it was posted.
 * - The sends of one tick are joined into one message (coalescing), each
 *   encoded on its own at send time, so a refusal is a TypeError there.
 *
 * Signing adds a sixth element, a base64 HMAC-SHA-256 tag over the text of
 * the message without it (`[1,origin,seq,ts,[...]]`); see `_relay_auth.ts`.
 * A relay with a key checks it before reading anything else; one without a
 * key reads the message and ignores the tag.
 *
 * @module
 */

/** The version this relay writes and reads. */
export const WIRE_VERSION = 1;

/** One send as it came off the wire, shape checked, not yet decoded. */
export interface WireSend {
  readonly signal: string;
  /** 0: `sender` is a primitive's tree; 1: it is a wire name. */
  readonly kind: 0 | 1;
  readonly sender: unknown;
  /** `null` for no params; else the codec's tree or text. */
  readonly params: unknown;
}

/** One channel message, shape checked, its sends not yet checked. */
export interface WireMessage {
  readonly origin: string;
  readonly sequence: number;
  readonly timestamp: number;
  readonly sends: readonly unknown[];
}

/**
 * The JSON text of one send.
 *
 * @param signalText The signal's name as JSON text.
 * @param kind 0 for a primitive sender, 1 for a wire name.
 * @param senderText The sender's tree or wire name, as JSON text.
 * @param paramsText The params as JSON text (`null` for none).
 */
export function sendText(
  signalText: string,
  kind: 0 | 1,
  senderText: string,
  paramsText: string,
): string {
  return `[${signalText},${kind},${senderText},${paramsText}]`;
}

/** The text of one message carrying `sends` (each from {@linkcode sendText}). */
export function messageText(
  originText: string,
  sequence: number,
  timestamp: number,
  sends: readonly string[],
): string {
  return `[${WIRE_VERSION},${originText},${sequence},${timestamp},[${
    sends.join(",")
  }]]`;
}

/** Why a message from the wire is refused; becomes a `decode` report. */
export class WireFormatError extends TypeError {
  override name = "WireFormatError";
}

/**
 * Parses a message from the wire and checks its shape.
 *
 * @throws {WireFormatError} If it is not text, not JSON, of another version
 * or of the wrong shape.
 */
export function parseMessage(data: unknown): WireMessage {
  if (typeof data !== "string") {
    throw new WireFormatError(
      `Cannot read relay message: it is ${
        data === null ? "null" : typeof data
      }, not text`,
    );
  }
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch (error) {
    throw new WireFormatError("Cannot read relay message: it is not JSON", {
      cause: error,
    });
  }
  if (!Array.isArray(message) || message.length < 1) {
    throw new WireFormatError(
      "Cannot read relay message: it is not a relay message (an array starting with a version)",
    );
  }
  if (message[0] !== WIRE_VERSION) {
    throw new WireFormatError(
      `Cannot read relay message: unknown version ${
        JSON.stringify(message[0])?.slice(0, 40)
      }; this relay reads version ${WIRE_VERSION}`,
    );
  }
  const [, origin, sequence, timestamp, sends] = message;
  if (
    // A sixth element is a signature's tag: checked before parsing when the
    // relay has a key, ignored when it has none.
    (message.length !== 5 &&
      (message.length !== 6 || typeof message[5] !== "string")) ||
    typeof origin !== "string" || origin === "" ||
    !Number.isSafeInteger(sequence) || sequence < 0 ||
    typeof timestamp !== "number" || !Array.isArray(sends) ||
    sends.length === 0
  ) {
    throw new WireFormatError(
      "Cannot read relay message: expected [1, origin, sequence, timestamp, [sends]] and an optional tag",
    );
  }
  return { origin, sequence, timestamp, sends };
}

/**
 * Checks the shape of one send of a message.
 *
 * @throws {WireFormatError} If it is not `[signal, kind, sender, params]`.
 */
export function parseSend(send: unknown): WireSend {
  if (
    !Array.isArray(send) || send.length !== 4 ||
    typeof send[0] !== "string" || (send[1] !== 0 && send[1] !== 1) ||
    (send[1] === 1 && typeof send[2] !== "string")
  ) {
    throw new WireFormatError(
      "Cannot read relay send: expected [signal, 0 or 1, sender, params]",
    );
  }
  return { signal: send[0], kind: send[1], sender: send[2], params: send[3] };
}
