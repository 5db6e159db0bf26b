import { join } from 'node:path';
import type { AgentId, LocalCluster, MessageDrop } from '../../src/index.js';
import { onDisk } from '../fixtures/checkpoint-raw.js';
import { nextSystemEvent } from '../probe.js';
import type { EventLog, ExecutorKey } from './event-log.js';
import type { ExecutorWatch } from './executor-watch.js';
import { FAULT_KINDS, type Fault } from './schedule.js';
import type { SmallDisk } from './small-disk.js';
import type { Workload } from './workload.js';

export interface InjectorContext {
  readonly cluster: LocalCluster;
  readonly workload: Workload;
  readonly log: EventLog;
  readonly gen: number;
  readonly watch: ExecutorWatch;
  readonly disk: SmallDisk | undefined;
  readonly recoveryTimeoutMs: number;
  /** How often the master pings each agent. */
  readonly pingIntervalMs: number;
}

interface Located extends ExecutorKey {
  readonly address: string | undefined;
}

/** How long a fault may wait for the cluster to come back before it gives up and says so. */
const COME_BACK_MS = 60_000;
/** Past the recovery timeout, the time the launcher may take to end an executor. */
const DESTROY_SLACK_MS = 3_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a rejection with `message` after `ms` (the timer does not outlive the wait). */
async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Injects one fault at a time into a running cluster, logging what it did and which executors it
 * ended (the invariants excuse a task's outcome only where its executor was ended by a fault).
 * A fault resolves once the cluster is back (an agent readmitted, a master restarted); one that
 * cannot bring it back throws, which the run reports as a violation.
 */
export class FaultInjector {
  private readonly drops: MessageDrop[] = [];
  /**
   * Agents a crash left recovering. A crash does not wait for its agent to come back (other
   * faults go on meanwhile); the next fault aimed at that agent does, and so does quiescence.
   */
  private readonly recovering = new Map<AgentId, Promise<void>>();

  constructor(private readonly ctx: InjectorContext) {}

  private agentAt(fault: Fault): { agentId: AgentId; hostId: string } {
    const ids = this.ctx.cluster.agentIds();
    const at = fault.target % ids.length;
    return { agentId: ids[at]!, hostId: `host-${at + 1}` };
  }

  private async executorsOf(agentId: AgentId): Promise<Located[]> {
    const state = await this.ctx.cluster.agentState(agentId).catch(() => undefined);
    return (state?.executors ?? []).map((e) => ({ agentId, frameworkId: e.frameworkId, executorId: e.executorId, address: e.address }));
  }

  private begin(fault: Fault, fields: Omit<Extract<Parameters<EventLog['write']>[0], { t: 'fault' }>, 't' | 'gen' | 'index' | 'kind'> = {}): void {
    this.ctx.log.write({ t: 'fault', gen: this.ctx.gen, index: fault.index, kind: fault.kind, ...fields });
  }

  async inject(fault: Fault): Promise<Record<string, unknown> | undefined> {
    const { cluster } = this.ctx;
    const { agentId, hostId } = this.agentAt(fault);
    if (AIMS_AT_AGENT.has(fault.kind)) await this.recovering.get(agentId);
    switch (fault.kind) {
      case 'agent-crash':
        this.begin(fault, { agentId });
        return this.crash(fault, agentId);
      case 'agent-crash-mid-checkpoint': {
        const trigger =
          fault.during === 'launch'
            ? cluster.events.next('master.task_launched', (e) => e.agentId === agentId, 5_000)
            : new Promise<unknown>((resolve, reject) => {
                const onUpdate = (status: { agentId?: string }) => {
                  if (status.agentId !== agentId) return;
                  clearTimeout(timer);
                  this.ctx.workload.off('update', onUpdate);
                  resolve(status);
                };
                const timer = setTimeout(() => {
                  this.ctx.workload.off('update', onUpdate);
                  reject(new Error('no update'));
                }, 5_000);
                this.ctx.workload.on('update', onUpdate);
              });
        const triggered = await trigger.then(() => true, () => false);
        this.begin(fault, { agentId, detail: { triggered } });
        return { triggered, ...(await this.crash(fault, agentId)) };
      }
      case 'agent-crash-mid-recovery': {
        this.begin(fault, { agentId });
        const restarted = nextSystemEvent(cluster.system, 'supervisor.restarted', (e) => e.child === hostId, COME_BACK_MS);
        await cluster.crashAgent(agentId);
        await restarted;
        await sleep(fault.delayMs ?? 0);
        return this.crash(fault, agentId);
      }
      case 'agent-restart-flags':
        this.begin(fault, { agentId, detail: { flags: fault.flags } });
        return { ...(await cluster.restartAgent(agentId, fault.flags)) };
      case 'host-reboot':
        this.begin(fault, { agentId, killed: { agent: agentId } });
        return { ...(await cluster.rebootHost(agentId)) };
      case 'executor-crash':
        return this.crashExecutor(fault, agentId);
      case 'master-crash':
      case 'master-restart':
        this.begin(fault);
        return this.failMaster(fault);
      case 'drop-messages':
        this.begin(fault, { detail: { message: fault.message, count: fault.count } });
        this.drops.push(await cluster.system.dropMessages({ type: fault.message!, count: fault.count ?? 1 }));
        return undefined;
      case 'agent-pause':
        return this.pause(fault, agentId, hostId);
      case 'corrupt-record':
        return this.corrupt(fault, agentId, hostId);
      case 'recovery-timeout':
        return this.recoveryTimeout(fault, agentId);
      case 'disk-fill':
      case 'disk-free': {
        const { disk } = this.ctx;
        this.begin(fault, { detail: { skipped: disk === undefined ? 'no small disk' : false } });
        if (fault.kind === 'disk-fill') disk?.fill();
        else disk?.free();
        return undefined;
      }
      case 'kill-9':
        throw new Error('kill-9 is a fault of process mode, injected by the parent process');
    }
  }

  /**
   * The master crashes (or is restarted gracefully) and a new one takes over; the frameworks
   * then reconcile, as Mesos asks of a scheduler that reregisters.
   */
  private async failMaster(fault: Fault): Promise<Record<string, unknown>> {
    const { cluster, workload } = this.ctx;
    const reregistered = Promise.all(cluster.agentIds().map((id) => cluster.events.next('master.agent_reregistered', (e) => e.agentId === id, COME_BACK_MS)));
    reregistered.catch(() => undefined);
    if (fault.kind === 'master-crash') {
      await cluster.crashMaster();
      await sleep(fault.delayMs ?? 0);
    }
    await cluster.restartMaster();
    workload.reconcile();
    const back = await reregistered.then(() => true, () => false);
    return { agentsReregistered: back };
  }

  /** Crashes the agent; its recovery is logged (`recovered`) when it comes, while other faults go on. */
  private async crash(fault: Fault, agentId: AgentId): Promise<Record<string, unknown>> {
    const { cluster, log, gen } = this.ctx;
    const recovered = cluster.nextRecovery(agentId, COME_BACK_MS);
    await cluster.crashAgent(agentId);
    const crashedAt = Date.now();
    const done: Promise<void> = recovered.then(
      (recovery) => log.write({ t: 'recovered', gen, index: fault.index, kind: fault.kind, ms: Date.now() - crashedAt, result: { ...recovery } }),
      async (error: Error) => {
        // What the agent is doing, if it answers: where it is stuck.
        const state = await cluster.agentState(agentId, 2_000).then((s) => s.registration, (e: Error) => `no answer (${e.message})`);
        log.write({ t: 'recovered', gen, index: fault.index, kind: fault.kind, ms: Date.now() - crashedAt, error: `${error.message}; the agent: ${state}` });
      },
    );
    this.recovering.set(agentId, done);
    void done.then(() => {
      if (this.recovering.get(agentId) === done) this.recovering.delete(agentId);
    });
    return { recovering: true };
  }

  /** Waits for every agent a crash left recovering. */
  async recovered(): Promise<void> {
    await Promise.all(this.recovering.values());
  }

  /** Ends an executor's worker (with shared isolation: every executor in it). */
  private async crashExecutor(fault: Fault, agentId: AgentId): Promise<Record<string, unknown>> {
    const started = (await this.executorsOf(agentId)).filter((e) => e.address !== undefined);
    if (started.length === 0) {
      this.begin(fault, { agentId, detail: { skipped: 'no started executor' } });
      return { skipped: true };
    }
    const chosen = started[fault.pick % started.length]!;
    const node = chosen.address!.slice(chosen.address!.lastIndexOf('@') + 1);
    const everywhere = (await Promise.all(this.ctx.cluster.agentIds().map((id) => this.executorsOf(id)))).flat();
    const inWorker = everywhere.filter((e) => e.address?.endsWith(`@${node}`));
    this.begin(fault, { agentId, detail: { node }, killed: { executors: inWorker.map(({ address: _, ...key }) => key) } });
    if (this.ctx.cluster.system.workers().includes(node as never)) await this.ctx.cluster.system.terminateWorker(node as never);
    return { node, executors: inWorker.length };
  }

  /**
   * The agent hears no pings (they are lost on their way into its mailbox), as a paused or
   * partitioned agent: with as many lost as the master's limit it is marked unreachable, and
   * reregisters once its own ping window passes.
   */
  private async pause(fault: Fault, agentId: AgentId, hostId: string): Promise<Record<string, unknown>> {
    this.begin(fault, { agentId, detail: { pings: fault.count } });
    const { events } = this.ctx.cluster;
    // Marked unreachable, it reregisters on its own (both events may come in one batch).
    let wasUnreachable = false;
    let markBack = () => {};
    const back = new Promise<void>((resolve) => (markBack = resolve));
    const onUnreachable = (e: { agentId: string }) => void (e.agentId === agentId && (wasUnreachable = true));
    const onBack = (e: { agentId: string }) => void (e.agentId === agentId && wasUnreachable && markBack());
    events.on('master.agent_unreachable', onUnreachable);
    events.on('master.agent_reregistered', onBack);
    const drop = await this.ctx.cluster.system.dropMessages({ type: 'agent.ping', to: `agent-${hostId}`, count: fault.count ?? 1 });
    const lost = await Promise.race([drop.dropped.then(() => true), sleep(((fault.count ?? 1) + 2) * this.ctx.pingIntervalMs).then(() => false)]);
    await drop.remove();
    try {
      if (wasUnreachable) await within(back, COME_BACK_MS, `agent ${agentId} was not readmitted within ${COME_BACK_MS} ms of being unreachable`);
    } finally {
      events.off('master.agent_unreachable', onUnreachable);
      events.off('master.agent_reregistered', onBack);
    }
    return { lost, unreachable: wasUnreachable };
  }

  /**
   * A record of the stopped agent's checkpoint is damaged on disk (a byte flipped, or the value
   * cut in half), and the agent is started with `strict: false`: it skips the record. The
   * tasks under the record are logged as damaged: their outcome is no longer the checkpoint's.
   */
  private async corrupt(fault: Fault, agentId: AgentId, hostId: string): Promise<Record<string, unknown>> {
    const { cluster, log, gen } = this.ctx;
    const record = fault.record!;
    this.begin(fault, { agentId, detail: { record, damage: fault.damage } });
    await cluster.stopAgent(agentId);
    let key: string | undefined;
    let damagedTasks: string[] = [];
    await onDisk(join(cluster.workDir, hostId), (db) => {
      const keys = db.keys();
      const candidates = keys.filter((k) => k.endsWith(`/${record}`));
      if (candidates.length === 0) return;
      key = candidates[fault.pick % candidates.length]!;
      const under = scopeOf(key);
      damagedTasks = [...new Set(keys.filter((k) => k.startsWith(under)).flatMap((k) => /\/tasks\/([^/]+)\//.exec(k)?.[1] ?? []))];
      // Logged before the record is damaged: a process killed from here on leaves the next one a
      // damaged work dir, which it starts with `strict: false` (process mode) on this record's word.
      log.write({ t: 'damage', gen, index: fault.index, key, damagedTasks });
      const value = db.get(key);
      if (fault.damage === 'truncate') db.put(key, value.subarray(0, Math.floor(value.length / 2)));
      else {
        value[fault.pick % value.length]! ^= 0xff;
        db.put(key, value);
      }
    });
    if (key === undefined) log.write({ t: 'damage', gen, index: fault.index, key: 'none', damagedTasks });
    return { key, ...(await cluster.startAgent(agentId, { strict: false })) };
  }

  /**
   * The agent stays away past its recovery timeout: every executor it had must end by then
   * (invariant 4); then it is started again.
   */
  private async recoveryTimeout(fault: Fault, agentId: AgentId): Promise<Record<string, unknown>> {
    const { cluster, watch, log, gen, recoveryTimeoutMs } = this.ctx;
    const executors = (await this.executorsOf(agentId)).filter((e) => e.address !== undefined);
    const addresses = executors.map((e) => e.address!);
    watch.watch(addresses);
    this.begin(fault, { agentId, killed: { agent: agentId } });
    await cluster.stopAgent(agentId);
    const stoppedAt = Date.now();
    const running = await watch.untilEnded(addresses, stoppedAt + recoveryTimeoutMs + DESTROY_SLACK_MS);
    log.write({
      t: 'recovery_timeout',
      gen,
      index: fault.index,
      agentId,
      stoppedAt,
      recoveryTimeoutMs,
      executors: executors.map((e) => ({ address: e.address!, frameworkId: e.frameworkId, executorId: e.executorId })),
      restartedAt: Date.now(),
    });
    return { executors: addresses.length, stillRunning: running.length, ...(await cluster.startAgent(agentId)) };
  }

  /** Lifts every drop rule still armed, frees the disk and waits for recovering agents: the start of quiescence. */
  async liftAll(): Promise<void> {
    await this.recovered();
    for (const drop of this.drops.splice(0)) await drop.remove();
    this.ctx.disk?.free();
  }
}

/** Faults aimed at one agent: they wait for it to be back from a crash first. */
const AIMS_AT_AGENT: ReadonlySet<Fault['kind']> = new Set(FAULT_KINDS.filter((kind) => !['drop-messages', 'master-crash', 'master-restart', 'disk-fill', 'disk-free'].includes(kind)));

/** What a skipped record takes along: everything in its directory (a task's, a run's, an executor's, a framework's). */
function scopeOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}
