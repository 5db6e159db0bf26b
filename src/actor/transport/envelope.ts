/**
 * The wire protocol between two nodes. A batch is one flat array of envelopes laid end to end,
 * each starting with its kind; flat arrays encode and decode faster than an object per message.
 *
 *   TELL    to-name  sender|null  message
 *   ASK     to-name  sender|null  message  ask-id
 *   REPLY   ask-id   ok           value | SerializedError
 *   WATCH   target-name                     (the sending node wants a DOWN for it)
 *   UNWATCH target-name
 *   DOWN    target-name  reason  SerializedError|null
 *   STOP    target-name  reason  grace-ms
 *   INTERN  id  string                      (later envelopes on this link may say `id`)
 *
 * Watches are per node, not per actor: the sending node fans a DOWN out to its local watchers.
 *
 * In TELL and ASK, the target name and the sender are interned per link: a number on the wire
 * is an id announced by an earlier INTERN on the same link (links are FIFO). Small integers
 * pack and compare much faster than the same strings repeated in every envelope.
 */
export const enum Kind {
  Tell = 1,
  Ask = 2,
  Reply = 3,
  Watch = 4,
  Unwatch = 5,
  Down = 6,
  Stop = 7,
  Intern = 8,
}

/** Number of fields after the kind, per kind. */
export const ARITY: Readonly<Record<number, number>> = {
  [Kind.Tell]: 3,
  [Kind.Ask]: 4,
  [Kind.Reply]: 3,
  [Kind.Watch]: 1,
  [Kind.Unwatch]: 1,
  [Kind.Down]: 3,
  [Kind.Stop]: 3,
  [Kind.Intern]: 2,
};

/** Strings interned per link direction; past this, names travel as strings. */
export const MAX_INTERNED = 65_536;
