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
   * The master reports TASK_LOST to a framework that is not partition-aware when an agent is
   * unreachable, and when the agent reregisters it sets the task back to the agent's state
   * (REASON_AGENT_REREGISTERED), or forwards the task's own later updates: the framework sees
   * two terminal states. (Mesos kills such tasks when their agent reregisters, so that the
   * TASK_LOST stays true; its own later TASK_KILLED still reaches the framework, which is why
   * Mesos added partition-awareness.) Avoided by the checks: for such a framework, a master
   * TASK_LOST of an unreachable agent followed by more news of the task is not counted.
   */
  'lost-is-not-final': 'invariants 1 and 2 do not count a master TASK_LOST of an unreachable agent that more news of the task followed, for a framework that is not partition-aware',
  /**
   * The master applies every status update to its task, also an older, non-terminal one that
   * the agent's stream delivers after the master had set the task terminal (from the agent's
   * reregistration after a master failover, which reports the task's latest state). The task
   * becomes live again without being charged, and its terminal update then releases its
   * resources a second time: the master's `used` goes negative. Avoided by the checks:
   * invariant 5 reports only resources the master counts as used that no live task needs.
   */
  'master-task-state-goes-back': 'invariant 5 checks only that the master counts no more resources used than its live tasks need',
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
} as const;

export type KnownIssue = keyof typeof KNOWN_ISSUES;

export const ALL_KNOWN = Object.keys(KNOWN_ISSUES) as KnownIssue[];
