/** A comlink endpoint for the control-plane baseline: one trivial method. */
import { expose } from 'comlink';
import { type MessagePort, workerData } from 'node:worker_threads';
import { endpoint } from '../../src/actor/control/endpoint.js';

expose({ add: (a: number, b: number) => a + b }, endpoint((workerData as { port: MessagePort }).port));
