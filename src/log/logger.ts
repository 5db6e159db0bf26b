/**
 * Structured logs of a cluster, with pino: every role (master, agents, launcher, supervisors)
 * runs in a worker and publishes events to the main thread; this module turns them into log
 * lines there. Pretty (pino-pretty) on a terminal, JSON lines otherwise.
 */
import { type Logger, type LevelWithSilent, pino } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { type ObservedEvent, watchCluster } from '../observe/cluster-adapter.js';
import type { Framework, LocalCluster, TaskStatus } from '../index.js';

export type { Logger } from 'pino';
export type LogLevel = LevelWithSilent;
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  /** Default `info`. */
  readonly level?: LogLevel;
  /** Human-readable lines instead of JSON. Default: whether stderr is a terminal. */
  readonly pretty?: boolean;
  /** A file descriptor. Default 2 (stderr), so that stdout stays the program's own output. */
  readonly fd?: number;
}

/**
 * A pino logger writing synchronously, so that the last lines are on disk even when the process
 * ends right after them (a second Ctrl-C exits at once).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const fd = options.fd ?? 2;
  const level = options.level ?? 'info';
  const pretty = options.pretty ?? (fd === 2 ? process.stderr.isTTY === true : false);
  if (pretty) return pino({ level }, PinoPretty({ destination: fd, sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' }));
  return pino({ level }, pino.destination({ dest: fd, sync: true }));
}

const FAILED = new Set(['TASK_FAILED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_UNREACHABLE']);

type Line = { level: 'debug' | 'info' | 'warn' | 'error'; msg: string; fields: Record<string, unknown> };

function describe(event: ObservedEvent): Line {
  switch (event.name) {
    case 'agent.registered':
      return { level: 'info', msg: 'agent registered', fields: { agentId: event.agentId, hostId: event.hostId } };
    case 'agent.recovered': {
      const r = event.recovery;
      const troubled = (r.lost ?? 0) > 0 || (r.checkpointErrors ?? 0) > 0;
      return {
        level: troubled ? 'warn' : 'info',
        msg: `agent recovered from its checkpoint in ${Math.round(r.recoveryMs ?? 0)} ms`,
        fields: { agentId: event.agentId, hostId: event.hostId, reconnected: r.reconnected, destroyed: r.destroyed, lost: r.lost, tasks: r.tasks, recoveryMs: r.recoveryMs, phases: r.phases, checkpointErrors: r.checkpointErrors, rebooted: r.rebooted },
      };
    }
    case 'agent.reregistered':
      return { level: 'info', msg: 'agent reregistered with the master', fields: { agentId: event.agentId, hostId: event.hostId } };
    case 'agent.master_lost':
      return { level: 'warn', msg: 'agent heard no ping from the master; reregistering', fields: { agentId: event.agentId, hostId: event.hostId, silentMs: event.silentMs } };
    case 'agent.checkpoint_failed':
      return { level: 'error', msg: 'checkpoint write failed: the agent takes no launch of a checkpointing framework until writes succeed', fields: { hostId: event.hostId, ...event.failure } };
    case 'agent.checkpoint_recovered':
      return { level: 'info', msg: 'checkpoint writes succeed again', fields: { hostId: event.hostId, failedForMs: event.failedForMs } };
    case 'agent.resources_checkpointed':
      return { level: 'debug', msg: 'agent checkpointed its reservations', fields: { hostId: event.hostId, reservations: event.reservations } };
    case 'agent.executor_started':
      return { level: 'debug', msg: 'executor started', fields: { hostId: event.hostId, agentId: event.agentId, frameworkId: event.frameworkId, executorId: event.executorId, address: event.address } };
    case 'agent.executor_removed':
      return { level: 'debug', msg: 'unrecoverable executor removed from the checkpoint', fields: { hostId: event.hostId, frameworkId: event.frameworkId, executorId: event.executorId, records: event.records } };
    case 'master.agents_pruned':
      return { level: 'info', msg: 'unreachable agents pruned from the registry: their tasks are unknown from now on', fields: { agentIds: event.agentIds } };
    case 'agent.run_removed':
      return { level: 'debug', msg: 'finished executor run removed from the checkpoint', fields: { hostId: event.hostId, frameworkId: event.frameworkId, executorId: event.executorId, runId: event.runId, records: event.records } };
    case 'agent.cleaned_up':
      return { level: 'info', msg: 'agent cleaned up its old executors (recover: cleanup)', fields: { agentId: event.agentId, hostId: event.hostId, destroyed: event.destroyed } };
    case 'agent.crashed':
      return { level: 'error', msg: 'agent crashed', fields: { hostId: event.hostId, reason: event.reason, error: event.error } };
    case 'agent.restarted':
      return { level: 'info', msg: 'supervisor restarted the agent', fields: { hostId: event.hostId, restarts: event.restarts, backoffMs: event.backoffMs } };
    case 'agent.given_up':
      return { level: 'error', msg: 'agent keeps crashing: its host is given up until it is started again', fields: { hostId: event.hostId, restarts: event.restarts } };
    case 'master.agent_registered':
      return { level: 'debug', msg: 'master admitted an agent', fields: { agentId: event.agentId, agentHostname: event.hostname } };
    case 'master.agent_reregistered':
      return { level: 'info', msg: 'master readmitted an agent', fields: { agentId: event.agentId, tasks: event.tasks } };
    case 'master.agent_unreachable':
      return { level: 'warn', msg: 'agent unreachable: it missed too many pings', fields: { agentId: event.agentId, missedPings: event.missedPings } };
    case 'master.agent_disconnected':
      return { level: 'warn', msg: 'agent disconnected from the master', fields: { agentId: event.agentId } };
    case 'master.agent_removed':
      return { level: 'warn', msg: 'agent removed', fields: { agentId: event.agentId, reason: event.reason } };
    case 'master.framework_registered':
      return { level: 'info', msg: 'framework registered', fields: { frameworkId: event.frameworkId, name: event.frameworkName } };
    case 'master.reservations_changed':
      return { level: 'info', msg: 'reservations changed', fields: { agentId: event.agentId, reservations: event.reservations } };
    case 'master.task_launched':
      return { level: 'debug', msg: 'task launched', fields: { frameworkId: event.frameworkId, taskId: event.taskId, agentId: event.agentId } };
    case 'master.task_ended':
      return { level: FAILED.has(event.state) ? 'warn' : 'debug', msg: `task ${event.state}`, fields: { frameworkId: event.frameworkId, taskId: event.taskId, agentId: event.agentId, state: event.state, reason: event.reason } };
    case 'master.registry_failed':
      return { level: 'error', msg: 'master registry write failed: agents and frameworks cannot be admitted until writes succeed', fields: { ...event.failure } };
    case 'master.registry_recovered':
      return { level: 'info', msg: 'master registry writes succeed again', fields: { failedForMs: event.failedForMs } };
    case 'master.framework_disconnected':
      return { level: 'warn', msg: 'framework scheduler gone; waiting for a failover', fields: { frameworkId: event.frameworkId, failoverTimeoutMs: event.failoverTimeoutMs } };
    case 'master.framework_removed':
      return { level: 'warn', msg: 'framework removed', fields: { frameworkId: event.frameworkId, reason: event.reason } };
    case 'launcher.executor_destroyed':
      return { level: 'warn', msg: 'executor destroyed', fields: { hostId: event.hostId, executor: event.executor, reason: event.reason } };
    case 'worker.exit':
      return { level: event.exitCode === 0 ? 'debug' : 'warn', msg: 'worker exited', fields: { node: event.node, exitCode: event.exitCode, error: event.error } };
    case 'actor.crashed':
      return { level: 'error', msg: 'supervised actor crashed', fields: { actor: event.actor, reason: event.reason, error: event.error } };
  }
}

const roleOf = (event: ObservedEvent) => event.name.split('.')[0];

export type AttachOptions = LoggerOptions & { readonly logger?: Logger };

/**
 * Logs the cluster's events: those since it started (the ones it keeps), then every one from
 * now on. Returns the function that stops it.
 */
export function attachLogger(cluster: LocalCluster, options: AttachOptions = {}): () => void {
  const logger = options.logger ?? createLogger(options);
  return watchCluster(cluster, (event) => {
    const line = describe(event);
    logger.child({ role: roleOf(event), source: event.source })[line.level](line.fields, line.msg);
  });
}

/** Logs a framework's task status updates: failures as warnings (with their reason), the rest at debug. Returns the function that stops it. */
export function logFramework(framework: Framework, logger: Logger): () => void {
  const child = logger.child({ role: 'framework', frameworkId: framework.frameworkId });
  const onUpdate = (s: TaskStatus) => {
    const fields = { taskId: s.taskId, agentId: s.agentId, executorId: s.executorId, state: s.state, reason: s.reason, message: s.message, source: s.source };
    if (FAILED.has(s.state)) child.warn(fields, `task ${s.state}`);
    else child.debug(fields, `task ${s.state}`);
  };
  framework.on('update', onUpdate);
  return () => {
    framework.off('update', onUpdate);
  };
}
