/** `npm run bench [name]`: runs one benchmark by name, or all of them. */
import { runMailbox } from './mailbox/index.js';

const benchmarks: Record<string, () => Promise<void>> = { mailbox: runMailbox };
const wanted = process.argv[2];
if (wanted !== undefined && !(wanted in benchmarks)) {
  console.error(`unknown benchmark "${wanted}"; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
for (const [name, run] of Object.entries(benchmarks)) {
  if (wanted === undefined || wanted === name) await run();
}
