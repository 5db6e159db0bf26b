import { TERMINAL_STATES } from '../../src/index.js';
import type { ClusterView, FrameworkRecord, Killed, LogRecord, Placement } from './event-log.js';
import { type ChaosTaskKind, failureOf, valueOf } from './fixtures/chaos-tasks.js';
import { isMastersGuess, isStreamPosition } from './semantics.js';
import { agentLive, masterLiveByAgent, sameCounts } from './quiesce.js';

/** Invariants 1–6 of RELIABILITY.md; `liveness`: the cluster did not come back from a fault. */
export type InvariantId = '1' | '2' | '3' | '4' | '5' | '6' | 'liveness';

export interface Violation {
  readonly invariant: InvariantId;
  readonly message: string;
  readonly taskId?: string;
}

export interface CheckReport {
  readonly violations: Violation[];
  /** How many things each invariant was checked on (tasks, updates, executors, views, stops). */
  readonly checked: Record<InvariantId, number>;
  readonly faultsByKind: Record<string, number>;
  readonly tasks: number;
  readonly updates: number;
}

type Update = Extract<LogRecord, { t: 'update' }>;

interface Task {
  readonly taskId: string;
  readonly fw: string;
  readonly kind: ChaosTaskKind;
  readonly gen: number;
  readonly launchingSeq: number;
  at?: Placement;
  failed: boolean;
  readonly updates: { seq: number; update: Update }[];
}

/** Something that ended executors, between two positions of the log (a fault, from its start to its end). */
interface Ending {
  readonly from: number;
  to: number;
  readonly killed: Killed;
}

/** Faults after which a non-checkpointing framework's executors on that agent are gone (they end with their agent). */
const AGENT_GOES = new Set(['agent-crash', 'agent-crash-mid-checkpoint', 'agent-crash-mid-recovery', 'agent-restart-flags', 'host-reboot', 'corrupt-record', 'recovery-timeout']);

const RANK: Readonly<Record<string, number>> = { TASK_STAGING: 0, TASK_STARTING: 1, TASK_RUNNING: 2, TASK_KILLING: 3 };
const rank = (state: string) => (TERMINAL_STATES.has(state as never) ? 4 : (RANK[state] ?? 2));
const terminal = (state: string) => TERMINAL_STATES.has(state as never);
/** Past the recovery timeout, how long the launcher may take to end an executor. */
const DESTROY_SLACK_MS = 3_000;

const describe = (u: Update) => `${u.state}${u.source ? ` ${u.source.replace('SOURCE_', '').toLowerCase()}` : ''}${u.reason ? ` ${u.reason}` : ''}${u.uuid === '' ? ' (no uuid)' : ''}`;

/**
 * Checks a run's event log and side log against the invariants. Everything is read from the
 * logs: the faults injected (and the executors they ended), every update each framework
 * received, the task bodies' runs, the executors' ends, the views after quiescence, what was
 * left after stop.
 */
