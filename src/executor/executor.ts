import * as v from 'valibot';
import { type BehaviourRef, behaviour, behaviourRef, isDown } from '../actor/index.js';
import {
  type ExecutorArgs,
  ExecutorArgsSchema,
  ExecutorInbox,
  type ExecutorMsg,
  type ExecutorSelfMsg,
  type Peer,
  type TaskDescription,
  type TaskId,
  type TaskStateName,
  type TaskStatus,
} from '../protocol/index.js';
import { randomUUID } from 'node:crypto';
import { TaskRunner } from './task-runner.js';

interface Running {
  readonly task: TaskDescription;
  readonly abort: AbortController;
  graceMs: number;
}

/**
 * The executor (driver and executor in one actor): registers with its agent, runs the tasks it
 * is given, and keeps each status update until the agent acknowledges it (the agent does once
 * the update is durable).
 */
export const executor = behaviour<ExecutorMsg | ExecutorSelfMsg, ExecutorArgs>({
  schema: ExecutorInbox,
  setup: (ctx, input) => {
    const args = v.parse(ExecutorArgsSchema, input);
    const runner = new TaskRunner(args.pool);
    const running = new Map<TaskId, Running>();
    const unacknowledged = new Map<string, TaskStatus>();
    let agent: Peer<'agent'> = args.agent;
    let connected = true;
    /** The agent has accepted this executor; before that it has nothing to wait for if the agent goes. */
    let registered = false;

    const shutdown = () => {
      for (const entry of running.values()) entry.abort.abort(new Error('executor shutdown'));
      void ctx.stop();
    };

    const forward = (status: TaskStatus) => agent.tell({ type: 'agent.executor_update', executorId: args.executorId, status });

    const send = (taskId: TaskId, state: TaskStateName, extra: Partial<Pick<TaskStatus, 'message' | 'reason' | 'data'>> = {}) => {
      const status: TaskStatus = {
        taskId,
        frameworkId: args.frameworkId,
        executorId: args.executorId,
        uuid: randomUUID(),
        state,
        timestamp: Date.now(),
        source: 'SOURCE_EXECUTOR',
        ...extra,
      };
      unacknowledged.set(status.uuid, status);
      // While the agent is away updates wait here; a reconnect hands them all over.
      if (connected) forward(status);
    };

    const start = (task: TaskDescription) => {
      if (running.has(task.taskId)) return;
      const entry: Running = { task, abort: new AbortController(), graceMs: 5_000 };
      running.set(task.taskId, entry);
      send(task.taskId, 'TASK_STARTING');
      send(task.taskId, 'TASK_RUNNING');
      const onProgress = (data: unknown) => send(task.taskId, 'TASK_RUNNING', { message: 'progress', data: { progress: data } });
      void runner.run(task.run, entry.abort.signal, () => entry.graceMs, onProgress).then((outcome) => {
        running.delete(task.taskId);
        if (outcome.kind === 'finished') send(task.taskId, 'TASK_FINISHED', outcome.result === undefined ? {} : { data: outcome.result });
        else if (outcome.kind === 'failed') send(task.taskId, 'TASK_FAILED', { message: outcome.message, reason: 'REASON_COMMAND_EXECUTOR_FAILED' });
        else send(task.taskId, 'TASK_KILLED', { message: 'killed on request' });
      });
    };

    agent.tell({ type: 'agent.register_executor', frameworkId: args.frameworkId, executorId: args.executorId, runId: args.runId, executor: ctx.self });
    ctx.watch(ctx.refFor(agent.address));

    return {
      receive: (message) => {
        if (isDown(message)) {
          if (message.ref.address !== agent.address) return undefined;
          connected = false;
          // Mesos: executors of frameworks that do not checkpoint, and executors that never
          // registered, do not outlive their agent.
          if (!args.checkpoint || !registered) return shutdown();
          ctx.timers.once('recovery', args.recoveryTimeoutMs, { type: 'executor.recovery_timeout' });
          return undefined;
        }
        switch (message.type) {
          case 'executor.reconnect': {
            ctx.unwatch(ctx.refFor(agent.address));
            agent = message.agent;
            connected = true;
            ctx.timers.cancel('recovery');
            ctx.watch(ctx.refFor(agent.address));
            agent.tell({
              type: 'agent.reregister_executor',
              frameworkId: args.frameworkId,
              executorId: args.executorId,
              runId: args.runId,
              executor: ctx.self,
              tasks: [...running.values()].map((r) => r.task),
              updates: [...unacknowledged.values()],
            });
            return undefined;
          }
          case 'executor.recovery_timeout':
            return connected ? undefined : shutdown();
          case 'executor.registered':
            registered = true;
            return undefined;
          case 'executor.run_task':
            return start(message.task);
          case 'executor.kill_task': {
            const entry = running.get(message.taskId);
            if (entry === undefined) return undefined;
            entry.graceMs = message.gracePeriodMs;
            entry.abort.abort(new Error('killed'));
            return undefined;
          }
          case 'executor.ack':
            unacknowledged.delete(message.uuid);
            return undefined;
          case 'executor.resend':
            // Map order is insertion order: oldest first, as each task's stream needs.
            for (const status of unacknowledged.values()) forward(status);
            return undefined;
          case 'executor.shutdown':
            return shutdown();
        }
      },
      stopped: () => runner.close(),
    };
  },
});

/** Where the executor behaviour lives, for the launcher. */
export const EXECUTOR: BehaviourRef = behaviourRef(import.meta.url, 'executor');
