/** The `mesolith` command as a real child process, for the CLI and HTTP tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** dist/test/cli/ → dist/src/cli/main.js */
export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private readonly waiters: { pattern: RegExp; resolve: (match: RegExpMatchArray) => void }[] = [];

  private constructor(readonly child: ChildProcess) {
    const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      this[stream] += chunk.toString();
      this.check();
    };
    child.stdout!.on('data', onData('stdout'));
    child.stderr!.on('data', onData('stderr'));
    this.exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr })));
  }

  static start(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliProcess {
    return new CliProcess(spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
  }

  /** Resolves once stdout matches (or rejects if the process ends first, with what it printed). */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    const found = this.stdout.match(pattern);
    if (found !== null) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      this.waiters.push({ pattern, resolve });
      void this.exited.then((exit) => reject(new Error(`mesolith exited (${exit.code ?? exit.signal}) before printing ${pattern}\nstdout:\n${exit.stdout}\nstderr:\n${exit.stderr}`)));
    });
  }

  /** The URL a `cluster` command prints once it serves. */
  async url(): Promise<string> {
    return (await this.waitFor(/mesolith cluster: (http:\/\/\S+)/))[1]!;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  private check(): void {
    for (const waiter of [...this.waiters]) {
      const match = this.stdout.match(waiter.pattern);
      if (match === null) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(match);
    }
  }
}

/** Runs a command to its end. */
export function runCli(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Exit> {
  return CliProcess.start(args, env).exited;
}

/** A cluster started by the CLI on a free port, stopped (SIGKILL if need be) by `body`'s end. */
export async function withCliCluster(args: readonly string[], body: (cli: CliProcess, url: string) => Promise<void>): Promise<void> {
  const cli = CliProcess.start(['cluster', '--port', '0', '--agents', '1', '--log-level', 'warn', ...args]);
  try {
    await body(cli, await cli.url());
  } finally {
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.kill('SIGKILL');
      await cli.exited;
    }
  }
}