export function check(records: readonly LogRecord[], side: readonly { taskId: string; what: string }[]): CheckReport {

  const violations: Violation[] = [];
  const checked: Record<InvariantId, number> = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0, '6': 0, liveness: 0 };
  /** Per task, only the first violation of each invariant is kept (the rest usually follow from it); the others are counted. */
  const firstPerTask = new Map<string, { violation: Violation; more: number }>();
  const fail = (invariant: InvariantId, message: string, taskId?: string) => {
    if (taskId === undefined) return void violations.push({ invariant, message });
    const key = `${invariant}/${taskId}`;
    const first = firstPerTask.get(key);
    if (first !== undefined) return void first.more++;
    const violation = { invariant, message, taskId };
    firstPerTask.set(key, { violation, more: 0 });
    violations.push(violation);
  };

  const frameworks = new Map<string, FrameworkRecord>();
  const tasks = new Map<string, Task>();
  const endings: Ending[] = [];
  const agentFaults: { from: number; to: number; agentId: string; kind: string }[] = [];
  const damage: { seq: number; tasks: Set<string> }[] = [];
  const faultsByKind: Record<string, number> = {};
  const hostAgents = new Map<string, string>();
  let updates = 0;
  let completed = false;

  records.forEach((record, seq) => {
    switch (record.t) {
      case 'framework':
        frameworks.set(record.fw.name, record.fw);
        return;
      case 'launching':
        tasks.set(record.taskId, { taskId: record.taskId, fw: record.fw, kind: record.kind, gen: record.gen, launchingSeq: seq, failed: false, updates: [] });
        return;
      case 'launched': {
        const task = tasks.get(record.taskId);
        if (task !== undefined) task.at = record.at;
        return;
      }
      case 'launch_failed': {
        const task = tasks.get(record.taskId);
        if (task !== undefined) task.failed = true;
        return;
      }
      case 'update':
        updates++;
        tasks.get(record.taskId)?.updates.push({ seq, update: record });
        return;
      case 'fault':
        faultsByKind[record.kind] = (faultsByKind[record.kind] ?? 0) + 1;
        if (record.killed !== undefined) endings.push({ from: seq, to: Number.POSITIVE_INFINITY, killed: record.killed });
        if (record.agentId !== undefined) agentFaults.push({ from: seq, to: Number.POSITIVE_INFINITY, agentId: record.agentId, kind: record.kind });
        return;
      case 'damage':
        damage.push({ seq, tasks: new Set(record.damagedTasks) });
        return;
      case 'fault_done':
        checked.liveness++;
        for (const span of [...endings, ...agentFaults]) if (span.to === Number.POSITIVE_INFINITY) span.to = seq;
        if (record.error !== undefined) fail('liveness', `fault #${record.index} ${record.kind} did not complete: ${record.error}`);
        return;
      case 'recovered':
        checked.liveness++;
        if (record.error !== undefined) fail('liveness', `fault #${record.index} ${record.kind}: the agent did not come back: ${record.error}`);
        return;
      case 'cluster': {
        const event = record.event as { type: string; hostId?: string; agentId?: string; destroyed?: number };
        if (event.hostId !== undefined && event.agentId !== undefined) hostAgents.set(event.hostId, event.agentId);
        // Executors the agent itself destroyed (silent past the reregistration timeout), or the launcher (recovery timeout).
        if (event.type === 'agent.recovered' && (event.destroyed ?? 0) > 0) endings.push({ from: seq, to: seq, killed: { agent: event.agentId! } });
        if (event.type === 'launcher.executor_destroyed' && hostAgents.has(event.hostId!)) endings.push({ from: seq, to: seq, killed: { agent: hostAgents.get(event.hostId!)! } });
        if (event.type === 'supervisor.escalated') fail('liveness', `a host's supervisor gave its agent up: ${JSON.stringify(event)}`);
        return;
      }
      case 'end':
        completed = true;
        return;
      case 'error':
        fail('liveness', `the run failed: ${record.text}`);
        return;
      default:
        return;
    }
  });

  const runs = new Map<string, number>();
  for (const line of side) if (line.what === 'start') runs.set(line.taskId, (runs.get(line.taskId) ?? 0) + 1);

  const frameworkIdOf = (name: string) => frameworks.get(name)?.frameworkId;

  for (const task of tasks.values()) {
    if (task.failed && task.updates.length === 0) continue;
    const fw = frameworks.get(task.fw);
    const checkpoint = fw?.checkpoint === true;
    const partitionAware = fw?.partitionAware === true;
    task.updates.splice(0, task.updates.length, ...withoutUntrusted(task.updates, partitionAware));
    const firstTerminal = task.updates.find((u) => terminal(u.update.state));
    const end = firstTerminal?.seq ?? Number.POSITIVE_INFINITY;
    const executorEnded = endings.some(
      (e) =>
        e.from <= end &&
        e.to >= task.launchingSeq &&
        (e.killed.all === true ||
          (task.at !== undefined && e.killed.agent === task.at.agentId) ||
          (task.at !== undefined && (e.killed.executors ?? []).some((x) => x.agentId === task.at!.agentId && x.executorId === task.at!.executorId && x.frameworkId === frameworkIdOf(task.fw)))),
    );
    const agentWent = task.at !== undefined && agentFaults.some((f) => AGENT_GOES.has(f.kind) && f.agentId === task.at!.agentId && f.from <= end && f.to >= task.launchingSeq);
    // A damaged record took with it what the agent had reported of the task: the agent may report
    // its end again, or another one (Mesos has no defence either). Such a task keeps the checks
    // that need no memory of the past: a uuid means one state, its body runs once, it ends.
    const damaged = damage.some((d) => d.tasks.has(task.taskId) && d.seq >= task.launchingSeq);
    const ran = runs.get(task.taskId) ?? 0;

    // Invariant 3: a task body runs at most once.
    checked['3']++;
    if (ran > 1) fail('3', `the body of ${task.taskId} ran ${ran} times`, task.taskId);

    // Invariant 2: per task, updates in order; a repeat has the uuid of the first.
    const byUuid = new Map<string, Update>();
    const uuidOfState = new Map<string, string>();
    let lastRank = 0;
    let lastTimestamp = 0;
    /** The stream's position as reconciliation last answered it after a readmission's end (`isStreamPosition`). */
    let lastPosition = 0;
    /** The first terminal update of the task's own stream (the master's reconciliation answers may run ahead of the stream, as in Mesos). */
    let streamTerminal: Update | undefined;
    let terminalSeen: Update | undefined;
    for (const { update } of task.updates) {
      checked['2']++;
      if (update.uuid !== '') {
        const first = byUuid.get(update.uuid);
        if (first !== undefined) {
          if (first.state !== update.state) fail('2', `${task.taskId}: uuid ${update.uuid} came as ${first.state} and again as ${update.state}`, task.taskId);
          continue;
        }
        byUuid.set(update.uuid, update);
        const repeatKey = update.state === 'TASK_RUNNING' && update.message === 'progress' ? undefined : update.state;
        if (!damaged && repeatKey !== undefined && uuidOfState.has(repeatKey)) fail('2', `${task.taskId}: ${update.state} came twice with different uuids (${uuidOfState.get(repeatKey)}, ${update.uuid})`, task.taskId);
        if (repeatKey !== undefined) uuidOfState.set(repeatKey, update.uuid);
        if (damaged) continue;
        if (streamTerminal !== undefined && !terminal(update.state)) fail('2', `${task.taskId}: ${describe(update)} after ${describe(streamTerminal)}`, task.taskId);
        else if (rank(update.state) < lastRank) fail('2', `${task.taskId}: ${describe(update)} after a later state`, task.taskId);
        if (update.timestamp < lastTimestamp) fail('2', `${task.taskId}: ${describe(update)} is older (${update.timestamp}) than the update before it (${lastTimestamp})`, task.taskId);
        lastRank = Math.max(lastRank, rank(update.state));
        lastTimestamp = Math.max(lastTimestamp, update.timestamp);
      } else if (!damaged && terminalSeen !== undefined && !terminal(update.state) && update.state !== 'TASK_UNKNOWN' && !isMastersGuess(update, partitionAware)) {
        if (rank(update.state) < Math.max(lastRank, lastPosition) || !isStreamPosition(update, terminalSeen)) {
          fail('2', `${task.taskId}: the master said ${describe(update)} after ${describe(terminalSeen)}`, task.taskId);
        } else lastPosition = rank(update.state);
      }
      if (terminal(update.state) && !isMastersGuess(update, partitionAware)) terminalSeen ??= update;
      if (terminal(update.state) && update.uuid !== '') streamTerminal ??= update;
    }

    // Invariant 1: one terminal state, reported; the true one where the executor survived.
    checked['1']++;
    const terminals = [...new Set(task.updates.filter((u) => terminal(u.update.state)).map((u) => u.update.state))];
    if (terminals.length > 1 && !damaged) {
      const seen = task.updates.filter((u) => terminal(u.update.state)).map((u) => describe(u.update));
      fail('1', `${task.taskId} (${task.fw}) reached ${terminals.length} terminal states: ${[...new Set(seen)].join(' → ')}`, task.taskId);
    }
    const reportedGone = partitionAware && task.updates.some((u) => u.update.state === 'TASK_UNKNOWN');
    if (completed && firstTerminal === undefined && !reportedGone) {
      const last = task.updates.at(-1)?.update;
      fail('1', `${task.taskId} (${task.fw}, ${task.kind}) never reached a terminal state (last: ${last === undefined ? 'no update at all' : describe(last)})`, task.taskId);
    }
    if (firstTerminal === undefined) continue;
    const outcome = task.updates.find((u) => terminal(u.update.state) && u.update.uuid !== '')?.update ?? firstTerminal.update;
    if (ran === 0 && outcome.state === 'TASK_FINISHED') fail('1', `${task.taskId} was reported TASK_FINISHED but its body never ran`, task.taskId);
    const truthApplies = ran > 0 && !executorEnded && !damaged && (checkpoint || !agentWent);
    if (!truthApplies) continue;
    const problem = outcome.uuid === '' ? `its own terminal update never came; only the master said ${describe(outcome)}` : untrue(task, outcome);
    if (problem !== undefined) fail('1', `${task.taskId} (${task.fw}, ${task.kind}, its executor not ended by any fault): ${problem}`, task.taskId);
  }

  checkRecoveryTimeouts(records, checked, fail);
  checkViews(records, tasks, frameworks, checked, fail);

  for (const record of records) {
    if (record.t === 'leaks') {
      checked['6']++;
      if (record.left.length > 0) fail('6', `after stop(), left: ${record.left.join(', ')}`);
    }
  }
  const counted = violations.map((v) => {
    const more = v.taskId === undefined ? 0 : (firstPerTask.get(`${v.invariant}/${v.taskId}`)?.more ?? 0);
    return more === 0 ? v : { ...v, message: `${v.message} (and ${more} more of this task)` };
  });
  return { violations: counted, checked, faultsByKind, tasks: tasks.size, updates };
}

