import { EventEmitter } from 'eventemitter3';
import { type ActorRef, type ActorSystem, behaviour, checkDuration, isDown, setLongTimeout } from '../actor/index.js';
import {
  type AgentId,
  type FrameworkId,
  type FrameworkInfo,
  type MasterMsg,
  type Offer,
  type OfferId,
  type Resources,
  SchedulerInbox,
  type SchedulerMsg,
  type TaskDescription,
  type TaskId,
  type TaskStateName,
  type TaskStatus,
  isTerminal,
} from '../protocol/index.js';
import { DEFAULT_WAIT_TIMEOUT_MS, boundedWait } from './bounded-wait.js';
import { FrameworkError } from './errors.js';
import type { FrameworkEvents, FrameworkOptions, LaunchOptions, Launched, PendingLaunch, WaitOptions } from './framework-types.js';
import { type LaunchRequest, checkTask, describeLaunch, executorIdOf } from './launch-request.js';
import { place } from './placement.js';
import { TaskHistory } from './task-history.js';
import { TaskWaits } from './task-waits.js';
import { LaunchWindow } from './launch-window.js';

export type { FrameworkOptions, LaunchOptions, LaunchRequest, Launched, WaitOptions };

const DEFAULT_LAUNCH_TIMEOUT_MS = 60_000;
const DEFAULT_LAUNCHES_IN_FLIGHT = 1_024;
/** A launched task with no update for this long no longer holds back other launches. */
const LAUNCH_SLOT_EXPIRY_MS = 10_000;

/**
 * A framework's scheduler, as an object: it registers with the master, receives offers and
 * task status updates (as events), and launches, kills and reconciles tasks. `launch()` is the
 * convenience path: it checks the task, waits for an offer that fits and accepts it.
 */
export class Framework extends EventEmitter<FrameworkEvents> {
  frameworkId!: FrameworkId;
  private readonly held = new Map<OfferId, Offer>();
  private readonly pending = new Set<PendingLaunch>();
  private placeQueued = false;
  private reviveWanted = false;
  private readonly history: TaskHistory;
  private readonly waits = new TaskWaits();
  private readonly window: LaunchWindow;
  /** The agents' totals as the master last announced them: a task none of them fits is refused. */
  private agentTotals: readonly Resources[] = [];
  private scheduler!: ActorRef<SchedulerMsg>;

  private constructor(
    private readonly system: ActorSystem,
    private master: ActorRef<MasterMsg>,
    readonly info: FrameworkInfo,
    private readonly options: FrameworkOptions,
  ) {
    super();
    this.history = new TaskHistory(options.maxCompletedTasks ?? 10_000);
    this.window = new LaunchWindow(options.maxLaunchesInFlight ?? DEFAULT_LAUNCHES_IN_FLIGHT, LAUNCH_SLOT_EXPIRY_MS, () => this.placeSoon(false));
  }

  /** Registers (or fails over, with `failoverFrom`); rejects with the master's refusal, or after `registrationTimeoutMs`. */
  static async register(system: ActorSystem, master: ActorRef<MasterMsg>, info: FrameworkInfo, options: FrameworkOptions = {}): Promise<Framework> {
    const framework = new Framework(system, master, info, options);
    framework.scheduler = await system.spawn<SchedulerMsg>(
      behaviour<SchedulerMsg>({ schema: SchedulerInbox, setup: () => ({ receive: (message) => (isDown(message) ? undefined : framework.onMessage(message)) }) }),
      { name: `scheduler-${info.name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)}-${Math.random().toString(36).slice(2, 8)}` },
    );
    try {
      framework.frameworkId = await framework.subscribe(options.failoverFrom);
    } catch (error) {
      await system.stopActor(framework.scheduler);
      throw error;
    }
    return framework;
  }

