import type { ForwardedEvents, SystemEvent } from '../events.js';
import type { DeadLetter } from '../messages.js';
import type { EventSink } from '../node.js';
import { encodeValue } from '../transport/codec.js';

const MAX_LETTERS_PER_FLUSH = 1_000;

/**
 * A worker's sink: collects dead letters and events and sends them to the main thread once per
 * turn of the event loop, so an overflow storm costs one message per turn, not one per letter.
 */
export class ForwardingSink implements EventSink {
  private letters: DeadLetter[] = [];
  private events: SystemEvent[] = [];
  private omittedByReason: Record<string, number> = {};
  private omitted = 0;
  private queued = false;

  constructor(private readonly send: (encoded: Uint8Array) => Promise<void>) {}

  deadLetter(letter: DeadLetter): void {
    if (this.letters.length < MAX_LETTERS_PER_FLUSH) this.letters.push(letter);
    else {
      this.omitted++;
      this.omittedByReason[letter.reason] = (this.omittedByReason[letter.reason] ?? 0) + 1;
    }
    this.queue();
  }

  event(event: SystemEvent): void {
    this.events.push(event);
    this.queue();
  }

  private queue(): void {
    if (this.queued) return;
    this.queued = true;
    setImmediate(() => this.flush());
  }

  flush(): Promise<void> {
    this.queued = false;
    if (this.letters.length === 0 && this.events.length === 0 && this.omitted === 0) {
      return Promise.resolve();
    }
    const batch: ForwardedEvents = {
      deadLetters: this.letters,
      deadLettersOmitted: this.omitted,
      omittedByReason: this.omittedByReason,
      events: this.events,
    };
    this.letters = [];
    this.events = [];
    this.omitted = 0;
    this.omittedByReason = {};
    return this.send(encodeForwarded(batch)).catch(() => undefined);
  }
}

/** Messages in dead letters can be anything a sender had; what cannot be encoded is described. */
function encodeForwarded(batch: ForwardedEvents): Uint8Array {
  try {
    return encodeValue(batch);
  } catch {
    return encodeValue({
      ...batch,
      deadLetters: batch.deadLetters.map((letter) => {
        try {
          encodeValue(letter.message);
          return letter;
        } catch {
          return { ...letter, message: `[unencodable ${typeof letter.message}]` };
        }
      }),
    });
  }
}
