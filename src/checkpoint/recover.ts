import { join } from 'node:path';
import { type Database, open } from 'lmdb';
import { CheckpointCorruptError } from './errors.js';
import { splitStream } from './finished.js';
import type { AgentId, ExecutorId, FrameworkId, RunId, TaskId } from './ids.js';
import { checkLmdbFile } from './lmdb-file-check.js';
import { keys, parseKey } from './paths.js';
import { type Reservations, type StreamEntry, payloadOf } from './records.js';
import type { AgentState, CheckpointState, ExecutorState, FrameworkState, RunState, TaskState } from './state.js';
import { CHECKPOINT_FILE, damagedCheckpointRemedy, openRecords } from './environment.js';
import { CheckpointStore } from './store.js';

export interface ReadOptions {
  /** true (default): the first corrupt record throws. false: it is skipped, with what depends on it, and counted. */
  readonly strict?: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Task = Omit<Mutable<TaskState>, 'updates' | 'acks'> & { updates: TaskState['updates'][number][]; acks: Set<string>; broken: boolean };
type Run = Omit<Mutable<RunState>, 'tasks'> & { tasks: Map<TaskId, Task> };
type Executor = Omit<Mutable<ExecutorState>, 'runs'> & { runs: Map<RunId, Run>; latestPointer: RunId | undefined };
type Framework = Omit<Mutable<FrameworkState>, 'executors'> & { executors: Map<ExecutorId, Executor> };
type Agent = Omit<Mutable<AgentState>, 'frameworks'> & { frameworks: Map<FrameworkId, Framework> };

/**
 * Reads a whole checkpoint. `source` is an open store (what an agent uses), or a work dir to
 * read offline. Only reads: nothing on disk changes. A work dir whose checkpoint file is damaged
 * is refused (`ERR_CHECKPOINT_DAMAGED`) before LMDB maps it.
 */
export async function readState(source: CheckpointStore | string, options: ReadOptions = {}): Promise<CheckpointState> {
  if (source instanceof CheckpointStore) return scan(source.database, options.strict ?? true);
  const path = join(source, 'meta', CHECKPOINT_FILE);
  const file = checkLmdbFile(path, { overlappingSync: false }, damagedCheckpointRemedy(source));
  if (file === 'absent') return nothingToRead(`no checkpoint at ${path}`);
  const unwritten = `${path} is empty: its agent stopped before its first write`;
  if (file === 'empty') return nothingToRead(unwritten);
  const root = open({ path, noSubdir: true, readOnly: true });
  try {
    const db = openRecords(root);
    return db === undefined ? nothingToRead(unwritten) : scan(db, options.strict ?? true);
  } finally {
    await root.close();
  }
}

function nothingToRead(why: string): CheckpointState {
  return { bootId: undefined, reservations: undefined, agent: undefined, records: 0, errors: 0, skipped: [], warnings: [why] };
}

function scan(db: Database<unknown, string>, strict: boolean): CheckpointState {
  const warnings: string[] = [];
  let errors = 0;
  let records = 0;
  const skipped = new Set<string>();

  /** A record that is corrupt or cannot be there: throws (strict), or is counted, for the caller to skip. */
  const flag = (error: CheckpointCorruptError): void => {
    if (strict) throw error;
    errors++;
    skipped.add(skippedScope(error.key));
    warnings.push(`skipped ${error.message}`);
  };

  /** Decodes a value; a corrupt one is flagged and yields undefined. */
  const read = <T>(key: string, value: unknown, check: (payload: Record<string, unknown>) => boolean): T | undefined => {
    records++;
    try {
      const payload = payloadOf(key, value);
      if (typeof payload !== 'object' || payload === null || !check(payload as Record<string, unknown>)) {
        throw new CheckpointCorruptError(key, 'the record does not have the fields its key calls for');
      }
      return payload as T;
    } catch (error) {
      if (!(error instanceof CheckpointCorruptError)) throw error;
      flag(error);
      return undefined;
    }
  };

  const bootValue = db.get(keys.bootId());
  // Missing on a host that never ran an agent, or one whose first write was cut short.
  if (bootValue === undefined) warnings.push('meta/boot_id is missing: the host cannot tell whether it rebooted');
  const bootId = bootValue === undefined ? undefined : read<{ bootId: string }>(keys.bootId(), bootValue, (p) => typeof p.bootId === 'string');
  const resourcesValue = db.get(keys.resources());
  const resources =
    resourcesValue === undefined
      ? undefined
      : read<{ reservations: Reservations }>(keys.resources(), resourcesValue, (p) => typeof p.reservations === 'object' && p.reservations !== null);

  const latestValue = db.get(keys.latestAgent());
  if (latestValue === undefined) {
    // A fresh host, or an agent that never registered: nothing to recover.
    return { bootId: bootId?.bootId, reservations: resources?.reservations, agent: undefined, records, errors, skipped: [...skipped], warnings };
  }
  const latest = read<{ agentId: AgentId }>(keys.latestAgent(), latestValue, (p) => typeof p.agentId === 'string');
  if (latest === undefined) {
    warnings.push('meta/agents/latest is unreadable: the agent will start as a new agent');
    return { bootId: bootId?.bootId, reservations: resources?.reservations, agent: undefined, records, errors, skipped: [...skipped], warnings };
  }
  const unknownKey = (key: string): void => {
    records++;
    // This build writes no other key under an agent: one that does not parse was altered on disk.
    flag(new CheckpointCorruptError(key, 'the key names no checkpoint record (was it altered on disk?)'));
  };
  const agent = scanAgent(db, latest.agentId, { read, flag, unknownKey, warnings });
  return { bootId: bootId?.bootId, reservations: resources?.reservations, agent, records, errors, skipped: [...skipped], warnings };
}

/**
 * What a skipped record takes along on disk, as a key prefix: the directory of the task, run,
 * executor, framework or agent whose info it is; any other record (an update stream, whose task
 * is kept and starts a new one, a pointer, a sentinel, a key that names nothing), just itself.
 */
function skippedScope(key: string): string {
  const parsed = parseKey(key);
  switch (parsed.kind) {
    case 'task-info':
      return keys.taskPrefix(parsed);
    case 'run-pid':
      return keys.runPrefix(parsed);
    case 'executor-info':
      return keys.executorPrefix(parsed.agentId, parsed.frameworkId, parsed.executorId);
    case 'framework-info':
      return keys.frameworkPrefix(parsed.agentId, parsed.frameworkId);
    case 'agent-info':
      return keys.agentPrefix(parsed.agentId);
    default:
      return key;
  }
}

/** The entry for `id` in one level of the tree, created empty on first sight. */
function child<K, V>(level: Map<K, V>, id: K, make: (id: K) => V): V {
  let entry = level.get(id);
  if (entry === undefined) {
    entry = make(id);
    level.set(id, entry);
  }
  return entry;
}

function isStream(payload: unknown): boolean {
  return (
    Array.isArray(payload) &&
    payload.every((e: { kind?: unknown; uuid?: unknown; update?: { uuid?: unknown } }) =>
      e.kind === 'ack' ? typeof e.uuid === 'string' : e.kind === 'update' && typeof e.update?.uuid === 'string',
    )
  );
}

interface Reader {
  read<T>(key: string, value: unknown, check: (payload: Record<string, unknown>) => boolean): T | undefined;
  flag(error: CheckpointCorruptError): void;
  unknownKey(key: string): void;
  readonly warnings: string[];
}

function scanAgent(db: Database<unknown, string>, agentId: AgentId, reader: Reader): AgentState | undefined {
  const { read } = reader;
  const agent: Agent = { id: agentId, info: undefined, frameworks: new Map() };
  const dropped = new Set<string>();
  let framework: Framework | undefined;
  let executor: Executor | undefined;
  let run: Run | undefined;
  let task: Task | undefined;
  const prefix = keys.agentPrefix(agentId);
  let runPrefix = '';

  const taskRecord = (owner: Run, taskId: TaskId, kind: 'task-info' | 'task-updates', key: string, value: unknown): void => {
    if (task?.id !== taskId) {
      task = child(owner.tasks, taskId, (id) => ({ id, info: undefined, updates: [], acks: new Set<string>(), nextSeq: 0, broken: false }));
    }
    if (kind === 'task-info') {
      const record = read<{ info: TaskState['info'] }>(key, value, (p) => typeof p.info === 'object');
      if (record === undefined) {
        // A task without its info cannot be reported; its updates go with it.
        owner.tasks.delete(taskId);
        task.broken = true;
        return;
      }
      task.info = record.info;
      return;
    }
    if (task.broken) return;
    const stream = read<StreamEntry[]>(key, value, isStream);
    if (stream === undefined) return;
    splitStream(stream, task.updates, task.acks);
    task.nextSeq = stream.length;
  };

  for (const { key, value } of db.getRange({ start: prefix, end: `${prefix}\uffff` })) {
    // Fast path: most keys are the task records of the run just seen (keys are sorted).
    if (run !== undefined && key.startsWith(runPrefix) && key.startsWith('tasks/', runPrefix.length)) {
      const idStart = runPrefix.length + 6;
      const slash = key.indexOf('/', idStart);
      const file = slash > idStart ? key.slice(slash + 1) : '';
      if (file === 'task.info' || file === 'task.updates') {
        taskRecord(run, key.slice(idStart, slash) as TaskId, file === 'task.info' ? 'task-info' : 'task-updates', key, value);
        continue;
      }
    }
    const parsed = parseKey(key);
    if (parsed.kind === 'unknown') {
      reader.unknownKey(key);
      continue;
    }
    if (parsed.kind === 'agent-info') {
      const record = read<{ info: AgentState['info'] }>(key, value, (p) => typeof p.info === 'object');
      // Unreadable agent info: the agent cannot prove its identity, so it recovers nothing.
      if (record === undefined) return undefined;
      agent.info = record.info;
      continue;
    }
    if (!('frameworkId' in parsed)) continue;
    const frameworkKey = `${parsed.frameworkId}`;
    if (dropped.has(frameworkKey)) continue;
    if (framework?.id !== parsed.frameworkId) {
      framework = child(agent.frameworks, parsed.frameworkId, (id) => ({ id, info: undefined, schedulerAddress: undefined, executors: new Map() }));
      executor = undefined;
    }
    if (parsed.kind === 'framework-info') {
      const record = read<{ info: FrameworkState['info']; schedulerAddress: string | null }>(key, value, (p) => typeof p.info === 'object');
      if (record === undefined) {
        // Without its info the framework cannot be recovered; neither can its executors.
        agent.frameworks.delete(parsed.frameworkId);
        dropped.add(frameworkKey);
        framework = undefined;
        continue;
      }
      framework.info = record.info;
      framework.schedulerAddress = record.schedulerAddress ?? undefined;
      continue;
    }
    if (!('executorId' in parsed)) continue;
    const executorKey = `${frameworkKey}/${parsed.executorId}`;
    if (dropped.has(executorKey)) continue;
    if (executor?.id !== parsed.executorId) {
      executor = child(framework.executors, parsed.executorId, (id) => ({ id, info: undefined, latestRunId: undefined, latestPointer: undefined, runs: new Map() }));
      run = undefined;
    }
    if (parsed.kind === 'executor-info' || parsed.kind === 'latest-run') {
      if (parsed.kind === 'executor-info') {
        const record = read<{ info: ExecutorState['info'] }>(key, value, (p) => typeof p.info === 'object');
        if (record === undefined) {
          framework.executors.delete(parsed.executorId);
          dropped.add(executorKey);
          executor = undefined;
          continue;
        }
        executor.info = record.info;
      } else {
        const record = read<{ runId: RunId }>(key, value, (p) => typeof p.runId === 'string');
        executor.latestPointer = record?.runId;
      }
      continue;
    }
    if (!('runId' in parsed)) continue;
    const runKey = `${executorKey}/${parsed.runId}`;
    if (dropped.has(runKey)) continue;
    if (run?.id !== parsed.runId) {
      run = child(executor.runs, parsed.runId, (id) => ({ id, pid: undefined, completed: false, tasks: new Map() }));
      runPrefix = keys.runPrefix(parsed);
      task = undefined;
    }
    if (parsed.kind === 'run-pid') {
      const record = read<{ pid: RunState['pid'] }>(key, value, (p) => 'pid' in p);
      if (record === undefined) {
        // A run whose executor cannot be identified cannot be reconnected to.
        executor.runs.delete(parsed.runId);
        dropped.add(runKey);
        run = undefined;
        continue;
      }
      run.pid = record.pid;
      continue;
    }
    if (parsed.kind === 'sentinel') {
      run.completed = read(key, value, () => true) !== undefined || run.completed;
      continue;
    }
    if (parsed.kind === 'task-info' || parsed.kind === 'task-updates') {
      taskRecord(run, parsed.taskId, parsed.kind, key, value);
    }
  }

  return checkCombinations(agent, reader) ? agent : undefined;
}

/**
 * Records that exist only with others, since they are written in one transaction with them
 * (src/agent/launches.ts: a new executor's framework.info, executor.info, run pid and
 * runs/latest; agents/latest with agent.info) or only after those are durable (task.info,
 * later pid records, sentinels). Without them a checkpoint is corrupt; skipping (non-strict)
 * takes along what depends on them. Returns false if the agent itself is to be skipped.
 *
 * One combination does occur: a task.updates stream alone. When a launch's records fail to be
 * written (the disk is full), the agent fails the task and checkpoints that update, which may
 * succeed once space returns: the stream then has no task.info, and maybe no run, executor or
 * framework records either. Such streams are warnings; recovery ignores tasks without info.
 */
function checkCombinations(agent: Agent, { flag, warnings }: Reader): boolean {
  const missing = (key: string, problem: string): void => flag(new CheckpointCorruptError(key, `the record is missing: ${problem}`));
  if (agent.info === undefined) {
    missing(keys.agentInfo(agent.id), 'meta/agents/latest names this agent, and the two are written in one transaction');
    return false;
  }
  for (const fw of agent.frameworks.values()) {
    for (const ex of fw.executors.values()) {
      for (const run of ex.runs.values()) {
        const path = { agentId: agent.id, frameworkId: fw.id, executorId: ex.id, runId: run.id };
        for (const task of run.tasks.values()) {
          if (task.info === undefined) warnings.push(`task ${task.id}: an update stream without task.info (its launch was not checkpointed); ignored`);
        }
        if (run.pid === undefined && (run.completed || [...run.tasks.values()].some((t) => t.info !== undefined))) {
          missing(keys.runPid(path), `run ${run.id} has records, and its pid is written with the run's first ones`);
          ex.runs.delete(run.id);
        }
      }
      if (ex.info === undefined && (ex.latestPointer !== undefined || [...ex.runs.values()].some((r) => r.pid !== undefined))) {
        missing(keys.executorInfo(agent.id, fw.id, ex.id), `executor ${ex.id} has runs, and executor.info is written with its first run`);
        fw.executors.delete(ex.id);
        continue;
      }
      if (ex.latestPointer === undefined) {
        // Mesos GCExecutor: a deleted `latest` pointer leaves the executor unrecoverable.
        warnings.push(`executor ${ex.id}: runs/latest is missing; the executor cannot be recovered`);
      } else if (!ex.runs.has(ex.latestPointer)) {
        warnings.push(`executor ${ex.id}: runs/latest names run ${ex.latestPointer}, which has no records`);
      } else {
        ex.latestRunId = ex.latestPointer;
      }
    }
    if (fw.info === undefined && [...fw.executors.values()].some((ex) => ex.info !== undefined)) {
      missing(keys.frameworkInfo(agent.id, fw.id), `framework ${fw.id} has executors, and framework.info is written with its first executor's records`);
      agent.frameworks.delete(fw.id);
    }
  }
  return true;
}
