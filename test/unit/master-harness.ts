/**
 * The Master class without its actor: virtual time, timers that fire when the test advances
 * the clock, and peers (agents, schedulers) that record what they are sent. The registry is
 * none (`registry: null`) or a real MasterRegistry; its answers (`master.registry_done`) are
 * self messages, which `pump` delivers, unless the test holds them.
 */
import type { Timers } from '../../src/actor/index.js';
import { type Admitted, Master, type RegistryWriter } from '../../src/master/master.js';
import { resolveMasterOptions, type MasterFlags } from '../../src/master/options.js';
import type {
  AgentId,
  AgentInfo,
  ClusterEvent,
  FrameworkId,
  FrameworkInfo,
  Inboxes,
  MasterMsg,
  MasterSelfMsg,
  Offer,
  OfferId,
  Peer,
  ReportedTask,
  TaskId,
  TaskStatus,
} from '../../src/index.js';
import { describeStorageFailure } from '../../src/index.js';

/** Timers that fire only when a test moves `clock` on (and reads `active`). */
export class FakeTimers<M = MasterSelfMsg> implements Timers<M> {
  readonly active = new Map<string, { at: number; every?: number; message: M }>();
  constructor(private readonly clock: { now: number }) {}
  once(key: string, delayMs: number, message: M): void {
    this.active.set(key, { at: this.clock.now + delayMs, message });
  }
  repeat(key: string, intervalMs: number, message: M): void {
    this.active.set(key, { at: this.clock.now + intervalMs, every: intervalMs, message });
  }
  cancel(key: string): void {
    this.active.delete(key);
  }
  isActive(key: string): boolean {
    return this.active.has(key);
  }
}

