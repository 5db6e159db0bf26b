import { Packr, Unpackr, addExtension } from 'msgpackr';
import type { Address } from '../address.js';
import { ActorRef } from '../ref.js';

/**
 * Batches travel as msgpack in a transferred ArrayBuffer. Measured here (bench/mailbox): msgpack
 * batches with sequential record structures beat structured-clone batches by ~2x on the
 * consumer, which is the bottleneck. `sequential` relies on the link's FIFO: each side keeps the
 * record structures it has seen, so a shape is spelled out only the first time it crosses.
 */
const REF_EXTENSION = 0x6d;
let resolveRef: ((address: Address) => ActorRef) | null = null;

addExtension({
  Class: ActorRef,
  type: REF_EXTENSION,
  write: (ref: ActorRef) => ref.address,
  read: (address: Address) => {
    if (resolveRef === null) throw new Error('an actor ref was decoded outside of a link');
    return resolveRef(address);
  },
});

/** msgpackr would quietly encode a function as undefined; a message must not lose a field. */
function refuseFunctionImpl(fn: Function): never {
  throw new TypeError(`a function (${fn.name || 'anonymous'}) cannot be sent to another thread`);
}
/** msgpackr's typings declare writeFunction without its argument. */
const refuseFunction = refuseFunctionImpl as () => never;

/** A fresh object each time: msgpackr stores its structures in the options object it is given. */
const streamOptions = () => ({ sequential: true, moreTypes: true, writeFunction: refuseFunction });

export class BatchEncoder {
  private readonly packr = new Packr(streamOptions());

  /** Returns bytes in a fresh ArrayBuffer that the caller may transfer. */
  encode(parts: unknown[]): Uint8Array {
    return ownCopy(this.packr.pack(parts));
  }
}

export class BatchDecoder {
  private readonly unpackr = new Unpackr(streamOptions());
  constructor(private readonly refs: (address: Address) => ActorRef) {}

  decode(bytes: Uint8Array): unknown {
    resolveRef = this.refs;
    try {
      return this.unpackr.unpack(bytes);
    } finally {
      resolveRef = null;
    }
  }
}

/** Null when `value` can cross a link; otherwise the encoder's complaint. */
export function canEncode(value: unknown): Error | null {
  try {
    standalone.pack(value);
    return null;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

const standalone = new Packr({ moreTypes: true, writeFunction: refuseFunction });

/** One value (spawn arguments, say) outside any link, with refs kept as refs. */
export function encodeValue(value: unknown): Uint8Array {
  return ownCopy(standalone.pack(value));
}

export function decodeValue(bytes: Uint8Array, refs: (address: Address) => ActorRef): unknown {
  resolveRef = refs;
  try {
    return new Unpackr({ moreTypes: true }).unpack(bytes);
  } finally {
    resolveRef = null;
  }
}

/**
 * msgpackr packs into one buffer shared by every Packr of the thread and returns a view of it;
 * a copy in an ArrayBuffer of its own is what may be transferred (Buffer#slice would be a view).
 */
function ownCopy(packed: Uint8Array): Uint8Array {
  return new Uint8Array(packed);
}
