import type { MessagePort } from 'node:worker_threads';
import type { Endpoint } from 'comlink';

/**
 * Node's MessagePort is an EventTarget delivering MessageEvents, which is all comlink's
 * Endpoint needs; the cast only bridges Node's and the DOM's typings of the same API.
 */
export function endpoint(port: MessagePort): Endpoint {
  return port as unknown as Endpoint;
}
