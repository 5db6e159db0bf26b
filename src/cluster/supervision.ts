import {
  type ActorRef,
  type ActorSystem,
  type Address,
  type Backoff,
  type ChildInfo,
  type ChildSpec,
  type Intensity,
  SUPERVISOR,
  type SupervisorArgs,
  type SupervisorMsg,
  behaviourRef,
} from '../actor/index.js';
import type { AgentArgs, AgentFlags, HostSpec } from '../agent/options.js';
import type { MasterArgs } from '../master/options.js';
import type { AgentMsg, MasterMsg } from '../protocol/index.js';
import type { Host } from './hosts.js';
import type { LocalClusterOptions } from './options.js';

/** A supervisor's restart intensity and backoff: the given ones, or 5 restarts in 60 s, 10 ms doubling to 5 s. */
function restartsOf(restarts: { readonly intensity?: Intensity; readonly backoff?: Backoff } | undefined): Pick<SupervisorArgs, 'intensity' | 'backoff'> {
  return { intensity: restarts?.intensity ?? { maxRestarts: 5, withinMs: 60_000 }, backoff: restarts?.backoff ?? { initialMs: 10, maxMs: 5_000, jitter: 0.2 } };
}

const MASTER = behaviourRef(new URL('../master/behaviour.js', import.meta.url), 'master');
const AGENT = behaviourRef(new URL('../agent/behaviour.js', import.meta.url), 'agent');

/** Supervises the master, whose restarts move it to a new worker. */
export class MasterSupervision {
  private constructor(
    private readonly system: ActorSystem,
    private readonly supervisor: ActorRef<SupervisorMsg>,
    private readonly args: MasterArgs,
    private readonly options: LocalClusterOptions,
  ) {}

  static async start(system: ActorSystem, args: MasterArgs, options: LocalClusterOptions): Promise<MasterSupervision> {
    const supervisor = await system.spawn<SupervisorMsg, SupervisorArgs>(SUPERVISOR, { name: 'masters', args: { strategy: 'one_for_one', ...restartsOf(options.masterRestarts), children: [] } });
    return new MasterSupervision(system, supervisor, args, options);
  }

  /** Whether `supervisor` (of a `supervisor.restarted` event) is the master's. */
  supervises(supervisor: Address): boolean {
    return supervisor === this.supervisor.address;
  }

  /** The master as the child of its supervisor, in a worker of its own. */
  async startMaster(): Promise<ActorRef<MasterMsg>> {
    const child: ChildSpec = {
      id: 'master',
      start: { behaviour: MASTER, args: this.args, name: 'master', worker: 'new' },
      restart: this.options.autoRestartMaster === false ? 'temporary' : 'permanent',
      shutdownMs: 10_000,
    };
    const address = await this.supervisor.ask<string>({ type: 'supervisor.start_child', spec: child }, { timeoutMs: 60_000 });
    return this.system.ref<MasterMsg>(address);
  }

  /** Stops the master gracefully, if it runs. */
  async stopMaster(): Promise<void> {
    await this.supervisor.ask({ type: 'supervisor.terminate_child', id: 'master' }, { timeoutMs: 60_000 });
  }
}

/** Supervises the agents: a root supervisor with one supervisor per host under it, each supervising that host's agent. */
export class AgentSupervision {
  private readonly hostSupervisors = new Map<string, ActorRef<SupervisorMsg>>();

  private constructor(
    private readonly system: ActorSystem,
    private readonly root: ActorRef<SupervisorMsg>,
    private readonly peers: Pick<AgentArgs, 'directory' | 'launcher'>,
    private readonly options: LocalClusterOptions,
  ) {}

  static async start(system: ActorSystem, peers: Pick<AgentArgs, 'directory' | 'launcher'>, options: LocalClusterOptions): Promise<AgentSupervision> {
    const root = await system.spawn<SupervisorMsg, SupervisorArgs>(SUPERVISOR, { name: 'agents', args: { strategy: 'one_for_one', children: [] } });
    return new AgentSupervision(system, root, peers, options);
  }

  /** Whether `supervisor` (of a `supervisor.restarted` event) is the one of that host's agent. */
  supervises(hostId: string, supervisor: Address): boolean {
    return this.hostSupervisors.get(hostId)?.address === supervisor;
  }

  /** Starts a host's agent as the child of that host's supervisor, in a worker of its own. */
  async spawnAgent(spec: HostSpec, flags: AgentFlags | undefined): Promise<ActorRef<AgentMsg>> {
    const args: AgentArgs = { ...this.peers, host: spec, ...(flags === undefined ? {} : { flags }) };
    const child: ChildSpec = {
      id: spec.hostId,
      start: { behaviour: AGENT, args, name: `agent-${spec.hostId}`, worker: 'new' },
      // transient: a crash is restarted, a clean exit (recover: 'cleanup') is not.
      restart: this.options.autoRestartAgents === false ? 'temporary' : 'transient',
      shutdownMs: 5_000,
    };
    const supervisor = await this.hostSupervisor(spec.hostId);
    const address = await supervisor.ask<string>({ type: 'supervisor.start_child', spec: child }, { timeoutMs: 60_000 });
    return this.system.ref<AgentMsg>(address);
  }

  /** Retires the host's agent child (stopping the agent if it runs) and ends its worker. */
  async retireAgent(host: Host): Promise<void> {
    const supervisor = await this.hostSupervisor(host.spec.hostId);
    const node = host.agent.node;
    await supervisor.ask({ type: 'supervisor.terminate_child', id: host.spec.hostId }, { timeoutMs: 60_000 });
    // The agent had that worker to itself; stopped cleanly, it would otherwise stay, empty.
    if (this.system.workers().includes(node)) await this.system.terminateWorker(node);
  }

  /**
   * The host's supervisor, started (again) under the root if it is not running — at the start,
   * or after it gave its agent up. One per host, so that an agent that keeps failing uses up
   * its own host's restart intensity, not its neighbours'.
   */
  private async hostSupervisor(hostId: string): Promise<ActorRef<SupervisorMsg>> {
    const running = await this.root.ask<ChildInfo[]>({ type: 'supervisor.which_children' });
    const current = running.find((child) => child.id === hostId)?.ref;
    if (current !== undefined && current !== null) return this.system.ref<SupervisorMsg>(current);
    const spec: ChildSpec = {
      id: hostId,
      start: { behaviour: SUPERVISOR, name: `supervisor-${hostId}`, args: { strategy: 'one_for_one', ...restartsOf(this.options.agentRestarts), children: [] } satisfies SupervisorArgs },
      // Given up after too many restarts: the host stays down until startAgent.
      restart: 'temporary',
      shutdownMs: 10_000,
    };
    const address = await this.root.ask<string>({ type: 'supervisor.start_child', spec }, { timeoutMs: 60_000 });
    const supervisor = this.system.ref<SupervisorMsg>(address);
    this.hostSupervisors.set(hostId, supervisor);
    return supervisor;
  }
}
