import { randomUUID } from 'node:crypto';
import { type ActorRef, behaviour, isDown } from '../actor/index.js';
import {
  type AgentId,
  type CheckpointRecord,
  CheckpointGc,
  CheckpointStore,
  readState,
  type FrameworkId,
  type FrameworkInfo,
  type Reservations,
  type Resources,
  TERMINAL_STATES,
  type TaskStateName,
} from '../checkpoint/index.js';
import type { LauncherMsg } from '../cluster/launcher-messages.js';
import type { TaskStatus } from '../cluster/types.js';
import type { ExecutorMsg } from '../executor/messages.js';
import type { DirectoryMsg } from '../cluster/directory.js';
import type { MasterMsg } from '../master/messages.js';
import type { AgentMsg } from './messages.js';
import { type ReconfigurationPolicy, type RecoveredAgent, type RecoveryDecision, decideRecovery } from './recovery.js';
import { type ExecutorEntry, type TaskEntry, keyOf, runPathOf } from './entries.js';
import { Launches } from './launches.js';
import { Reconnection } from './reconnection.js';
import { type RetryPolicy, StatusUpdateManager } from './status-update-manager.js';

export interface HostSpec {
  readonly hostId: string;
  readonly hostname: string;
  readonly workDir: string;
  readonly bootId: string;
  readonly resources: Resources;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface AgentFlags {
  /** Status update resends: default 10 s doubling to 10 min. */
  readonly statusUpdateRetry?: RetryPolicy;
  /** First wait between registration attempts; doubles up to 60 s until the master answers. Default 1 s. */
  readonly registrationRetryMs?: number;
  /** A killed task's grace before it is forced. Default 5 s. */
  readonly executorShutdownGracePeriodMs?: number;
  /** Threads of the task pool of each executor worker. Default 2. */
  readonly executorPoolThreads?: number;
  /** JS tasks each pool thread runs at once. Default 64. */
  readonly executorTasksPerThread?: number;
  /** A corrupt checkpoint record stops recovery (true, default) or is skipped (false). */
  readonly strict?: boolean;
  /** How long a started executor has to register before it is destroyed (Mesos executor_registration_timeout). Default 60 s. */
  readonly executorRegistrationTimeoutMs?: number;
  /** How long a restarted agent waits for its executors to reregister. Default 2 s. */
  readonly executorReregistrationTimeoutMs?: number;
  /** How long executors of checkpointing frameworks wait for a gone agent. Default 15 min. */
  readonly recoveryTimeoutMs?: number;
  /** Which changes of resources and attributes keep the agent's id across a restart. Default `equal`. */
  readonly reconfigurationPolicy?: ReconfigurationPolicy;
  /** `reconnect` (default): recover executors. `cleanup`: kill the old executors, do not register. */
  readonly recover?: 'reconnect' | 'cleanup';
  /** While recovering, ask executors not yet back to reregister again this often. Default: off. */
  readonly executorReregistrationRetryIntervalMs?: number;
  /** A finished executor run is removed from the checkpoint this long after it ends. Default 1 week (Mesos gc_delay). */
  readonly gcDelayMs?: number;
}

export interface AgentArgs {
  /** Where to find the current master (it moves when the master fails over). */
  readonly directory: ActorRef<DirectoryMsg>;
  readonly launcher: ActorRef<LauncherMsg>;
  readonly host: HostSpec;
  readonly flags?: AgentFlags;
}

/**
 * The agent of one host: registers with the master, starts executors through the host's
 * launcher (so they outlive this worker), hands them tasks, watches them, and runs the status
 * update manager. For frameworks with `checkpoint: true` it writes what recovery needs.
 */
export const agent = behaviour<AgentMsg, AgentArgs>({
  setup: async (ctx, args) => {
    const { host, launcher } = args;
    let master = await ctx.ask<ActorRef<MasterMsg>>(args.directory, { type: 'directory.master' });
    const setupStarted = performance.now();
    const graceMs = args.flags?.executorShutdownGracePeriodMs ?? 5_000;
    const store = await CheckpointStore.open(host.workDir, { owner: `agent of ${host.hostId}`, takeOverLock: true });
    const gc = new CheckpointGc(store, args.flags?.gcDelayMs ?? 7 * 24 * 3_600_000);
    gc.on('removed', (run, records) => ctx.publish({ type: 'custom', source: ctx.self.address, name: 'agent.run_removed', data: { ...run, records } }));
    const info = { hostname: host.hostname, resources: host.resources, attributes: host.attributes };
    const recoveryTimeoutMs = args.flags?.recoveryTimeoutMs ?? 15 * 60_000;
    launcher.tell({ type: 'launcher.agent_started', hostId: host.hostId, agent: ctx.self, recoveryTimeoutMs });
    let decision: RecoveryDecision;
    let checkpointErrors = 0;
    /** Checkpointed resources (reservations): they outlive reboots; the master sends changes. */
    let reservations: Reservations = {};
    /** Where recovery spends its time: opening and reading the checkpoint, reconnecting executors (with the replay of their updates), reregistering. */
    const phases = { checkpointReadMs: 0, reconnectMs: 0, reregisterMs: 0 };
    let phaseMark = 0;
    try {
      const state = await readState(store, { strict: args.flags?.strict ?? true });
      checkpointErrors = state.errors;
      reservations = state.reservations ?? {};
      phases.checkpointReadMs = performance.now() - setupStarted;
      decision = decideRecovery(state, host.bootId, info, args.flags?.reconfigurationPolicy ?? 'equal');
    } catch (error) {
      // Refusing to start must not leave the work dir locked.
      await store.close();
      throw error;
    }
    await store.write([{ type: 'boot-id', bootId: host.bootId }]);
    let agentId: AgentId | undefined;
    /** The master has admitted this agent (registered, or reregistered after recovery). */
    let registered = false;
    const frameworks = new Map<FrameworkId, FrameworkInfo>();
    const executors = new Map<string, ExecutorEntry>();
    const tasks = new Map<string, TaskEntry>();

    const checkpointing = (frameworkId: FrameworkId) => frameworks.get(frameworkId)?.checkpoint === true;
    const partitionAware = (frameworkId: FrameworkId) => frameworks.get(frameworkId)?.partitionAware === true;
    const persist = (records: CheckpointRecord[]): Promise<void> =>
      store.write(records).catch((error: unknown) => {
        ctx.publish({ type: 'custom', source: ctx.self.address, name: 'agent.checkpoint_failed', data: { error: String(error) } });
        throw error;
      });

    const updates = new StatusUpdateManager(
      {
        checkpoint: (status, entry, seq) => {
          const path = tasks.get(keyOf(status.frameworkId, status.taskId))?.path;
          if (path === undefined) return Promise.resolve();
          return persist([entry === 'update' ? { type: 'update', task: path, seq, update: status } : { type: 'ack', task: path, seq, uuid: status.uuid }]);
        },
        forward: (status) => {
          if (registered) master.tell({ type: 'master.status_update', agentId: agentId!, status });
        },
      },
      args.flags?.statusUpdateRetry ?? { initialMs: 10_000, maxMs: 600_000 },
    );
    ctx.timers.repeat('resend', updates.sweepIntervalMs, { type: 'agent.resend_due' });

    const agentUpdate = (entry: TaskEntry, state: TaskStateName, reason: string, message: string) => {
      const status: TaskStatus = {
        taskId: entry.task.taskId,
        frameworkId: entry.frameworkId,
        uuid: randomUUID(),
        state,
        timestamp: Date.now(),
        source: 'SOURCE_AGENT',
        reason,
        message,
      };
      entry.state = state;
      return updates.update(status, checkpointing(entry.frameworkId)).catch(() => undefined);
    };

    /**
     * Ends the executors of the frameworks `which` selects and kills their tasks (the agent's own
     * TASK_KILLED with `reason`); resolves once those updates and the runs' ends are checkpointed.
     */
    const endFrameworks = (which: (frameworkId: FrameworkId) => boolean, reason: string, message: string): Promise<unknown> => {
      const written: Promise<unknown>[] = [];
      for (const entry of tasks.values()) {
        if (which(entry.frameworkId) && !TERMINAL_STATES.has(entry.state)) written.push(agentUpdate(entry, 'TASK_KILLED', reason, message));
      }
      for (const [key, ex] of executors) {
        if (!which(ex.frameworkId)) continue;
        executors.delete(key);
        if (ex.ref !== null) {
          ctx.unwatch(ex.ref);
          ex.ref.tell({ type: 'executor.shutdown' });
        } else if (ex.address !== null) {
          launcher.tell({ type: 'launcher.destroy', address: ex.address });
        }
        if (checkpointing(ex.frameworkId)) written.push(persist([{ type: 'sentinel', run: runPathOf(agentId!, ex) }]).catch(() => undefined));
      }
      return Promise.all(written);
    };

    /** The executor ended (or never started): its unfinished tasks fail with `reason`. */
    const executorGone = (ex: ExecutorEntry, reason: string, why: string) => {
      executors.delete(keyOf(ex.frameworkId, ex.executorId));
      for (const key of ex.taskKeys) {
        const entry = tasks.get(key);
        if (entry !== undefined && !TERMINAL_STATES.has(entry.state)) agentUpdate(entry, 'TASK_FAILED', reason, why);
      }
      if (checkpointing(ex.frameworkId) && agentId !== undefined) void persist([{ type: 'sentinel', run: runPathOf(agentId!, ex) }]).catch(() => undefined);
    };

    let registrationBackoffMs = args.flags?.registrationRetryMs ?? 1_000;
    const register = () => {
      master.tell({ type: 'master.register_agent', agent: ctx.self, info, reservations });
      ctx.timers.once('register', registrationBackoffMs, { type: 'agent.register_retry' });
      registrationBackoffMs = Math.min(60_000, registrationBackoffMs * 2);
    };

    const launches = new Launches({
      self: ctx.self,
      hostId: host.hostId,
      launcher,
      executors,
      tasks,
      frameworks,
      timers: ctx.timers,
      pool: { threads: args.flags?.executorPoolThreads ?? 2, tasksPerThread: args.flags?.executorTasksPerThread ?? 64 },
      recoveryTimeoutMs,
      registrationTimeoutMs: args.flags?.executorRegistrationTimeoutMs ?? 60_000,
      agentId: () => agentId!,
      checkpointing,
      persist,
      watch: (ref) => ctx.watch(ref),
      taskUpdate: (entry, state, reason, message) => agentUpdate(entry, state, reason, message),
      executorGone,
    });

    const reconnection = new Reconnection(
      {
        self: ctx.self,
        executors,
        tasks,
        updates,
        timers: ctx.timers,
        reregistrationTimeoutMs: args.flags?.executorReregistrationTimeoutMs ?? 2_000,
        retryIntervalMs: args.flags?.executorReregistrationRetryIntervalMs,
        watch: (ref) => ctx.watch(ref),
        unwatch: (ref) => ctx.unwatch(ref),
        refFor: (address) => ctx.refFor<ExecutorMsg>(address),
        executorGone: (ex, why) => executorGone(ex, 'REASON_EXECUTOR_TERMINATED', why),
        taskUpdate: (entry, state, reason, message) => agentUpdate(entry, state, reason, message),
        checkpointing,
        partitionAware,
        destroy: (address) => launcher.tell({ type: 'launcher.destroy', address }),
        done: () => finishRecovery(),
      },
    );

    const resume = (recovered: RecoveredAgent) => {
      phaseMark = performance.now();
      agentId = recovered.agentId;
      // Pings must reach this worker while it waits for its executors.
      master.tell({ type: 'master.agent_recovering', agentId, agent: ctx.self });
      // A compatible reconfiguration (policy `additive`) becomes the agent's recorded info.
      void persist([{ type: 'agent', agentId: recovered.agentId, info }]).catch(() => undefined);
      for (const [frameworkId, frameworkInfo] of recovered.frameworks) frameworks.set(frameworkId, frameworkInfo);
      reconnection.begin(recovered);
    };

    /** Tells the master who we are and what runs here (after recovery, or to a new master). */
    const reregister = () => {
      master.tell({
        type: 'master.reregister_agent',
        agentId: agentId!,
        agent: ctx.self,
        info,
        reservations,
        tasks: [...tasks.values()].map((t) => ({ frameworkId: t.frameworkId, taskId: t.task.taskId, state: t.state, resources: t.task.resources })),
        frameworks: [...frameworks].map(([frameworkId, info]) => ({ frameworkId, info })),
      });
      ctx.timers.once('register', registrationBackoffMs, { type: 'agent.register_retry' });
    };

    /** The master's ping window, once admitted; pings restart it. */
    let pingTimeoutMs: number | undefined;
    const expectPings = (windowMs: number) => {
      pingTimeoutMs = windowMs;
      ctx.timers.once('master-pings', windowMs, { type: 'agent.master_silent' });
    };
    /** The first reregistration after a restart is the recovery (`agent.recovered`); later ones are not. */
    let recoveryReported = false;

    /** Every executor is back (or was given up on): reregister. */
    const finishRecovery = () => {
      const now = performance.now();
      phases.reconnectMs = now - phaseMark;
      phaseMark = now;
      reregister();
    };

    if (decision.kind === 'recover' && args.flags?.recover === 'cleanup') {
      // Mesos --recover=cleanup: kill every old executor, do not register, and exit.
      const addresses = decision.agent.executors.flatMap((ex) => (ex.address === undefined ? [] : [ex.address]));
      for (const address of addresses) launcher.tell({ type: 'launcher.destroy', address });
      ctx.publish({ type: 'custom', source: ctx.self.address, name: 'agent.cleaned_up', data: { hostId: host.hostId, agentId: decision.agent.agentId, destroyed: addresses.length } });
      void ctx.stop();
    } else if (decision.kind === 'recover') resume(decision.agent);
    else register();

    return {
      receive: (message) => {
        if (isDown(message)) {
          for (const [exKey, ex] of executors) {
            if (!ex.ref?.equals(message.ref)) continue;
            executorGone(ex, 'REASON_EXECUTOR_TERMINATED', `executor ${ex.executorId} terminated (${message.reason}${message.error ? `: ${message.error.message}` : ''})`);
            reconnection.executorDown(exKey);
          }
          return undefined;
        }
        switch (message.type) {
          case 'agent.registered': {
            if (registered) return undefined;
            registered = true;
            agentId = message.agentId;
            ctx.timers.cancel('register');
            expectPings(message.pingTimeoutMs);
            void persist([{ type: 'agent', agentId, info }]).catch(() => undefined);
            ctx.publish({ type: 'custom', source: ctx.self.address, name: 'agent.registered', data: { agentId, hostId: host.hostId } });
            return undefined;
          }
          case 'agent.register_retry':
            if (!registered) {
              if (agentId === undefined) register();
              else reregister();
            }
            return undefined;
          case 'agent.master_changed':
            // Master failover: the new master learns this agent and its tasks from us.
            master = message.master as ActorRef<MasterMsg>;
            if (agentId !== undefined && !reconnection.active) {
              registered = false;
              reregister();
            } else if (agentId === undefined) {
              register();
            }
            return undefined;
          case 'agent.reregistered': {
            registered = true;
            ctx.timers.cancel('register');
            expectPings(message.pingTimeoutMs);
            updates.resendAll();
            if (recoveryReported) {
              ctx.publish({ type: 'custom', source: ctx.self.address, name: 'agent.reregistered', data: { agentId, hostId: host.hostId } });
              return undefined;
            }
            recoveryReported = true;
            ctx.publish({
              type: 'custom',
              source: ctx.self.address,
              name: 'agent.recovered',
              data: {
                agentId,
                hostId: host.hostId,
                ...reconnection.report,
                checkpointErrors,
                rebooted: decision.kind === 'recover' && decision.agent.rebooted,
                tasks: tasks.size,
                recoveryMs: performance.now() - setupStarted,
                phases: { ...phases, reregisterMs: performance.now() - phaseMark },
              },
            });
            return undefined;
          }
          case 'agent.reregister_executor':
            return reconnection.reregistered(message);
          case 'agent.reconnect_retry':
            return reconnection.retry();
          case 'agent.reregistration_timeout':
            return reconnection.timeout();
          case 'agent.ping':
            if (pingTimeoutMs !== undefined) expectPings(pingTimeoutMs);
            return 'pong';
          case 'agent.master_silent':
            // No ping for the master's whole window: it has marked this agent unreachable (a
            // partition, or this worker was paused). Reregister, as a Mesos agent does.
            if (!registered) return undefined;
            registered = false;
            ctx.publish({ type: 'custom', source: ctx.self.address, name: 'agent.master_lost', data: { agentId, hostId: host.hostId, silentMs: pingTimeoutMs } });
            reregister();
            return undefined;
          case 'agent.run_task':
            return launches.runTask(message.frameworkId, message.framework, message.task);
          case 'agent.register_executor':
            return launches.registered(message);
          case 'agent.executor_registration_timeout':
            return launches.registrationTimeout(message);
          case 'agent.executor_update': {
            const { status } = message;
            const entry = tasks.get(keyOf(status.frameworkId, status.taskId));
            const ex = entry === undefined ? undefined : executors.get(entry.executorKey);
            if (entry !== undefined && TERMINAL_STATES.has(entry.state)) {
              // Already ended here (killed by the agent itself): the executor's late word is not news.
              ex?.ref?.tell({ type: 'executor.ack', taskId: status.taskId, uuid: status.uuid });
              return undefined;
            }
            if (entry !== undefined) entry.state = status.state;
            void updates.update(status, checkpointing(status.frameworkId)).then(
              () => ex?.ref?.tell({ type: 'executor.ack', taskId: status.taskId, uuid: status.uuid }),
              () => undefined,
            );
            return undefined;
          }
          case 'agent.status_update_ack': {
            void updates.acknowledge(message.frameworkId, message.taskId, message.uuid).then((acked) => {
              if (acked === null || !TERMINAL_STATES.has(acked.state)) return;
              const key = keyOf(message.frameworkId, message.taskId);
              const entry = tasks.get(key);
              updates.remove(message.frameworkId, message.taskId);
              if (entry === undefined) return;
              tasks.delete(key);
              const ex = executors.get(entry.executorKey);
              ex?.taskKeys.delete(key);
              if (ex !== undefined && ex.commandExecutor && ex.taskKeys.size === 0) {
                executors.delete(entry.executorKey);
                if (ex.ref !== null) {
                  ctx.unwatch(ex.ref);
                  ex.ref.tell({ type: 'executor.shutdown' });
                }
                if (checkpointing(ex.frameworkId)) {
                  const run = runPathOf(agentId!, ex);
                  void persist([{ type: 'sentinel', run }]).then(() => gc.schedule(run), () => undefined);
                }
              }
            }, () => undefined);
            return undefined;
          }
          case 'agent.shutdown_framework':
            return void endFrameworks((id) => id === message.frameworkId, 'REASON_FRAMEWORK_REMOVED', 'the framework was shut down');
          case 'agent.shutdown':
            // Mesos: an agent told to shut down (not a crash, not an upgrade) kills its tasks,
            // ends its executors and unregisters; the master removes it at once.
            return endFrameworks(() => true, 'REASON_SLAVE_REMOVED', 'the agent was shut down').then(() => {
              if (agentId !== undefined) master.tell({ type: 'master.unregister_agent', agentId });
              registered = false;
              ctx.timers.cancel('master-pings');
              return true;
            });
          case 'agent.checkpoint_resources':
            reservations = message.reservations;
            return persist([{ type: 'resources', reservations }]).then(
              () => ctx.publish({ type: 'custom', source: ctx.self.address, name: 'agent.resources_checkpointed', data: { hostId: host.hostId, reservations } }),
              () => undefined,
            );
          case 'agent.resend_due':
            updates.resendDue();
            return undefined;
          case 'agent.kill_task': {
            const entry = tasks.get(keyOf(message.frameworkId, message.taskId));
            if (entry === undefined || TERMINAL_STATES.has(entry.state)) return undefined;
            const ex = executors.get(entry.executorKey);
            const queuedAt = ex?.queued.findIndex((t) => t.taskId === message.taskId) ?? -1;
            if (ex === undefined || queuedAt >= 0 || ex.ref === null) {
              if (queuedAt >= 0) ex!.queued.splice(queuedAt, 1);
              agentUpdate(entry, 'TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', 'killed before it reached its executor');
            } else {
              ex.ref.tell({ type: 'executor.kill_task', taskId: message.taskId, gracePeriodMs: graceMs });
            }
            return undefined;
          }
        }
      },
      stopped: () => {
        gc.stop();
        return store.close();
      },
    };
  },
});
