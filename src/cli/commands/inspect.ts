/**
 * `mesolith inspect <work-dir>`: what a checkpoint holds, as a tree laid out like Mesos's meta
 * directory (agent → frameworks → executors → runs → tasks), with corrupt records and warnings.
 * Reads only (`readState` with `strict: false`); a running cluster's work dir can be read too.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CheckpointCorruptError, type CheckpointState, type TaskState, readState } from '../../index.js';
import { UsageError } from '../errors.js';

interface HostCheckpoint {
  /** `.` for a single host's work dir, else the subdirectory (`host-1`). */
  readonly name: string;
  readonly state: CheckpointState;
  /** The first corrupt record, as a strict read reports it. */
  readonly firstCorrupt: { readonly key: string; readonly problem: string } | undefined;
}

const hasCheckpoint = (dir: string) => existsSync(join(dir, 'meta', 'checkpoint.mdb'));

/** A host's work dir itself, or a cluster's (host-N/ subdirectories, and master/). */
function hostDirs(dir: string): { name: string; dir: string }[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory`, 'ERR_NOT_A_WORK_DIR');
  if (hasCheckpoint(dir)) return [{ name: '.', dir }];
  const hosts = readdirSync(dir)
    .filter((entry) => hasCheckpoint(join(dir, entry)))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((name) => ({ name, dir: join(dir, name) }));
  if (hosts.length === 0) throw new UsageError(`${dir} is not a work dir: no meta/checkpoint.mdb in it or in any subdirectory of it`, 'ERR_NOT_A_WORK_DIR');
  return hosts;
}

async function readHost(name: string, dir: string): Promise<HostCheckpoint> {
  const state = await readState(dir, { strict: false });
  if (state.errors === 0) return { name, state, firstCorrupt: undefined };
  // A lenient read only counts corrupt records; a strict one names the first.
  const firstCorrupt = await readState(dir, { strict: true }).then(
    () => undefined,
    (error: unknown) => (error instanceof CheckpointCorruptError ? { key: error.key, problem: error.problem } : undefined),
  );
  return { name, state, firstCorrupt };
}

const unacknowledged = (task: TaskState) => task.updates.filter((u) => !task.acks.has(u.uuid));

function taskLine(task: TaskState): string {
  const last = task.updates.at(-1);
  const pending = unacknowledged(task);
  const state = last === undefined ? 'no update' : `${last.state}${last.reason === undefined ? '' : ` (${last.reason})`}`;
  const acks = pending.length === 0 ? 'all acknowledged' : `${pending.length} unacknowledged: ${pending.map((u) => `${u.state} ${u.uuid}`).join(', ')}`;
  return `tasks/${task.id}  ${state}  ${task.updates.length} update(s), ${acks}${task.info === undefined ? '  [task.info missing]' : ''}`;
}

function treeLines(host: HostCheckpoint): string[] {
  const { state } = host;
  const lines = [`${host.name === '.' ? 'meta/' : `${host.name}/meta/`}  boot_id ${state.bootId ?? '(none)'}, ${state.records} record(s)`];
  const at = (depth: number, text: string) => lines.push(`${'  '.repeat(depth)}${text}`);
  const reservations = Object.entries(state.reservations ?? {});
  at(1, `resources/resources.info  ${reservations.length === 0 ? 'no reservations' : reservations.map(([role, r]) => `${role}: cpus ${r.cpus} mem ${r.mem}`).join('; ')}`);
  const agent = state.agent;
  if (agent === undefined) at(1, 'agents/  (no agent checkpointed)');
  else {
    const info = agent.info === undefined ? '[agent.info missing]' : `${agent.info.hostname}  cpus ${agent.info.resources.cpus} mem ${agent.info.resources.mem}`;
    at(1, `agents/${agent.id}  ${info}`);
    for (const framework of agent.frameworks.values()) {
      const info = framework.info === undefined ? '[framework.info missing]' : `"${framework.info.name}"${framework.info.checkpoint ? ' checkpoint' : ''}${framework.info.role === undefined ? '' : ` role ${framework.info.role}`}`;
      at(2, `frameworks/${framework.id}  ${info}`);
      for (const executor of framework.executors.values()) {
        at(3, `executors/${executor.id}  ${executor.info === undefined ? '[executor.info missing]' : executor.info.isolation}`);
        for (const run of executor.runs.values()) {
          const pid = run.pid === undefined ? 'no pid' : run.pid === null ? 'not started' : `pid ${run.pid.workerId}`;
          at(4, `runs/${run.id}${run.id === executor.latestRunId ? ' (latest)' : ''}  ${pid}  ${run.completed ? 'completed' : 'not completed'}`);
          for (const task of run.tasks.values()) at(5, taskLine(task));
        }
      }
    }
  }
  at(1, `corrupt records: ${state.errors}${host.firstCorrupt === undefined ? '' : ` (first: ${host.firstCorrupt.key}: ${host.firstCorrupt.problem})`}`);
  for (const warning of state.warnings) at(1, `warning: ${warning}`);
  return lines;
}

/** Maps and sets as plain JSON. */
function toJson(host: HostCheckpoint) {
  const { state } = host;
  const agent = state.agent;
  return {
    host: host.name,
    bootId: state.bootId ?? null,
    reservations: state.reservations ?? null,
    records: state.records,
    corrupt: state.errors,
    firstCorrupt: host.firstCorrupt ?? null,
    warnings: state.warnings,
    agent:
      agent === undefined
        ? null
        : {
            id: agent.id,
            info: agent.info ?? null,
            frameworks: [...agent.frameworks.values()].map((f) => ({
              id: f.id,
              info: f.info ?? null,
              executors: [...f.executors.values()].map((e) => ({
                id: e.id,
                info: e.info ?? null,
                latestRunId: e.latestRunId ?? null,
                runs: [...e.runs.values()].map((r) => ({
                  id: r.id,
                  pid: r.pid ?? null,
                  completed: r.completed,
                  tasks: [...r.tasks.values()].map((t) => ({
                    id: t.id,
                    info: t.info ?? null,
                    state: t.updates.at(-1)?.state ?? null,
                    updates: t.updates,
                    unacknowledged: unacknowledged(t).map((u) => u.uuid),
                  })),
                })),
              })),
            })),
          },
  };
}

export async function runInspect(workDir: string, options: { readonly json: boolean }, out: (line: string) => void): Promise<number> {
  const dir = resolve(workDir);
  const hosts = await Promise.all(hostDirs(dir).map((h) => readHost(h.name, h.dir)));
  const master = existsSync(join(dir, 'master', 'registry.mdb'));
  if (options.json) {
    out(JSON.stringify({ workDir: dir, masterRegistry: master, hosts: hosts.map(toJson) }, null, 2));
    return 0;
  }
  out(`${dir}`);
  for (const host of hosts) for (const line of treeLines(host)) out(host.name === '.' ? line : `  ${line}`);
  if (master) out('  master/registry.mdb  (the master\'s registry of admitted agents and frameworks)');
  return 0;
}