/** A peer that records what it is told; asks are answered by `answer` (by default a pong) unless it is `silent`. */
export class FakePeer<K extends keyof Inboxes> implements Peer<K> {
  readonly inbox: Inboxes[K][] = [];
  silent = false;
  constructor(
    readonly address: string,
    private readonly answer: (message: Inboxes[K]) => unknown = () => 'pong',
  ) {}
  private waiters: (() => void)[] = [];
  tell(message: Inboxes[K]): void {
    this.receive(message);
  }
  ask<R = unknown>(message: Inboxes[K]): Promise<R> {
    this.receive(message);
    return this.silent ? Promise.reject(new Error('no answer')) : Promise.resolve(this.answer(message) as R);
  }
  equals(other: { readonly address: string } | null | undefined): boolean {
    return other?.address === this.address;
  }
  private receive(message: Inboxes[K]): void {
    this.inbox.push(message);
    for (const wake of this.waiters.splice(0)) wake();
  }
  /** Resolves once `count` messages of a type have been received (rejects after 5 s). */
  async received<T extends Inboxes[K]['type']>(type: T, count = 1): Promise<Extract<Inboxes[K], { type: T }>[]> {
    const deadline = Date.now() + 5_000;
    while (this.of(type).length < count) {
      if (Date.now() > deadline) throw new Error(`${this.address}: ${count} × ${type} not received; got ${this.inbox.map((m) => m.type).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.of(type);
  }
  /** Messages of a type, in order. */
  of<T extends Inboxes[K]['type']>(type: T): Extract<Inboxes[K], { type: T }>[] {
    return this.inbox.filter((m) => m.type === type) as Extract<Inboxes[K], { type: T }>[];
  }
  take<T extends Inboxes[K]['type']>(type: T): Extract<Inboxes[K], { type: T }>[] {
    const found = this.of(type);
    for (const m of found) this.inbox.splice(this.inbox.indexOf(m), 1);
    return found;
  }
}

export type AgentPeer = FakePeer<'agent'>;
export type SchedulerPeer = FakePeer<'scheduler'>;

let peers = 0;

export class MasterHarness {
  readonly clock = { now: 1_000_000 };
  readonly timers = new FakeTimers(this.clock);
  readonly events: ClusterEvent[] = [];
  readonly watched = new Set<string>();
  /** Self messages not delivered yet (`pump` delivers them; a test may hold some back). */
  readonly selfQueue: MasterSelfMsg[] = [];
  readonly master: Master;
  private offerIds = 0;
  private readonly schedulers: SchedulerPeer[] = [];

  /** Registry writes not answered yet: `pump` waits for them. */
  private writing = 0;

  constructor(flags: MasterFlags = {}, registry: RegistryWriter | null = null, admitted?: Admitted) {
    this.master = new Master(
      resolveMasterOptions({ agentPingTimeoutMs: 1_000, maxAgentPingTimeouts: 3, agentReregisterTimeoutMs: 10_000, ...flags }),
      {
        timers: this.timers,
        now: () => this.clock.now,
        newOfferId: () => `offer-${++this.offerIds}` as OfferId,
        toSelf: (message) => this.selfQueue.push(message),
        watch: (peer) => this.watched.add(peer.address),
        unwatch: (peer) => this.watched.delete(peer.address),
        publish: (event) => this.events.push(event),
        registry: registry === null ? null : this.counting(registry),
        describeFailure: describeStorageFailure,
      },
      admitted,
    );
  }

  send(message: MasterMsg, from?: { address: string }): unknown {
    return this.master.receive(message, from);
  }

  /** The registry's own writes, counted so that `pump` can wait for their answers. */
  private counting(registry: RegistryWriter): RegistryWriter {
    const count = <A extends unknown[]>(write: (...args: A) => Promise<void>) => (...args: A): Promise<void> => {
      this.writing++;
      return write.apply(registry, args).finally(() => this.writing--);
    };
    return {
      admitAgent: count(registry.admitAgent),
      updateAgent: count(registry.updateAgent),
      markAgentUnreachable: count(registry.markAgentUnreachable),
      markAgentReachable: count(registry.markAgentReachable),
      removeAgent: count(registry.removeAgent),
      pruneUnreachable: count(registry.pruneUnreachable),
      admitFramework: count(registry.admitFramework),
      removeFramework: count(registry.removeFramework),
    };
  }

  /** Delivers self messages (registry answers, ping results) until none is left, except those `hold` keeps. */
  async pump(hold: (message: MasterSelfMsg) => boolean = () => false): Promise<void> {
    for (let round = 0; round < 1_000; round++) {
      await new Promise((resolve) => (this.writing > 0 ? setTimeout(resolve, 1) : setImmediate(resolve)));
      const ready = this.selfQueue.filter((m) => !hold(m));
      if (ready.length === 0 && this.writing === 0) return;
      for (const m of ready) {
        this.selfQueue.splice(this.selfQueue.indexOf(m), 1);
        this.master.receive(m, undefined);
      }
    }
  }

  /** Moves virtual time on, firing due timers in time order (and pumping after each). */
  async advance(ms: number, hold?: (message: MasterSelfMsg) => boolean): Promise<void> {
    const until = this.clock.now + ms;
    for (;;) {
      const due = [...this.timers.active].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      const [key, timer] = due;
      this.clock.now = Math.max(this.clock.now, timer.at);
      if (timer.every === undefined) this.timers.active.delete(key);
      else timer.at += timer.every;
      this.master.receive(timer.message, undefined);
      await this.pump(hold);
    }
    this.clock.now = until;
    await this.pump(hold);
  }

  state() {
    return this.master.state();
  }

  // ---- agents and frameworks ------------------------------------------------------------

  newAgent(name = `agent-host-${++peers}`): AgentPeer {
    return new FakePeer<'agent'>(`${name}@w${++peers}`);
  }

  async registerAgent(hostname: string, resources = { cpus: 4, mem: 1_024 }, peer = this.newAgent()): Promise<{ peer: AgentPeer; agentId: AgentId; info: AgentInfo }> {
    const info: AgentInfo = { hostname, resources, attributes: {} };
    this.send({ type: 'master.register_agent', agent: peer, info, reservations: {} }, peer);
    await this.pump();
    const registered = peer.of('agent.registered').at(-1);
    if (registered === undefined) throw new Error(`agent ${hostname} was not admitted`);
    return { peer, agentId: registered.agentId, info };
  }

  async registerFramework(info: Partial<FrameworkInfo> = {}): Promise<{ scheduler: SchedulerPeer; frameworkId: FrameworkId; info: FrameworkInfo }> {
    const scheduler = new FakePeer<'scheduler'>(`scheduler-${++peers}@main`);
    const full: FrameworkInfo = { name: `fw-${peers}`, checkpoint: true, ...info };
    this.send({ type: 'master.register_framework', scheduler, info: full });
    await this.pump();
    const registered = scheduler.of('scheduler.registered').at(-1);
    if (registered === undefined) throw new Error('framework not registered');
    this.schedulers.push(scheduler);
    return { scheduler, frameworkId: registered.frameworkId, info: full };
  }

  /** The next offer to this scheduler (allocating first); offers to other schedulers meanwhile are declined. */
  async offer(scheduler: SchedulerPeer): Promise<Offer> {
    for (let round = 0; round < 10; round++) {
      await this.advance(0);
      for (const other of this.schedulers) {
        if (other === scheduler) continue;
        for (const offer of other.take('scheduler.offers').flatMap((m) => m.offers)) this.send({ type: 'master.decline', frameworkId: this.frameworkOf(other), offerId: offer.offerId, refuseMs: 0 }, other);
      }
      const offers = scheduler.take('scheduler.offers').flatMap((m) => m.offers);
      for (const offer of offers.slice(1)) this.send({ type: 'master.decline', frameworkId: this.frameworkOf(scheduler), offerId: offer.offerId, refuseMs: 0 }, scheduler);
      if (offers[0] !== undefined) return offers[0];
    }
    throw new Error('no offer');
  }

  frameworkOf(scheduler: SchedulerPeer): FrameworkId {
    const id = scheduler.of('scheduler.registered').at(-1)?.frameworkId;
    if (id === undefined) throw new Error('not registered');
    return id;
  }

  /** Launches a task on the scheduler's next offer; returns its id and agent. */
  async launch(scheduler: SchedulerPeer, taskId: string, resources = { cpus: 1, mem: 64 }): Promise<{ taskId: TaskId; agentId: AgentId }> {
    const offer = await this.offer(scheduler);
    const frameworkId = this.frameworkOf(scheduler);
    this.send({ type: 'master.accept', frameworkId, offerId: offer.offerId, tasks: [{ taskId, resources, run: { kind: 'command', command: 'true' } }] }, scheduler);
    return { taskId: taskId as TaskId, agentId: offer.agentId };
  }

  /** An update from the agent, as its status update manager forwards it. */
  update(agent: AgentPeer, agentId: AgentId, frameworkId: FrameworkId, taskId: TaskId, state: TaskStatus['state'], uuid = `u-${++peers}`, from: { address: string } = agent): TaskStatus {
    const status: TaskStatus = { taskId, frameworkId, uuid, state, timestamp: this.clock.now, source: 'SOURCE_EXECUTOR' };
    this.send({ type: 'master.status_update', agentId, status }, from);
    return status;
  }

  reregister(agent: AgentPeer, agentId: AgentId, info: AgentInfo, tasks: readonly ReportedTask[], frameworks: readonly { frameworkId: FrameworkId; info: FrameworkInfo }[] = []): void {
    this.send({ type: 'master.reregister_agent', agentId, agent, info, reservations: {}, tasks: [...tasks], frameworks: [...frameworks] }, agent);
  }
}

/** The updates a scheduler was sent, as `state/source/reason` strings, and taken from its inbox. */
export function updatesTo(scheduler: SchedulerPeer): TaskStatus[] {
  return scheduler.take('scheduler.update').map((m) => m.status);
}

export const brief = (s: TaskStatus): string => `${s.taskId}:${s.state}:${s.source ?? '-'}:${s.reason ?? '-'}`;