/**
 * The updates the checks count, Mesos's semantics applied: a master's guess at a lost agent's
 * task (`isMastersGuess`) when more news of the task followed it, or after the task's own end.
 */
function withoutUntrusted(updates: Task['updates'], partitionAware: boolean): Task['updates'] {
  const guess = (u: Update) => isMastersGuess(u, partitionAware);
  const lastNews = updates.findLastIndex((u) => !guess(u.update) && (u.update.uuid !== '' || u.update.reason === 'REASON_AGENT_REREGISTERED'));
  let terminalBefore = false;
  return updates.filter((u, i) => {
    const counted = !(i < lastNews && guess(u.update)) && !(terminalBefore && guess(u.update));
    if (counted && terminal(u.update.state)) terminalBefore = true;
    return counted;
  });
}

/** Why an outcome is not the task's true one, or undefined if it is. */
function untrue(task: Task, outcome: Update): string | undefined {
  switch (task.kind) {
    case 'value':
    case 'progress':
      if (outcome.state !== 'TASK_FINISHED') return `expected TASK_FINISHED, got ${describe(outcome)}${outcome.message ? `: ${outcome.message}` : ''}`;
      if (outcome.data !== valueOf(task.taskId)) return `finished with ${JSON.stringify(outcome.data)}, not ${JSON.stringify(valueOf(task.taskId))}`;
      return undefined;
    case 'fail':
      if (outcome.state !== 'TASK_FAILED' || outcome.message !== failureOf(task.taskId)) return `expected its own TASK_FAILED, got ${describe(outcome)}${outcome.message ? `: ${outcome.message}` : ''}`;
      return undefined;
    case 'long':
      if (outcome.state !== 'TASK_KILLED') return `expected TASK_KILLED, got ${describe(outcome)}${outcome.message ? `: ${outcome.message}` : ''}`;
      return undefined;
  }
}

