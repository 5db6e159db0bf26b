import { TERMINAL_STATES } from '../../src/index.js';

/**
 * Bugs the chaos suite found in src/ that are not fixed yet, each with the switch that keeps a
 * run from tripping over it again (RELIABILITY.md lists them with their seeds). `avoid` is the
 * default of every run, the CI run included; `--known report` turns the switches off, to see
 * whether a bug is still there.
 */
export const KNOWN_ISSUES = {
  /**
   * After a master failover the new master answers an explicit reconciliation (and a kill) of a
   * task it has not yet learned from its agent with TASK_LOST, REASON_RECONCILIATION, although
   * the agent, still to reregister, runs it (Mesos MESOS-6250; Mesos keeps the registry's agents
   * as "recovered" and does not answer for their tasks until they reregister or time out).
   * Avoided by the workload: after a master change it reconciles and kills only once every
   * agent has reregistered.
   */
  'reconcile-before-agents-reregister': 'the workload holds reconciliation and kills after a master failover until every agent has reregistered',
  /**
   * The master applies every status update to its task, also an older, non-terminal one that
   * the agent's stream delivers after the master had set the task terminal (from the agent's
   * reregistration after a master failover, which reports the task's latest state). The task
   * becomes live again without being charged, and its terminal update then releases its
   * resources a second time: the master's `used` goes negative. An agent's at-least-once
   * resend after its restart (STARTING again, after FINISHED) does the same. A task live again
   * at the master is then reported TASK_LOST when its agent disconnects or becomes unreachable,
   * after it had finished. Avoided by the checks: invariant 5 reports only resources the master
   * counts as used that no live task needs, and a master terminal update after a terminal one
   * is not counted.
   */
  'master-task-state-goes-back': 'invariant 5 checks only that the master counts no more resources used than its live tasks need; a master terminal update after a terminal update is not counted',
  /**
   * While host-1's disk is full and its agent's checkpoint writes fail, the whole process
   * aborts in native code, within seconds to a minute: glibc's "munmap_chunk(): invalid
   * pointer" (seed 20261201, fault #104, a restart of that agent), "corrupted size vs.
   * prev_size" (seed 7, fault #13, a crash of it), SIGABRT with no fault on that agent (seed
   * 20261201 again, fault #41, in a run of its own). lmdb-js's own write errors just before
   * print garbage buffer sizes ("buffer sizes 4096 4096 -402659504"). Related, and reproduced
   * alone (RELIABILITY.md gives the script): `CheckpointStore.close()` never settles
   * after a failed commit, so a graceful stop of that agent waits out its supervisor's 5 s and
   * its worker is terminated with the environment still open. Avoided by the injector: the
   * disk faults are drawn (the schedule stays the seed's) but the disk is not filled.
   */
  'native-abort-on-full-disk': 'disk-fill and disk-free stay in the schedule, but the disk is not filled',
  /**
   * Recovery with `strict: false` skips a corrupt record and what depends on it, but leaves them
   * on disk. A framework's or an executor's info written again later (the next launch there)
   * brings the skipped runs back at the next restart: their tasks, already reported TASK_LOST
   * by the master's reconciliation, are recovered and end a second time (TASK_FAILED). A
   * corrupt task.updates record stays in the way of every later append to that task's stream.
   * Avoided by the injector: it damages only records nothing writes again (a task's info, a
   * run's pid).
   */
  'skipped-records-stay-on-disk': 'corrupt-record damages a task.info or a run\'s pid record only',
  /**
   * A reregistration the agent sent before a task was launched to it (a retry after its
   * registration backoff, the first answer being slow or lost) reaches the master after the
   * launch: the master takes the task's absence for a loss and reports TASK_LOST (TASK_DROPPED
   * if partition-aware), REASON_RECONCILIATION, "the reregistered agent does not know this task";
   * then the agent runs it. Avoided by the workload and the checks: that update does not end a
   * task, and is not counted when the task's own news follows.
   */
  'stale-reregistration-loses-new-tasks': 'a master "the reregistered agent does not know this task" does not end a task, and is not counted when news of the task follows',
  /**
   * An agent restarted by its supervisor while the master fails over asks the directory for the
   * master during its setup, gets the old one, and misses `agent.master_changed`, which
   * LocalCluster sends to the agent ref it has, the dead one, until the supervisor reports the
   * restart: the agent keeps registering with the stopped master and is never readmitted (seen
   * 60 s and more, "reregistering"). Avoided by the injector: a master fault waits until no agent
   * is restarting.
   */
  'agent-restart-misses-master-change': 'a master fault waits until every crashed agent is back',
  /**
   * The host launcher (one actor on the main thread, for every host) crashes when a launch's
   * spawn fails: `ctx.spawn` into a shared executor worker that an executor crash has just
   * ended ("worker w13 exited") rejects inside its `receive`, which ends the actor. Nothing
   * supervises it: from then on every executor launch on every host fails ("no actor at
   * launcher@main"), recovery timeouts are no longer enforced, and host reboots fail. Avoided
   * by the injector: executor-crash ends only executors with a worker of their own (isolation
   * `worker`), never a shared worker that later launches may pick.
   */
  'launcher-dies-on-spawn-into-dead-worker': 'executor-crash ends only executors with a worker of their own',
} as const;

