/**
 * The default `onError` of a relay: never silent, never a flood. Delivery
 * trouble (`unavailable`, `publish`, `disconnected`, `closed`) is an outage:
 * one line when it starts, and one with the count when a post succeeds or a
 * message arrives again. Other errors (`decode`, `receiver`, `gap`) print the
 * first of their code, then at most one line per {@linkcode QUIET_MS} saying
 * how many came meanwhile; `close()` prints what is still untold.
 *
 * @module
 */

/** How long the reporter keeps quiet about one code after printing it. */
export const QUIET_MS = 10_000;

const OUTAGE_CODES = new Set([
  "unavailable",
  "publish",
  "disconnected",
  "closed",
]);

/** An error with the code the relay gave it. */
export interface CodedError {
  readonly code: string;
  readonly message: string;
}

/** The default reporter; see the module doc. */
export class DefaultReporter {
  readonly #print: (line: string) => void;
  readonly #now: () => number;
  /** Errors during the outage in progress, or 0 when there is none. */
  #outage = 0;
  /** Per non-outage code: when it last printed, and how many since. */
  readonly #quiet = new Map<string, { printed: number; untold: number }>();

  constructor(
    print: (line: string) => void = (line) => console.error(line),
    now: () => number = () => Date.now(),
  ) {
    this.#print = print;
    this.#now = now;
  }

  /** Hears one error. */
  report(error: CodedError): void {
    if (OUTAGE_CODES.has(error.code)) {
      if (this.#outage++ === 0) {
        this.#print(
          `signalry relay: delivery is failing (${error.code}): ${error.message}; reporting once until it recovers`,
        );
      }
      return;
    }
    const now = this.#now();
    const quiet = this.#quiet.get(error.code);
    if (quiet !== undefined && now - quiet.printed < QUIET_MS) {
      quiet.untold++;
      return;
    }
    const untold = quiet?.untold ?? 0;
    this.#quiet.set(error.code, { printed: now, untold: 0 });
    this.#print(
      `signalry relay: ${error.code}: ${error.message}${
        untold > 0
          ? ` (and ${untold} more ${error.code} errors before it, not printed)`
          : ""
      }`,
    );
  }

  /** A post succeeded or a message arrived: an outage in progress is over. */
  recovered(): void {
    if (this.#outage === 0) return;
    this.#print(
      `signalry relay: delivery recovered after ${this.#outage} failed ${
        this.#outage === 1 ? "post" : "posts"
      } or lost connections`,
    );
    this.#outage = 0;
  }

  /** The relay closed: tells what is still untold. */
  close(): void {
    if (this.#outage > 0) {
      this.#print(
        `signalry relay: closed during an outage of ${this.#outage} errors`,
      );
      this.#outage = 0;
    }
    for (const [code, { untold }] of this.#quiet) {
      if (untold > 0) {
        this.#print(
          `signalry relay: ${untold} more ${code} errors, not printed`,
        );
      }
    }
    this.#quiet.clear();
  }
}
