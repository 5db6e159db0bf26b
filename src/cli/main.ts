#!/usr/bin/env node
/**
 * The `mesolith` command. Arguments are parsed with node:util's parseArgs (the standard library
 * has a parser, so no dependency is needed for it).
 */
import { parseArgs } from 'node:util';
import { runClusterDemo } from './demo/cluster-demo.js';
import { runRuntimeDemo } from './demo/runtime-demo.js';

const USAGE = `usage: mesolith <command> [options]

commands:
  cluster         run a local cluster with a live workload; midway one agent crashes and
                  recovers from its checkpoint while its tasks keep running (npm start)
                  --agents N     agents, one worker each (default 3)
                  --seconds N    how long to run the workload (default 9)
                  --in-flight N  tasks kept running at once (default 24)
  runtime         run the actor runtime demo: supervised stages in worker threads,
                  live throughput, one stage's worker killed and restarted midway
                  --seconds N    how long to run (default 6)
                  --stages N     pipeline stages, one worker each (default 3)
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
      agents: { type: 'string' },
      'in-flight': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0] ?? 'help';
  if (values.help || command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (command === 'cluster') {
    const ok = await runClusterDemo({
      agents: positiveInt('agents', values.agents, 3),
      seconds: positiveInt('seconds', values.seconds, 9),
      inFlight: positiveInt('in-flight', values['in-flight'], 24),
      out: (line) => console.log(line),
    });
    if (!ok) process.exitCode = 1;
    return;
  }
  if (command === 'runtime') {
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
