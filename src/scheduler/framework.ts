import { EventEmitter } from 'eventemitter3';
import { type ActorRef, type ActorSystem, behaviour, isDown } from '../actor/index.js';
import { type FrameworkId, type FrameworkInfo, type Resources, TERMINAL_STATES, type TaskId, type TaskStateName } from '../checkpoint/index.js';
import { type Offer, type TaskDescription, type TaskRun, type TaskStatus, fits, subtract } from '../cluster/types.js';
import type { MasterMsg } from '../master/messages.js';
import type { SchedulerMsg } from './messages.js';

export interface FrameworkOptions {
  /** Acknowledge every update as it arrives (default). Off: call `acknowledge(status)`. */
  readonly autoAcknowledge?: boolean;
  /** Fail over to this existing framework (its tasks and updates) instead of registering a new one. */
  readonly failoverFrom?: FrameworkId;
  /**
   * `auto` (default): offers that no pending `launch()` can use are declined at once.
   * `manual`: offers are kept for the caller to `accept` or `decline` (launch() still uses them).
   */
  readonly offers?: 'auto' | 'manual';
}

export interface LaunchRequest {
  readonly cpus: number;
  readonly mem: number;
  readonly run: TaskRun;
  readonly taskId?: string;
  readonly name?: string;
  readonly executor?: TaskDescription['executor'];
}

export interface Launched {
  readonly taskId: TaskId;
  readonly agentId: Offer['agentId'];
  readonly executorId: string;
}

interface PendingLaunch {
  readonly task: TaskDescription;
  resolve(launched: Launched): void;
}

type Events = {
  registered: [frameworkId: FrameworkId];
  offers: [offers: readonly Offer[]];
  /** The master took an offer back (its agent went away, or it timed out: `offerTimeoutMs`). */
  rescinded: [offerId: string];
  update: [status: TaskStatus];
  /** An update received again (same uuid): acknowledged again, not reported as `update`. */
  duplicate: [status: TaskStatus];
  error: [error: Error];
};

let taskCounter = 0;

/**
 * A framework's scheduler, as an object: it registers with the master, receives offers and
 * task status updates (as events), and launches, kills and reconciles tasks. `launch()` is the
 * convenience path: it waits for an offer that fits and accepts it.
 */
export class Framework extends EventEmitter<Events> {
  frameworkId!: FrameworkId;
  private readonly held = new Map<string, Offer>();
  private pending: PendingLaunch[] = [];
  private placeQueued = false;
  private reviveWanted = false;
  private readonly statuses = new Map<TaskId, TaskStatus[]>();
  private readonly waiters = new Map<TaskId, Set<() => void>>();
  private scheduler!: ActorRef<SchedulerMsg>;

  private constructor(
    private readonly system: ActorSystem,
    private master: ActorRef<MasterMsg>,
    readonly info: FrameworkInfo,
    private readonly options: FrameworkOptions,
  ) {
    super();
  }

