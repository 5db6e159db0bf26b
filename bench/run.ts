/** `npm run bench [name]`: runs one benchmark by name, or all of them. */
import { runCheckpoint } from './checkpoint/index.js';
import { runCluster } from './cluster/index.js';
import { runMailbox } from './mailbox/index.js';
import { runRecovery } from './recovery/index.js';

// The file baseline does its I/O on libuv's thread pool; give it room for concurrent fsyncs
// (set before any pool work starts) so that it is not handicapped at 16 and 256 writers.
process.env.UV_THREADPOOL_SIZE ??= '64';

const benchmarks: Record<string, () => Promise<void>> = { mailbox: runMailbox, checkpoint: runCheckpoint, cluster: runCluster, recovery: runRecovery };
const wanted = process.argv[2];
if (wanted !== undefined && !(wanted in benchmarks)) {
  console.error(`unknown benchmark "${wanted}"; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
for (const [name, run] of Object.entries(benchmarks)) {
  if (wanted === undefined || wanted === name) await run();
}