/** Invariant 4: once its agent has been away `recoveryTimeoutMs`, no executor runs. */
function checkRecoveryTimeouts(records: readonly LogRecord[], checked: Record<InvariantId, number>, fail: (invariant: InvariantId, message: string) => void): void {
  const downs = new Map<string, number[]>();
  for (const r of records) if (r.t === 'executor_down') downs.set(r.address, [...(downs.get(r.address) ?? []), r.at]);
  for (const r of records) {
    if (r.t !== 'recovery_timeout') continue;
    for (const executor of r.executors) {
      checked['4']++;
      const ended = (downs.get(executor.address) ?? []).find((at) => at <= r.restartedAt);
      const limit = r.stoppedAt + r.recoveryTimeoutMs + DESTROY_SLACK_MS;
      if (ended === undefined) fail('4', `fault #${r.index}: executor ${executor.address} (${executor.executorId}) still ran ${r.restartedAt - r.stoppedAt} ms after agent ${r.agentId} left (recovery timeout ${r.recoveryTimeoutMs} ms)`);
      else if (ended > limit) fail('4', `fault #${r.index}: executor ${executor.address} ended ${ended - r.stoppedAt} ms after agent ${r.agentId} left (recovery timeout ${r.recoveryTimeoutMs} ms)`);
    }
  }
}

