/**
 * The `mesolith` command line, on commander: per-command help that lists every flag with its
 * default, and one error path for bad input (see `run`: a one-line message, exit code 2).
 */
import { Command, CommanderError, Option } from 'commander';
import { LOG_LEVELS, type LogLevel } from '../log/logger.js';
import { VERSION } from '../observe/version.js';
import { choice, nonEmpty, port, positiveInt, unsetMeans } from './arguments.js';
import { clusterFlagOptions } from './cluster-flags.js';
import { type ClusterCommandValues, runCluster } from './commands/cluster.js';
import { runBench } from './commands/bench.js';
import { runInspect } from './commands/inspect.js';
import { runRuntimeDemo } from './demo/runtime-demo.js';
import { describeError, exitCodeOf } from './errors.js';

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (text: string) => void;
}

const CLUSTER_HELP = `
Stopping: the first SIGINT (Ctrl-C) or SIGTERM stops the cluster gracefully: nothing new is
started, running tasks are not killed but left as they are in the checkpoint, and the command
prints a summary (agents, frameworks, tasks by state, recoveries) and exits 0. A later run on
the same --work-dir recovers the agents and reports how those tasks ended. A second signal
exits at once (130 for SIGINT, 143 for SIGTERM).

HTTP (on --host:--port): GET / (live web view), /health, /state, /metrics, /events.
Any --host other than a loopback address needs --auth-token; with a token every request must
send "Authorization: Bearer <token>".`;

function build(io: Io, setExitCode: (code: number) => void): Command {
  const program = new Command('mesolith')
    .description('A worker-thread actor runtime and a Mesos-style cluster manager with agent recovery')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, '')),
      writeErr: (text) => io.err(text),
      outputError: (text, write) => write(`mesolith: ${text.replace(/^error: /, '')}`),
    })
    .showSuggestionAfterError()
    .allowExcessArguments(false);

  const cluster = program
    .command('cluster')
    .description('run a local cluster (a master and agents, each in a worker thread) with its HTTP API, until SIGINT/SIGTERM')
    .addOption(new Option('--agents <n>', 'agents, one simulated host and worker each').argParser(positiveInt).default(3))
    .addOption(new Option('--work-dir <dir>', unsetMeans('where the checkpoints and the master registry live; kept, and recovered by a later run', 'a temp dir, removed at exit')).argParser(nonEmpty))
    .addOption(new Option('--host <address>', 'address of the HTTP API').argParser(nonEmpty).default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port of the HTTP API (0: any free port; the URL is printed)').argParser(port).default(5050))
    .addOption(new Option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')}`).argParser(choice(LOG_LEVELS)).default('info' satisfies LogLevel))
    .addOption(new Option('--auth-token <token>', unsetMeans('require "Authorization: Bearer <token>" on every HTTP request', 'none')).argParser(nonEmpty).env('MESOLITH_AUTH_TOKEN'))
    .addOption(new Option('--demo', 'run the demo workload: tasks always in flight, an agent crash and its recovery, an upgrade; exit 0 only if no task was lost').default(false))
    .addOption(new Option('--seconds <n>', 'how long the demo workload runs').argParser(positiveInt).default(9))
    .addOption(new Option('--in-flight <n>', 'demo tasks kept running at once').argParser(positiveInt).default(24));
  for (const option of clusterFlagOptions()) cluster.addOption(option);
  cluster.addHelpText('after', CLUSTER_HELP).action(async (values: ClusterCommandValues, command: Command) => {
    setExitCode(await runCluster(values, (key) => command.getOptionValueSource(key), io.out));
  });

  program
    .command('inspect')
    .description("print a checkpoint as a tree (agent, frameworks, executors, runs, tasks with their last state and unacknowledged updates), like ls -R of Mesos's meta dir; a cluster work dir prints each host")
    .argument('<work-dir>', 'a host work dir (with meta/), or a cluster work dir (with host-N/ and master/)')
    .option('--json', 'print JSON instead', false)
    .action(async (workDir: string, values: { json: boolean }) => setExitCode(await runInspect(workDir, values, io.out)));

  program
    .command('bench')
    .description('run benchmarks (all, or those named: mailbox, checkpoint, cluster, recovery) with a progress bar; writes <name>.json and <name>.svg')
    .argument('[names...]', 'benchmarks to run')
    .option('--quick', 'small sizes: seconds instead of minutes, to check that they run', false)
    .addOption(new Option('--out <dir>', unsetMeans('where results go', 'bench/results/, or bench/results/quick/ with --quick')).argParser(nonEmpty))
    .action(async (names: string[], values: { quick: boolean; out?: string }) => setExitCode(await runBench(names, values, io.out)));

  program
    .command('runtime')
    .description('run the actor runtime demo: supervised stages in worker threads, one killed and restarted midway')
    .addOption(new Option('--seconds <n>', 'how long to run').argParser(positiveInt).default(6))
    .addOption(new Option('--stages <n>', 'pipeline stages, one worker each').argParser(positiveInt).default(3))
    .action(async (values: { seconds: number; stages: number }) => runRuntimeDemo({ ...values, out: io.out }));

  return program;
}

/** Runs the command line; resolves with the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let exitCode = 0;
  const program = build(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    // Help and --version end parsing with exit code 0; any other parse error is a usage error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    io.err(`mesolith: ${describeError(error)}\n`);
    return exitCodeOf(error);
  }
}