export type KnownIssue = keyof typeof KNOWN_ISSUES;

/** The part of a status update the known issues look at. */
interface Said {
  readonly uuid: string;
  readonly agentId?: string;
  readonly state: string;
  readonly reason?: string;
  readonly message?: string;
}

/**
 * A master update that a known issue makes untrustworthy, and that more news of the task
 * (from its own stream, or the master taking it back) overrides: the workload does not take it
 * for the task's end, and the checks do not count it when such news followed.
 */
export function isProvisional(update: Said, partitionAware: boolean, avoid: readonly KnownIssue[]): boolean {
  if (update.uuid !== '') return false;
  if (isMastersGuess(update, partitionAware)) return true;
  return avoid.includes('stale-reregistration-loses-new-tasks') && update.reason === 'REASON_RECONCILIATION' && update.message === STALE_REREGISTRATION;
}

/**
 * Not a bug: Mesos's semantics. When the master loses an agent it guesses at the tasks there:
 * TASK_LOST to a framework that is not partition-aware, TASK_UNREACHABLE to one that is
 * (REASON_AGENT_REMOVED, or REASON_AGENT_DISCONNECTED; REASON_RECONCILIATION when it answers a
 * reconciliation so), also for a task that had ended but whose end was not yet acknowledged
 * (PartitionTest.ReregisterSlaveNotPartitionAware, AgentWithTerminalTaskPartitioned, ported in
 * test/master/). If the agent comes back its tasks were not killed, and their own updates follow.
 * Frameworks treat such a TASK_LOST as "might come back" (Marathon's MesosTaskStatus.MightComeBack
 * lists exactly these reasons): more news of the task overrides it, and after the task's own end
 * it is no news at all.
 */
export function isMastersGuess(update: Said, partitionAware: boolean): boolean {
  if (update.uuid !== '' || !MIGHT_COME_BACK.has(update.reason ?? '')) return false;
  return update.state === 'TASK_UNREACHABLE' || (update.state === 'TASK_LOST' && !partitionAware);
}

const MIGHT_COME_BACK: ReadonlySet<string> = new Set(['REASON_AGENT_REMOVED', 'REASON_AGENT_DISCONNECTED', 'REASON_RECONCILIATION']);

/** What the master says of a task that a reregistering agent does not report (master.ts, reregisterAgent). */
const STALE_REREGISTRATION = 'the reregistered agent does not know this task';

/**
 * Known issue `master-task-state-goes-back`: after the task had a terminal update, a terminal
 * update the master made itself (it had set the task live again from an older update) is not
 * counted.
 */
export function isAfterTerminalByGoingBack(update: Said, terminalBefore: boolean, avoid: readonly KnownIssue[]): boolean {
  return terminalBefore && update.uuid === '' && TERMINAL_STATES.has(update.state as never) && avoid.includes('master-task-state-goes-back');
}

export const ALL_KNOWN = Object.keys(KNOWN_ISSUES) as KnownIssue[];
