import { EventEmitter } from 'eventemitter3';
import type { DeadLetter } from './messages.js';

/**
 * The system's dead letters, from every thread: an event per letter and counters. Workers
 * forward theirs in batches; past a batch's cap letters are counted (`omitted`) but not sent.
 */
export class DeadLetterStream extends EventEmitter<{ 'dead-letter': [DeadLetter] }> {
  total = 0;
  omitted = 0;
  readonly byReason: Record<string, number> = {};

  publish(letter: DeadLetter): void {
    this.count(letter.reason, 1);
    this.emit('dead-letter', letter);
  }

  countOmitted(byReason: Record<string, number>): void {
    for (const [reason, n] of Object.entries(byReason)) {
      this.count(reason, n);
      this.omitted += n;
    }
  }

  private count(reason: string, n: number): void {
    this.total += n;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + n;
  }
}