  /** Sends the subscription and waits for the master's answer. */
  private subscribe(frameworkId: FrameworkId | undefined): Promise<FrameworkId> {
    const timeoutMs = checkDuration('framework options', 'registrationTimeoutMs', this.options.registrationTimeoutMs ?? 30_000, { infinite: true });
    return new Promise<FrameworkId>((resolve, reject) => {
      const timer = setLongTimeout(() => {
        cleanup();
        reject(new FrameworkError('ERR_REGISTRATION_TIMEOUT', `the master did not admit framework ${this.info.name} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onRegistered = (id: FrameworkId) => {
        cleanup();
        resolve(id);
      };
      const onError = (error: FrameworkError) => {
        cleanup();
        reject(new FrameworkError('ERR_REGISTRATION_REFUSED', error.message, { cause: error }));
      };
      const cleanup = () => {
        timer.cancel();
        this.off('registered', onRegistered);
        this.off('error', onError);
      };
      this.on('registered', onRegistered);
      this.on('error', onError);
      this.send(frameworkId === undefined ? { type: 'master.register_framework', scheduler: this.scheduler, info: this.info } : { type: 'master.register_framework', scheduler: this.scheduler, info: this.info, frameworkId });
    });
  }

  /** Everything goes to the master as from this framework's scheduler, which the master checks. */
  private send(message: MasterMsg): void {
    this.master.tell(message, this.scheduler);
  }

  private onMessage(message: SchedulerMsg): void {
    switch (message.type) {
      case 'scheduler.registered':
        this.emit('registered', message.frameworkId);
        return;
      case 'scheduler.offers':
        for (const offer of message.offers) this.held.set(offer.offerId, offer);
        this.emit('offers', message.offers);
        this.placeSoon(false);
        return;
      case 'scheduler.rescind':
        this.held.delete(message.offerId);
        this.emit('rescinded', message.offerId);
        return;
      case 'scheduler.agents':
        this.agentTotals = message.totals;
        return;
      case 'scheduler.agent_lost':
        this.emit('agentLost', message.agentId);
        return;
      case 'scheduler.update': {
        const { status } = message;
        // Updates are delivered at least once (an agent resends what it cannot prove was
        // acknowledged); a repeat is acknowledged again but not reported twice.
        if (!this.history.record(status)) {
          if (this.options.autoAcknowledge !== false) this.acknowledge(status);
          this.emit('duplicate', status);
          return;
        }
        if (this.window.answered(status.taskId) && this.pending.size > 0) this.placeSoon(false);
        this.waits.wake(status.taskId);
        this.emit('update', status);
        if (this.options.autoAcknowledge !== false) this.acknowledge(status);
        return;
      }
      case 'scheduler.error': {
        const code = message.code === 'ERR_FRAMEWORK_FAILED_OVER' ? 'ERR_FRAMEWORK_FAILED_OVER' : 'ERR_FRAMEWORK_ERROR';
        this.emit('error', Object.assign(new FrameworkError(code, message.message), { masterCode: message.code }));
        return;
      }
    }
  }

  /** Clears the refusals of earlier declines: offers from every agent again (Mesos reviveOffers). */
  revive(): void {
    this.send({ type: 'master.revive', frameworkId: this.frameworkId });
  }

  /** Offers received and not yet accepted, declined or rescinded. */
  outstandingOffers(): Offer[] {
    return [...this.held.values()];
  }

  /** The next offer: one already outstanding, or the next to arrive (within `timeoutMs`, default 30 s). */
  nextOffer(options: WaitOptions = {}): Promise<Offer> {
    const [held] = this.held.values();
    if (held !== undefined) return Promise.resolve(held);
    return boundedWait<Offer>('an offer', options, (settle) => {
      const onOffers = (offers: readonly Offer[]) => settle(offers[0]!);
      this.once('offers', onOffers);
      return () => this.off('offers', onOffers);
    });
  }

  /** Launches these tasks on an offer. Each task is checked first; none is sent if one is invalid (`ERR_INVALID_TASK`). */
  accept(offerId: OfferId | string, tasks: readonly TaskDescription[]): void {
    for (const task of tasks) checkTask(task);
    this.acceptChecked(offerId as OfferId, tasks);
  }

  /** `launch()` checked its tasks already (`describeLaunch`). */
  private acceptChecked(offerId: OfferId, tasks: readonly TaskDescription[]): void {
    this.held.delete(offerId);
    this.send({ type: 'master.accept', frameworkId: this.frameworkId, offerId, tasks: [...tasks] });
  }

  /** Declines an offer; its agent is not offered to this framework again for `refuseMs` (default 5 s) unless it revives. */
  decline(offerId: OfferId | string, refuseMs?: number): void {
    if (refuseMs !== undefined) checkDuration('decline', 'refuseMs', refuseMs);
    this.held.delete(offerId as OfferId);
    const id = offerId as OfferId;
    this.send(refuseMs === undefined ? { type: 'master.decline', frameworkId: this.frameworkId, offerId: id } : { type: 'master.decline', frameworkId: this.frameworkId, offerId: id, refuseMs });
  }

  /**
   * Reserves part of an offer's unreserved resources for this framework's role (Mesos
   * RESERVE): from then on they are offered only to frameworks of that role, and the agent
   * checkpoints them. The offer is used up. Rejects with the master's reason if it cannot.
   */
  async reserve(offerId: OfferId | string, resources: Resources): Promise<void> {
    this.held.delete(offerId as OfferId);
    await this.master.ask({ type: 'master.reserve', frameworkId: this.frameworkId, offerId: offerId as OfferId, resources });
  }

  /** Gives back part of the reservation an offer shows (`offer.reserved`) to the unreserved pool. */
  async unreserve(offerId: OfferId | string, resources: Resources): Promise<void> {
    this.held.delete(offerId as OfferId);
    await this.master.ask({ type: 'master.unreserve', frameworkId: this.frameworkId, offerId: offerId as OfferId, resources });
  }

  /** `agentId`: where the task is believed to be; it decides the master's answer for a task it does not know (as reconciliation). */
  kill(taskId: TaskId | string, agentId?: AgentId | string): void {
    this.send({ type: 'master.kill_task', frameworkId: this.frameworkId, taskId: taskId as TaskId, ...(agentId === undefined ? {} : { agentId: agentId as AgentId }) });
  }

  /**
   * Explicit reconciliation for the given tasks, each a task id or `{ taskId, agentId }` (the
   * agent it is believed to be on decides the answer for a task the master does not know);
   * none given: implicit, every task the master holds as active.
   */
  reconcile(tasks: readonly (TaskId | string | { readonly taskId: TaskId | string; readonly agentId?: AgentId | string })[] = []): void {
    const asked = tasks.map((t) => (typeof t === 'string' ? { taskId: t as TaskId } : { taskId: t.taskId as TaskId, ...(t.agentId === undefined ? {} : { agentId: t.agentId as AgentId }) }));
    this.send({ type: 'master.reconcile', frameworkId: this.frameworkId, tasks: asked });
  }

  /**
   * The master failed over: subscribe again to the new one with this framework's id. Offers
   * held from the old master are void. Resolves once the new master has readmitted it.
   */
  async masterChanged(master: ActorRef<MasterMsg>): Promise<void> {
    this.master = master;
    this.held.clear();
    await this.subscribe(this.frameworkId);
  }

  /**
   * The scheduler goes away without tearing the framework down, as a scheduler process that
   * exits: the master keeps the framework and its tasks for its `failoverTimeoutMs` (default 0:
   * torn down at once), for another scheduler to take over with `{ failoverFrom: frameworkId }`.
   */
  async disconnect(): Promise<void> {
    this.held.clear();
    this.failPending(new FrameworkError('ERR_NOT_REGISTERED', 'the framework disconnected'));
    await this.system.stopActor(this.scheduler);
  }

  /** Shuts the framework down: its tasks are killed and its executors stopped; no more offers. */
  teardown(): void {
    this.held.clear();
    this.failPending(new FrameworkError('ERR_NOT_REGISTERED', 'the framework was torn down'));
    this.send({ type: 'master.teardown', frameworkId: this.frameworkId });
  }

  acknowledge(status: TaskStatus): void {
    if (status.uuid === '') return;
    this.send({ type: 'master.acknowledge', frameworkId: this.frameworkId, taskId: status.taskId, uuid: status.uuid, ...(status.agentId === undefined ? {} : { agentId: status.agentId }) });
  }

  /**
   * Launches one task on the first offer it fits; resolves once it is accepted. Rejects at once
   * with `ERR_INVALID_TASK` (naming the field) for a task that cannot be valid — bad resources,
   * ids or `run`, arguments that cannot cross a thread, more than any agent has — and with
   * `ERR_LAUNCH_TIMEOUT` / `ERR_ABORTED` if no offer fits in time; a launch that rejects is never sent.
   */
  launch(request: LaunchRequest, options: LaunchOptions = {}): Promise<Launched> {
    let task: TaskDescription;
    try {
      task = describeLaunch(request, this.agentTotals);
    } catch (error) {
      return Promise.reject(error);
    }
    return boundedWait<Launched>(`an offer for task ${task.taskId}`, { timeoutMs: options.timeoutMs ?? DEFAULT_LAUNCH_TIMEOUT_MS, ...(options.signal === undefined ? {} : { signal: options.signal }) }, (settle, fail) => {
      const launch: PendingLaunch = { task, resolve: settle, reject: fail };
      this.pending.add(launch);
      this.placeSoon(true);
      return () => this.pending.delete(launch);
    }, 'ERR_LAUNCH_TIMEOUT');
  }


  /** Updates received for a task, in arrival order (kept for the last `maxCompletedTasks` finished tasks). */
  updatesOf(taskId: TaskId | string): readonly TaskStatus[] {
    return this.history.of(taskId);
  }

  /**
   * Resolves with the first update of `taskId` in `state` (already received or to come).
   * Rejects with `ERR_TASK_ENDED` if the task ends in another state, `ERR_WAIT_TIMEOUT` after
   * `timeoutMs` (default 30 s), `ERR_ABORTED` when `signal` fires.
   */
  waitFor(taskId: TaskId | string, state: TaskStateName, options: WaitOptions = {}): Promise<TaskStatus> {
    try {
      checkDuration('wait options', 'timeoutMs', options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS, { infinite: true });
    } catch (error) {
      return Promise.reject(error);
    }
    const check = (): TaskStatus | FrameworkError | undefined => {
      const updates = this.history.of(taskId);
      const found = updates.find((s) => s.state === state);
      if (found !== undefined) return found;
      const last = updates.at(-1);
      if (last !== undefined && isTerminal(last.state)) {
        return new FrameworkError('ERR_TASK_ENDED', `task ${taskId} ended in ${last.state}${last.message ? ` (${last.message})` : ''} while waiting for ${state}`);
      }
      return undefined;
    };
    const now = check();
    if (now instanceof FrameworkError) return Promise.reject(now);
    if (now !== undefined) return Promise.resolve(now);
    return boundedWait<TaskStatus>(
      `task ${taskId} to reach ${state}`,
      { timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS, ...(options.signal === undefined ? {} : { signal: options.signal }) },
      (settle, fail) => {
        const onUpdate = () => {
          const result = check();
          if (result instanceof FrameworkError) fail(result);
          else if (result !== undefined) settle(result);
        };
        return this.waits.add(taskId, onUpdate);
      },
      'ERR_WAIT_TIMEOUT',
      () => `; updates: ${this.history.of(taskId).map((s) => s.state).join(', ') || 'none'}`,
    );
  }

  private failPending(error: FrameworkError): void {
    const failed = [...this.pending];
    this.pending.clear();
    this.window.clear();
    for (const launch of failed) launch.reject(error);
  }

  /** Launches made in one turn are placed together, once (placing is linear in the pending launches). */
  private placeSoon(revive: boolean): void {
    this.reviveWanted ||= revive;
    if (this.placeQueued) return;
    this.placeQueued = true;
    queueMicrotask(() => {
      this.placeQueued = false;
      this.place();
      if (this.reviveWanted && this.pending.size > 0) this.revive();
      this.reviveWanted = false;
    });
  }

  /**
   * Places pending launches on held offers (`place`), as many as the launch window has room
   * for, then accepts each offer used. Offers that fit nothing are declined (for a while:
   * `launch()` revives offers when it has new work), so they do not sit idle while other
   * frameworks could use them; while launches wait for room they are kept for them.
   */
  private place(): void {
    const admitted = firstOf(this.pending, this.window.room());
    const heldBack = this.pending.size > admitted.length;
    const { accepted, unused, waiting } = place(this.held.values(), admitted, (launch) => launch.task.resources);
    if (heldBack) this.window.waitForRoom();
    else if (this.options.offers !== 'manual') for (const offer of unused) this.decline(offer.offerId, waiting.length > 0 ? 1_000 : 5_000);
    for (const { offer, launches } of accepted) {
      this.acceptChecked(offer.offerId, launches.map((l) => l.task));
      for (const l of launches) {
        this.window.launched(l.task.taskId);
        l.resolve({ taskId: l.task.taskId, agentId: offer.agentId, executorId: executorIdOf(l.task) });
      }
    }
  }
}

/** The first `count` items, in order. */
function firstOf<T>(items: Iterable<T>, count: number): T[] {
  const first: T[] = [];
  if (count <= 0) return first;
  for (const item of items) if (first.push(item) >= count) break;
  return first;
}
