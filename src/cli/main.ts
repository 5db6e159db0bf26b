#!/usr/bin/env node
/**
 * The `mesolith` command. Arguments are parsed with node:util's parseArgs (the standard library
 * has a parser, so no dependency is needed for it).
 */
import { parseArgs } from 'node:util';
import { runRuntimeDemo } from './demo/runtime-demo.js';

const USAGE = `usage: mesolith <command> [options]

commands:
  demo            run the actor runtime demo: supervised stages in worker threads,
                  live throughput, one stage's worker killed and restarted midway
                  --seconds N   how long to run (default 6)
                  --stages N    pipeline stages, one worker each (default 3)
  help            show this text
`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`mesolith: --${name} must be a positive integer, got "${value}"`);
    process.exit(2);
  }
  return n;
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      seconds: { type: 'string' },
      stages: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0] ?? 'help';
  if (values.help || command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (command === 'demo') {
    await runRuntimeDemo({
      seconds: positiveInt('seconds', values.seconds, 6),
      stages: positiveInt('stages', values.stages, 3),
      out: (line) => console.log(line),
    });
    return;
  }
  console.error(`mesolith: unknown command "${command}"\n\n${USAGE}`);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`mesolith: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
