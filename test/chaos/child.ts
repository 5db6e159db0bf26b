/**
 * One process of a process-mode chaos run (started by process-mode.ts with its arguments as
 * JSON): it starts the cluster on the run's work dir, fails over to the frameworks earlier
 * processes registered, adopts the tasks they left open, and runs the workload and its faults
 * until it is killed — or, the last one, quiesces, stops, and exits by itself.
 */
import { isTerminal } from '../../src/index.js';
import { readLog } from './event-log.js';
import type { ChaosTaskKind } from './fixtures/chaos-tasks.js';
import type { ChildArgs } from './process-mode.js';
import { runPaths, runSession } from './session.js';
import { SmallDisk } from './small-disk.js';

// Its parent gone, a process of the run must not go on alone.
process.on('disconnect', () => process.exit(70));
const args = JSON.parse(process.argv[2]!) as ChildArgs;
const paths = runPaths(args.root);
const earlier = readLog(paths.log);

const failoverFrom: Record<string, string> = {};
const frameworks = new Map<string, boolean>();
for (const record of earlier) {
  if (record.t !== 'framework') continue;
  failoverFrom[record.fw.name] = record.fw.frameworkId;
  frameworks.set(record.fw.name, record.fw.partitionAware);
}
const open = new Map<string, { taskId: string; fw: string; kind: ChaosTaskKind }>();
for (const record of earlier) {
  if (record.t === 'launching') open.set(record.taskId, { taskId: record.taskId, fw: record.fw, kind: record.kind });
  if (record.t === 'launch_failed') open.delete(record.taskId);
  if (record.t === 'update' && (isTerminal(record.state as never) || (record.state === 'TASK_UNKNOWN' && frameworks.get(record.fw) === true))) open.delete(record.taskId);
}

const ok = await runSession({
  mode: 'process',
  seed: args.seed,
  gen: args.gen,
  paths,
  faults: args.faults,
  disk: args.disk === undefined ? undefined : SmallDisk.adopt(args.disk),
  final: args.final,
  failoverFrom,
  adopt: [...open.values()],
  completionsBeforeEnd: 30,
  damaged: earlier.some((record) => record.t === 'damage'),
  onProgress: (completions) => process.stdout.write(`completions ${completions}\n`),
});
// A process whose cluster could not start has nothing to wait for: its parent sees it exit.
if (!ok && !args.final) process.exit(1);
if (args.final) {
  process.stdout.write('end\n');
  // The channel is a handle of its own: let go of it, and the process exits by itself (or shows what it left).
  process.removeAllListeners('disconnect');
  process.disconnect();
}
