import type { StorageFailure } from '../protocol/index.js';
import type { MasterEnv, RegistryWriter } from './core.js';

/** The master's registry operations: each written first, what depends on it done once it is. */
export class RegistryOps {
  /** Registry operations in flight: what to do once each is written (or not). */
  private readonly pendingOps = new Map<number, (written: boolean) => void>();
  private nextOp = 0;
  private registryFailure: { failure: StorageFailure; since: number } | undefined;
  /** Writes the master has acted on already and that failed: written again every `retryMs` until they are. */
  private unwritten: ((registry: RegistryWriter) => Promise<void>)[] = [];

  constructor(
    private readonly env: MasterEnv,
    private readonly retryMs: number,
  ) {}

  /** Why registry writes fail now, if they do. */
  failure(): StorageFailure | undefined {
    return this.registryFailure?.failure;
  }

  /**
   * A registry operation: `then` runs once it is written (or failed), as the master's own
   * message `master.registry_done`, so that it is ordered with everything else the master does
   * (and a test can hold it, as Mesos's tests hold the registrar). A failure is reported once
   * (event and `state()`) until a write succeeds again; the master keeps serving what needs no write.
   */
  persist(write: (registry: RegistryWriter) => Promise<void>, then: (written: boolean) => void): void {
    const op = ++this.nextOp;
    this.pendingOps.set(op, then);
    const done = (ok: boolean) => this.env.toSelf({ type: 'master.registry_done', op, ok });
    if (this.env.registry === null) return done(true);
    write(this.env.registry).then(
      () => done(true),
      (error: unknown) => {
        if (this.registryFailure === undefined) {
          this.registryFailure = { failure: this.env.describeFailure(error), since: this.env.now() };
          this.env.publish({ type: 'master.registry_failed', failure: this.registryFailure.failure });
        }
        done(false);
      },
    );
  }

  /**
   * A write the master does not wait for (it has acted already: a framework's removal, which
   * nobody would ask for again): one that fails is written again every `retryMs` until it is,
   * so that a restarted master does not bring back what this one removed.
   */
  persistUntilWritten(write: (registry: RegistryWriter) => Promise<void>): void {
    this.persist(write, (written) => {
      if (written) return;
      if (this.unwritten.length === 0) this.env.timers.repeat('registry-retry', this.retryMs, { type: 'master.registry_retry' });
      this.unwritten.push(write);
    });
  }

  /** `master.registry_retry`: writes again what failed; the timer stops once nothing is left. */
  retry(): void {
    const again = this.unwritten.splice(0);
    if (again.length === 0) this.env.timers.cancel('registry-retry');
    for (const write of again) this.persistUntilWritten(write);
  }

  /** `master.registry_done`: the operation is written (or failed), and what waited for it runs. */
  settle(op: number, ok: boolean): void {
    const then = this.pendingOps.get(op);
    if (then === undefined) return;
    this.pendingOps.delete(op);
    if (ok && this.registryFailure !== undefined) {
      this.env.publish({ type: 'master.registry_recovered', failedForMs: this.env.now() - this.registryFailure.since });
      this.registryFailure = undefined;
    }
    then(ok);
  }
}