/** Invariant 5: after quiescence and reconciliation, the master, the agents and the frameworks agree. */
function checkViews(
  records: readonly LogRecord[],
  tasks: ReadonlyMap<string, Task>,
  frameworks: ReadonlyMap<string, FrameworkRecord>,
  checked: Record<InvariantId, number>,
  fail: (invariant: InvariantId, message: string, taskId?: string) => void,
): void {
  records.forEach((record, seq) => {
    if (record.t !== 'view') return;
    const view: ClusterView = record.view;
    const where = `after quiescence (${view.phase})`;
    const live = masterLiveByAgent(view);
    const masterIds = new Set(view.masterAgents.map((a) => a.agentId));
    for (const agent of view.agents) {
      checked['5']++;
      if (agent.registration !== 'admitted') fail('5', `${where}: agent ${agent.agentId} is ${agent.registration}`);
      if (agent.unacknowledged !== 0) fail('5', `${where}: agent ${agent.agentId} has ${agent.unacknowledged} update(s) never acknowledged`);
      if (!masterIds.has(agent.agentId)) fail('5', `${where}: the master does not list agent ${agent.agentId}`);
      const own = agentLive(agent);
      const master = live.get(agent.agentId) ?? {};
      if (!sameCounts(own, master)) fail('5', `${where}: agent ${agent.agentId} holds live tasks ${JSON.stringify(own)}, the master says ${JSON.stringify(master)}`);
      if (view.phase === 'final' && Object.keys(own).length > 0) fail('5', `${where}: agent ${agent.agentId} still holds live tasks ${JSON.stringify(own)}`);
    }
    for (const agent of view.masterAgents) {
      if (agent.status !== 'active') fail('5', `${where}: the master lists agent ${agent.agentId} as ${agent.status}`);
      const used = view.masterTasks.filter((t) => t.agentId === agent.agentId && !terminal(t.state)).reduce((sum, t) => ({ cpus: sum.cpus + t.resources.cpus, mem: sum.mem + t.resources.mem }), { cpus: 0, mem: 0 });
      const off = (a: number, b: number) => Math.abs(a - b) > 1e-6;
      if (off(agent.used.cpus, used.cpus) || off(agent.used.mem, used.mem)) fail('5', `${where}: agent ${agent.agentId} uses cpus ${agent.used.cpus}, mem ${agent.used.mem} by the master's books, its live tasks need cpus ${used.cpus}, mem ${used.mem}`);
      if ((off(agent.free.cpus + agent.used.cpus, agent.total.cpus) || off(agent.free.mem + agent.used.mem, agent.total.mem))) fail('5', `${where}: agent ${agent.agentId}: free ${JSON.stringify(agent.free)} + used ${JSON.stringify(agent.used)} ≠ total ${JSON.stringify(agent.total)}`);
    }
    const byKey = new Map(view.masterTasks.map((t) => [`${t.frameworkId}/${t.taskId}`, t]));
    for (const task of tasks.values()) {
      // The latest news: repeats of an update already received (at-least-once resends) are not news.
      const uuids = new Set<string>();
      const seen = task.updates.filter((u) => u.seq < seq && (u.update.uuid === '' || (!uuids.has(u.update.uuid) && uuids.add(u.update.uuid) !== undefined)));
      if (seen.length === 0) continue;
      checked['5']++;
      // A terminal state is final for the framework: older updates that come after it change nothing.
      const latest = seen.find((u) => terminal(u.update.state))?.update ?? seen.at(-1)!.update;
      const fw = frameworks.get(task.fw);
      const master = byKey.get(`${fw?.frameworkId}/${task.taskId}`);
      const gone = terminal(latest.state) || (fw?.partitionAware === true && latest.state === 'TASK_UNKNOWN');
      if (!gone && master?.state !== latest.state) fail('5', `${where}: ${task.taskId}: its framework last heard ${latest.state}, the master ${master === undefined ? 'does not know it' : `says ${master.state}`}`, task.taskId);
      if (gone && master !== undefined && !terminal(master.state)) fail('5', `${where}: ${task.taskId}: its framework was told ${describe(latest)}, the master holds it as ${master.state} on ${master.agentId}`, task.taskId);
    }
  });
}
