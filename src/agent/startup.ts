import type { ExecutorId, FrameworkId } from '../protocol/index.js';
import type { AgentCore, AgentSetup } from './core.js';
import type { Reconnection } from './reconnection.js';
import type { RecoveredAgent } from './recovery.js';
import type { Registration } from './registration.js';

/**
 * The agent's start from what its checkpoint decided (Mesos Slave::recover): a fresh
 * registration; a recovery — the agent resumes as itself, reconnects to its executors, then
 * reregisters and reports the recovery once the master answers; or a cleanup.
 */
export class Startup {
  /** The first reregistration after a restart is the recovery (`agent.recovered`); later ones are not. */
  private recoveryReported = false;
  private phaseMark = 0;
  private readonly phases = { checkpointReadMs: 0, reconnectMs: 0 };

  constructor(
    private readonly agent: AgentCore,
    private readonly setup: AgentSetup,
    private readonly registration: Registration,
    private readonly reconnection: Reconnection,
  ) {
    this.phases.checkpointReadMs = setup.checkpointReadMs;
  }

  /** Starts what the checkpoint decided: a fresh registration, a recovery, or a cleanup (then the actor stops: false). */
  start(): boolean {
    const { decision } = this.setup;
    const { effects, hostId, options } = this.agent;
    effects.timers.repeat('resend', this.agent.updates.sweepIntervalMs, { type: 'agent.resend_due' });
    effects.launcher.tell({ type: 'launcher.agent_started', hostId, agent: effects.self, recoveryTimeoutMs: options.recoveryTimeoutMs });
    if (decision.kind === 'recover' && options.recover === 'cleanup') {
      // Mesos --recover=cleanup: kill every old executor, do not register, and exit.
      const addresses = decision.agent.executors.flatMap((ex) => (ex.address === undefined ? [] : [ex.address]));
      for (const address of addresses) effects.launcher.tell({ type: 'launcher.destroy', address });
      this.recordBootId();
      effects.publish({ type: 'agent.cleaned_up', hostId, agentId: decision.agent.agentId, destroyed: addresses.length });
      return false;
    }
    if (decision.kind === 'recover') {
      this.resume(decision.agent);
      return true;
    }
    this.recordBootId();
    this.registration.register();
    return true;
  }

  /** The boot id is checkpointed once recovery is over (Mesos Slave::__recover), so that a crash before then still sees the reboot. */
  private recordBootId(): void {
    void this.agent.durably([{ type: 'boot-id', bootId: this.setup.host.bootId }]);
  }

  private resume(recovered: RecoveredAgent): void {
    this.phaseMark = performance.now();
    this.registration.recovering(recovered.agentId);
    for (const [frameworkId, info] of recovered.frameworks) this.agent.book.addFramework(frameworkId, info);
    // Mesos schedules the work and meta dirs of an executor it cannot recover for GC.
    for (const { frameworkId, executorId } of recovered.orphans) {
      this.agent.effects.timers.once(`gc-executor:${frameworkId}/${executorId}`, this.agent.options.gcDelayMs, { type: 'agent.gc_executor', frameworkId, executorId });
    }
    this.reconnection.begin(recovered);
  }

  gcExecutor(frameworkId: FrameworkId, executorId: ExecutorId): Promise<void> {
    const agentId = this.registration.id!;
    return this.setup.store.removeExecutor({ agentId, frameworkId, executorId }).then(
      (records) => this.agent.effects.publish({ type: 'agent.executor_removed', hostId: this.agent.hostId, agentId, frameworkId, executorId, records }),
      () => undefined,
    );
  }

  /** Every executor is back (or was given up on): reregister. */
  finishRecovery(): void {
    const now = performance.now();
    this.phases.reconnectMs = now - this.phaseMark;
    this.phaseMark = now;
    this.recordBootId();
    this.registration.reregister();
  }

  /** The master answered a reregistration: after a restart, the first is reported as the recovery. */
  announceReregistration(): void {
    const { effects, hostId } = this.agent;
    if (this.recoveryReported || this.setup.decision.kind !== 'recover') {
      effects.publish({ type: 'agent.reregistered', agentId: this.registration.id!, hostId });
      return;
    }
    this.recoveryReported = true;
    const now = performance.now();
    effects.publish({
      type: 'agent.recovered',
      agentId: this.registration.id!,
      hostId,
      ...this.reconnection.report,
      checkpointErrors: this.setup.checkpointErrors,
      rebooted: this.setup.decision.agent.rebooted,
      tasks: this.agent.book.taskCount,
      recoveryMs: now - this.setup.startedAt,
      phases: { ...this.phases, reregisterMs: now - this.phaseMark },
    });
  }
}
