import { setLongTimeout } from '../actor/index.js';
import type { AgentId, ClusterEventOf } from '../protocol/index.js';
import { ClusterError } from './errors.js';
import type { ClusterEvents } from './events.js';

/**
 * What a restarted agent reported (`agent.recovered`); `fresh` for an agent that registered
 * anew; `cleanedUp` for one started with `recover: 'cleanup'` (it destroyed its executors and
 * does not register).
 */
export interface AgentRecovery extends Partial<Omit<ClusterEventOf<'agent.recovered'>, 'type' | 'agentId' | 'hostId'>> {
  readonly agentId: AgentId;
  readonly hostId: string;
  readonly fresh?: boolean;
  readonly cleanedUp?: boolean;
  /** `startAgent`: why earlier attempts to start the agent failed (a timeout), each retried in a new worker within the wait. */
  readonly startRetries?: readonly string[];
}

/** Waits for hosts' agents to be admitted, each bounded, and all of them rejected when the cluster stops. */
export class Admissions {
  private readonly waiting = new Set<(error: Error) => void>();

  constructor(private readonly events: ClusterEvents) {}

  /**
   * Resolves once the host's agent is admitted: registered anew, or recovered (a work dir that
   * held an earlier cluster), or done cleaning up (`recover: 'cleanup'`). Rejects after
   * `timeoutMs`, or with `ERR_CLUSTER_STOPPED` if the cluster stops first. `cancel()` gives up
   * the wait without settling it, for a caller that rejects on its own. Never left unhandled.
   */
  next(hostId: string, timeoutMs: number): Promise<AgentRecovery> & { cancel(): void } {
    let off = () => {};
    const admitted = new Promise<AgentRecovery>((resolve, reject) => {
      const settle = (outcome: () => void) => {
        off();
        outcome();
      };
      const timer = setLongTimeout(
        () => settle(() => reject(new ClusterError('ERR_CLUSTER_START_TIMEOUT', `the agent of ${hostId} was not admitted by the master within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const onRegistered = (event: ClusterEventOf<'agent.registered'>) => {
        if (event.hostId === hostId) settle(() => resolve({ agentId: event.agentId, hostId, fresh: true }));
      };
      const onRecovered = ({ type: _, ...recovery }: ClusterEventOf<'agent.recovered'>) => {
        if (recovery.hostId === hostId) settle(() => resolve(recovery));
      };
      const onCleanedUp = (event: ClusterEventOf<'agent.cleaned_up'>) => {
        if (event.hostId === hostId) settle(() => resolve({ agentId: event.agentId, hostId, cleanedUp: true }));
      };
      const onStop = (error: Error) => settle(() => reject(error));
      off = () => {
        timer.cancel();
        this.waiting.delete(onStop);
        this.events.off('agent.registered', onRegistered);
        this.events.off('agent.recovered', onRecovered);
        this.events.off('agent.cleaned_up', onCleanedUp);
      };
      this.waiting.add(onStop);
      this.events.on('agent.registered', onRegistered);
      this.events.on('agent.recovered', onRecovered);
      this.events.on('agent.cleaned_up', onCleanedUp);
    });
    admitted.catch(() => undefined);
    return Object.assign(admitted, { cancel: () => off() });
  }

  /** Rejects every wait still pending (the cluster is stopping). */
  rejectAll(error: Error): void {
    for (const reject of [...this.waiting]) reject(error);
  }
}