  static async register(system: ActorSystem, master: ActorRef<MasterMsg>, info: FrameworkInfo, options: FrameworkOptions = {}): Promise<Framework> {
    const framework = new Framework(system, master, info, options);
    const registered = new Promise<FrameworkId>((resolve, reject) => {
      framework.once('registered', resolve);
      framework.once('error', reject);
    });
    framework.scheduler = await system.spawn<SchedulerMsg>(
      behaviour<SchedulerMsg>({ setup: () => ({ receive: (message) => (isDown(message) ? undefined : framework.onMessage(message)) }) }),
      { name: `scheduler-${info.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${Math.random().toString(36).slice(2, 8)}` },
    );
    master.tell(
      options.failoverFrom === undefined
        ? { type: 'master.register_framework', scheduler: framework.scheduler, info }
        : { type: 'master.register_framework', scheduler: framework.scheduler, info, frameworkId: options.failoverFrom },
    );
    framework.frameworkId = await registered;
    return framework;
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
      case 'scheduler.update': {
        const { status } = message;
        let list = this.statuses.get(status.taskId);
        if (list === undefined) this.statuses.set(status.taskId, (list = []));
        // Updates are delivered at least once (an agent resends what it cannot prove was
        // acknowledged); a repeat is acknowledged again but not reported twice.
        if (status.uuid !== '' && list.some((s) => s.uuid === status.uuid)) {
          if (this.options.autoAcknowledge !== false) this.acknowledge(status);
          this.emit('duplicate', status);
          return;
        }
        list.push(status);
        this.emit('update', status);
        if (this.options.autoAcknowledge !== false) this.acknowledge(status);
        for (const wake of this.waiters.get(status.taskId) ?? []) wake();
        return;
      }
      case 'scheduler.error':
        this.emit('error', new Error(message.message));
        return;
    }
  }

  /** Clears the refusals of earlier declines: offers from every agent again (Mesos reviveOffers). */
  revive(): void {
    this.master.tell({ type: 'master.revive', frameworkId: this.frameworkId });
  }

  /** Offers received and not yet accepted, declined or rescinded. */
  outstandingOffers(): Offer[] {
    return [...this.held.values()];
  }

  /** The next offer: one already outstanding, or the next to arrive. */
  nextOffer(): Promise<Offer> {
    const [held] = this.held.values();
    if (held !== undefined) return Promise.resolve(held);
    return new Promise((resolve) => this.once('offers', (offers) => resolve(offers[0]!)));
  }

  accept(offerId: string, tasks: readonly TaskDescription[]): void {
    this.held.delete(offerId);
    this.master.tell({ type: 'master.accept', frameworkId: this.frameworkId, offerId, tasks });
  }

  decline(offerId: string, refuseMs?: number): void {
    this.held.delete(offerId);
    this.master.tell(refuseMs === undefined ? { type: 'master.decline', frameworkId: this.frameworkId, offerId } : { type: 'master.decline', frameworkId: this.frameworkId, offerId, refuseMs });
  }

  /**
   * Reserves part of an offer's unreserved resources for this framework's role (Mesos
   * RESERVE): from then on they are offered only to frameworks of that role, and the agent
   * checkpoints them. The offer is used up. Rejects with the master's reason if it cannot.
   */
  async reserve(offerId: string, resources: Resources): Promise<void> {
    this.held.delete(offerId);
    await this.master.ask({ type: 'master.reserve', frameworkId: this.frameworkId, offerId, resources });
  }

  /** Gives back part of the reservation an offer shows (`offer.reserved`) to the unreserved pool. */
  async unreserve(offerId: string, resources: Resources): Promise<void> {
    this.held.delete(offerId);
    await this.master.ask({ type: 'master.unreserve', frameworkId: this.frameworkId, offerId, resources });
  }

  kill(taskId: TaskId | string): void {
    this.master.tell({ type: 'master.kill_task', frameworkId: this.frameworkId, taskId: taskId as TaskId });
  }

  /** Explicit reconciliation for the given tasks; none given: implicit, every task the master knows. */
  reconcile(taskIds: readonly (TaskId | string)[] = []): void {
    this.master.tell({ type: 'master.reconcile', frameworkId: this.frameworkId, taskIds: taskIds as TaskId[] });
  }

  /**
   * The master failed over: subscribe again to the new one with this framework's id. Offers
   * held from the old master are void. Resolves once the new master has readmitted it.
   */
  masterChanged(master: ActorRef<MasterMsg>): Promise<void> {
    this.master = master;
    this.held.clear();
    const registered = new Promise<void>((resolve) => this.once('registered', () => resolve()));
    master.tell({ type: 'master.register_framework', scheduler: this.scheduler, info: this.info, frameworkId: this.frameworkId });
    return registered;
  }

  /**
   * The scheduler goes away without tearing the framework down, as a scheduler process that
   * exits: the master keeps the framework and its tasks for its `failoverTimeoutMs` (default 0:
   * torn down at once), for another scheduler to take over with `{ failoverFrom: frameworkId }`.
   */
  async disconnect(): Promise<void> {
    this.held.clear();
    await this.system.stopActor(this.scheduler);
  }

  /** Shuts the framework down: its tasks are killed and its executors stopped; no more offers. */
  teardown(): void {
    this.held.clear();
    this.master.tell({ type: 'master.teardown', frameworkId: this.frameworkId });
  }

  acknowledge(status: TaskStatus): void {
    if (status.uuid === '') return;
    this.master.tell({ type: 'master.acknowledge', frameworkId: this.frameworkId, taskId: status.taskId, uuid: status.uuid });
  }

  /** Launches one task on the first offer it fits; resolves once it is accepted. */
  launch(request: LaunchRequest): Promise<Launched> {
    const task: TaskDescription = {
      taskId: (request.taskId ?? `task-${++taskCounter}`) as TaskId,
      resources: { cpus: request.cpus, mem: request.mem },
      run: request.run,
      ...(request.name === undefined ? {} : { name: request.name }),
      ...(request.executor === undefined ? {} : { executor: request.executor }),
    };
    return new Promise((resolve) => {
      this.pending.push({ task, resolve });
      this.placeSoon(true);
    });
  }

  /** Updates received for a task, in arrival order. */
  updatesOf(taskId: TaskId | string): readonly TaskStatus[] {
    return this.statuses.get(taskId as TaskId) ?? [];
  }

  /** Resolves with the first update of `taskId` in `state` (already received or to come). */
  waitFor(taskId: TaskId | string, state: TaskStateName, options: { timeoutMs?: number } = {}): Promise<TaskStatus> {
    const id = taskId as TaskId;
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.statuses.get(id)?.find((s) => s.state === state);
        if (found !== undefined) {
          resolve(found);
          return true;
        }
        const last = this.statuses.get(id)?.at(-1);
        if (last !== undefined && TERMINAL_STATES.has(last.state) && last.state !== state) {
          reject(new Error(`task ${id} ended in ${last.state}${last.message ? ` (${last.message})` : ''} while waiting for ${state}`));
          return true;
        }
        return false;
      };
      if (check()) return;
      let set = this.waiters.get(id);
      if (set === undefined) this.waiters.set(id, (set = new Set()));
      const timer = setTimeout(() => {
        set!.delete(wake);
        reject(new Error(`task ${id} did not reach ${state} within ${timeoutMs} ms; updates: ${this.updatesOf(id).map((s) => s.state).join(', ') || 'none'}`));
      }, timeoutMs);
      const wake = () => {
        if (!check()) return;
        clearTimeout(timer);
        set!.delete(wake);
      };
      set.add(wake);
    });
  }

  /** Launches made in one turn are placed together, once (placing is linear in the pending launches). */
  private placeSoon(revive: boolean): void {
    this.reviveWanted ||= revive;
    if (this.placeQueued) return;
    this.placeQueued = true;
    queueMicrotask(() => {
      this.placeQueued = false;
      this.place();
      if (this.reviveWanted && this.pending.length > 0) this.revive();
      this.reviveWanted = false;
    });
  }

  /**
   * Places pending launches on held offers, each on the offer with the most cpus left (which
   * spreads tasks over agents), then accepts each offer used. Offers that fit nothing are
   * declined (for a while: `launch()` revives offers when it has new work), so they do not sit
   * idle while other frameworks could use them.
   */
  private place(): void {
    const plans = [...this.held.values()].map((offer) => ({ offer, free: offer.resources, chosen: [] as PendingLaunch[] }));
    const rest: PendingLaunch[] = [];
    for (const launch of this.pending) {
      let best: (typeof plans)[number] | undefined;
      for (const plan of plans) {
        if (fits(launch.task.resources, plan.free) && (best === undefined || plan.free.cpus > best.free.cpus)) best = plan;
      }
      if (best === undefined) {
        rest.push(launch);
        continue;
      }
      best.free = subtract(best.free, launch.task.resources);
      best.chosen.push(launch);
    }
    this.pending = rest;
    for (const { offer, chosen } of plans) {
      if (chosen.length === 0) {
        if (this.options.offers !== 'manual') this.decline(offer.offerId, rest.length > 0 ? 1_000 : 5_000);
        continue;
      }
      this.accept(offer.offerId, chosen.map((c) => c.task));
      for (const c of chosen) {
        c.resolve({ taskId: c.task.taskId, agentId: offer.agentId, executorId: c.task.executor?.executorId ?? `command-${c.task.taskId}` });
      }
    }
  }
}
