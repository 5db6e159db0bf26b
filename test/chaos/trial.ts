/**
 * One in-process chaos run in a process of its own (started by isolated.ts, its options in a
 * JSON file): a native crash of the cluster then ends this process, not the runner, which reports it.
 * The result goes to `<root>/result.json`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type InProcessOptions, runInProcess } from './in-process.js';

// Its parent gone (a test runner's timeout killed it), the run must not go on alone.
process.on('disconnect', () => process.exit(70));
const options = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as InProcessOptions & { root: string };
const result = await runInProcess({ ...options, keep: true });
writeFileSync(join(options.root, 'result.json'), JSON.stringify(result));
// The channel is a handle of its own: let go of it, and the process exits by itself.
process.removeAllListeners('disconnect');
process.disconnect();
