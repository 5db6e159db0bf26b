/** Runs an example as a user would (`node dist/examples/<name>/main.js`), as a child process. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ExampleRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** dist/test/examples/ → dist/examples/ */
export const EXAMPLES = new URL('../../examples/', import.meta.url);

/** Runs `node <script> ...args` from the repo root; killed (code null) after `timeoutMs`. */
export function runScript(script: URL, args: readonly string[] = [], timeoutMs = 90_000): Promise<ExampleRun> {
  const child = spawn(process.execPath, [fileURLToPath(script), ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: fileURLToPath(new URL('../../../', import.meta.url)) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function runExample(name: string): Promise<ExampleRun> {
  return runScript(new URL(`${name}/main.js`, EXAMPLES));
}

/** The output, for assertion messages. */
export const shown = (run: ExampleRun) => `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
