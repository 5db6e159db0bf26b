#!/usr/bin/env node
/** The `mesolith` command (see program.ts). */
import { run } from './program.js';

const code = await run(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (text) => process.stderr.write(text),
});
// Worker threads and timers of a stopped cluster must not keep the process up.
process.exit(code);
