import { expose, wrap } from 'comlink';
import { parentPort, workerData } from 'node:worker_threads';
import { LocalNode, toSpawnResult } from '../node.js';
import { ForwardingSink } from './forwarding-sink.js';
import { endpoint } from './endpoint.js';
import { ENDED_EXIT_CODE, EXIT_REQUEST, type HostForWorker, type WorkerAdmin, type WorkerBoot } from './protocol.js';

/** Runs inside every worker of a system: one LocalNode, driven by the main thread over comlink. */
const boot = workerData as WorkerBoot;
const host = wrap<HostForWorker>(endpoint(boot.hostPort));
const sink = new ForwardingSink((encoded) => host.forward(encoded));
const node = new LocalNode(boot.node, boot.options, host, sink);
node.drops.set(boot.drops);
parentPort?.on('message', (message: unknown) => {
  if (message !== EXIT_REQUEST) return;
  // Ended abruptly, as by SIGKILL: no 'exit' handler runs. lmdb-js's would close its
  // environments under a write still running in the thread pool; Node's own teardown of the
  // thread waits for that write first.
  process.removeAllListeners('exit');
  process.exit(ENDED_EXIT_CODE);
});
parentPort?.unref();

const admin: WorkerAdmin = {
  ping: () => node.id,
  attach: (peer, port) => node.attach(peer, port),
  spawn: (request) => toSpawnResult(node.acceptSpawn(request)),
  cancelSpawn: (id) => node.cancelSpawn(id),
  stats: () => node.stats(),
  activity: () => node.activity(),
  setDrops: (rules) => node.drops.set(rules),
  releaseHeld: (rule, deliver) => node.releaseHeld(rule, deliver),
  shutdown: async () => {
    await node.shutdown();
    await sink.flush();
  },
};
expose(admin, endpoint(boot.adminPort));
