/**
 * Runs inside the executor's piscina threads: imports the task's module and calls its export
 * with the task's arguments. What it returns (or throws) becomes the task's outcome.
 */
export interface PoolJob {
  readonly module: string;
  readonly export: string;
  readonly args: unknown;
}

export default async function runJob(job: PoolJob): Promise<unknown> {
  const mod = (await import(job.module)) as Record<string, unknown>;
  const fn = mod[job.export];
  if (typeof fn !== 'function') {
    throw new TypeError(`${job.module} has no exported function "${job.export}"`);
  }
  return await (fn as (args: unknown) => unknown)(job.args);
}
