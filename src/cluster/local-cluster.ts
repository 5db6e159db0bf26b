import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ActorRef, ActorSystem } from '../actor/index.js';
import type { AgentFlags } from '../agent/options.js';
import type { AgentId, AgentMsg, AgentSnapshot, DirectoryMsg, FrameworkInfo, LauncherMsg, LauncherSelfMsg, MasterMsg, MasterState } from '../protocol/index.js';
import { Framework, type FrameworkOptions } from '../scheduler/framework.js';
import { directory } from './directory.js';
import { Admissions, type AgentRecovery } from './admissions.js';
import { ClusterError } from './errors.js';
import { ClusterEvents } from './events.js';
import { Hosts, hostSpecs } from './hosts.js';
import { launcher } from './launcher.js';
import { type HostOptions, type LocalClusterOptions, validateAgentFlags, validateClusterOptions, validateFrameworkInfo } from './options.js';
import { AgentSupervision, MasterSupervision } from './supervision.js';
import { claimWorkDir, releaseWorkDir } from './work-dirs.js';

export type { AgentRecovery, HostOptions, LocalClusterOptions };

/** `state()`: the master's view, plus what each host's last agent recovery did. */
export interface ClusterState extends MasterState {
  readonly recoveries: Readonly<Record<string, AgentRecovery>>;
}

/** How long `startAgent` (and `restartAgent`, `rebootHost`) waits for the agent to be admitted, its retries included. */
const ADMISSION_MS = 60_000;

/** Failures of an agent's start that another attempt may not meet: a timeout, not a refusal. */
const isTransient = (error: unknown): boolean => ['ERR_ASK_TIMEOUT', 'ERR_SPAWN_TIMEOUT'].includes((error as { code?: unknown } | null)?.code as string);

/**
 * A whole cluster in one process: a master in its own worker, one agent per simulated host in
 * its own worker (each host with its own work dir and boot id), and the host's executor
 * launcher on the main thread.
 */
export class LocalCluster {
  /** The roles' events, typed (`agent.recovered`, `master.agent_unreachable`, …). */
  readonly events: ClusterEvents;
  private readonly hosts: Hosts;
  private readonly frameworks: Framework[] = [];
  private currentMaster!: ActorRef<MasterMsg>;
  private directory!: ActorRef<DirectoryMsg>;
  private launcher!: ActorRef<LauncherMsg | LauncherSelfMsg>;
  private agentSupervision!: AgentSupervision;
  private masterSupervision!: MasterSupervision;
  private stopped = false;
  /** Waits for admissions (`start`, `startAgent`, `nextRecovery`): each is rejected if the cluster stops first. */
  private readonly admissions: Admissions;

  private constructor(
    readonly system: ActorSystem,
    readonly workDir: string,
    private readonly options: LocalClusterOptions,
    private readonly claim: string,
    private readonly ownsWorkDir: boolean,
  ) {
    this.events = new ClusterEvents(system);
    this.admissions = new Admissions(this.events);
    this.hosts = new Hosts(this.events);
    system.events.on('supervisor.restarted', (event) => {
      if (this.masterSupervision?.supervises(event.supervisor)) {
        void this.masterMoved(system.ref<MasterMsg>(event.ref));
        return;
      }
      if (!this.agentSupervision?.supervises(event.child, event.supervisor)) return;
      const host = this.hosts.byHostId(event.child);
      if (host === undefined) return;
      host.agent = system.ref<AgentMsg>(event.ref);
      // It asked the directory for the master while starting, maybe before a failover updated it.
      host.agent.tell({ type: 'agent.master_changed', master: this.currentMaster });
    });
  }

  /**
   * Starts a master and one agent per host, and resolves once every agent is admitted
   * (registered, or recovered and reregistered). Rejects with a coded error — bad options
   * (`ERR_INVALID_OPTIONS`), a work dir in use (`ERR_WORK_DIR_IN_USE`, `ERR_CHECKPOINT_LOCKED`),
   * an agent that refuses to start, `ERR_CLUSTER_START_TIMEOUT` — and leaves nothing running.
   */
  static async start(options: LocalClusterOptions = {}): Promise<LocalCluster> {
    validateClusterOptions(options);
    const ownsWorkDir = options.workDir === undefined;
    const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'mesolith-cluster-'));
    const claim = claimWorkDir(workDir);
    let system: ActorSystem | undefined;
    try {
      system = await ActorSystem.start({ name: 'cluster', ...options.system });
      const cluster = new LocalCluster(system, workDir, options, claim, ownsWorkDir);
      await cluster.boot();
      return cluster;
    } catch (error) {
      await system?.stop();
      releaseWorkDir(claim);
      if (ownsWorkDir) rmSync(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  private async boot(): Promise<void> {
    const { system, options, workDir } = this;
    // The master keeps its registry under the work dir, so that a restarted master readmits
    // the agents and frameworks it had admitted.
    this.masterSupervision = await MasterSupervision.start(system, { ...options.master, workDir: join(workDir, 'master') }, options);
    this.currentMaster = await this.masterSupervision.startMaster();
    this.directory = await system.spawn<DirectoryMsg>(directory(this.currentMaster), { name: 'directory' });
    this.launcher = await system.spawn(launcher(system, { executorsPerSharedWorker: options.executorsPerSharedWorker ?? 256 }), { name: 'launcher' });
    this.agentSupervision = await AgentSupervision.start(system, { directory: this.directory, launcher: this.launcher }, options);
    const specs = hostSpecs(options.agents, workDir);
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    const admitted = specs.map((spec) => this.admissions.next(spec.hostId, timeoutMs));
    try {
      for (const spec of specs) {
        mkdirSync(spec.workDir, { recursive: true });
        const agent = await this.agentSupervision.spawnAgent(spec, options.agent);
        this.hosts.add(spec, agent, options.agent);
      }
      await Promise.all(admitted);
    } finally {
      for (const admission of admitted) admission.cancel();
    }
  }

  /** Agent ids in host order. */
  agentIds(): AgentId[] {
    return this.hosts.agentIds();
  }

  /** The agent actor of an agent id (its `node` is the agent's worker). */
  agentRef(agentId: AgentId | string): ActorRef<AgentMsg> {
    return this.hosts.byAgentId(agentId).agent;
  }

  /** What an agent knows (its executors, tasks, checkpoint health and write latency). */
  agentState(agentId: AgentId | string, timeoutMs = 5_000): Promise<AgentSnapshot> {
    return this.hosts.byAgentId(agentId).agent.ask<AgentSnapshot>({ type: 'agent.state' }, { timeoutMs });
  }

  /**
   * Fault injection: the agent's worker is ended abruptly, mid-whatever, as SIGKILL ends a
   * mesos-agent (`system.terminateWorker`: it does nothing after its current turn of the event
   * loop). Its executors keep running (they are not in its worker). With
   * `autoRestartAgents` the supervisor starts it again; `nextRecovery()` waits for that.
   */
  async crashAgent(agentId: AgentId | string): Promise<void> {
    await this.system.terminateWorker(this.hosts.byAgentId(agentId).agent.node);
  }

  /** Resolves with the next recovery (or fresh registration) reported by that host's agent; rejects after `timeoutMs` (default 60 s). */
  nextRecovery(agentId: AgentId | string, timeoutMs = 60_000): Promise<AgentRecovery> {
    // A fresh registration after a reboot changes the agent id; the host stays the key.
    return this.admissions.next(this.hosts.byAgentId(agentId).spec.hostId, timeoutMs);
  }

  /**
   * Shuts an agent down for good, as an operator decommissioning it: it kills its tasks, ends
   * its executors and unregisters; the master removes it at once. `startAgent` later brings it
   * back on the same work dir, with the same id.
   */
  async shutdownAgent(agentId: AgentId | string): Promise<void> {
    const host = this.hosts.byAgentId(agentId);
    await host.agent.ask({ type: 'agent.shutdown' }, { timeoutMs: 60_000 });
    await this.agentSupervision.retireAgent(host);
  }

  /** Stops an agent gracefully (it does not come back by itself). Its executors keep running. */
  async stopAgent(agentId: AgentId | string): Promise<void> {
    await this.agentSupervision.retireAgent(this.hosts.byAgentId(agentId));
  }

  /**
   * Starts the agent of that host on its work dir and boot id, with `flags` merged over its
   * previous ones. Resolves with what recovery reported once the master has admitted it;
   * rejects if the agent refuses to start (a corrupt checkpoint with `strict`, or an
   * incompatible reconfiguration), with the agent's error. A start that times out (an ask of
   * its setup, or the spawn) is tried again in a new worker within the 60 s wait, and the
   * recovery's `startRetries` says why.
   */
  async startAgent(agentId: AgentId | string, flags?: AgentFlags, changes?: HostOptions): Promise<AgentRecovery> {
    const host = this.hosts.byAgentId(agentId);
    validateAgentFlags(flags);
    if (flags !== undefined) host.flags = { ...host.flags, ...flags };
    if (changes !== undefined) host.spec = { ...host.spec, ...changes };
    // The supervisor may not have handled the old agent's death yet: retire its child first.
    await this.agentSupervision.retireAgent(host);
    const deadline = Date.now() + ADMISSION_MS;
    const startRetries: string[] = [];
    for (;;) {
      const recovered = this.admissions.next(host.spec.hostId, Math.max(1, deadline - Date.now()));
      try {
        host.agent = await this.agentSupervision.spawnAgent(host.spec, host.flags);
      } catch (error) {
        recovered.cancel();
        // A start that timed out (its setup's ask, or the spawn) is tried again in a new worker,
        // as the supervisor does after a crash; a refusal (a corrupt checkpoint, an incompatible
        // host) is the answer.
        if (!isTransient(error) || Date.now() >= deadline) throw error;
        startRetries.push((error as Error).message);
        continue;
      }
      const recovery = await recovered;
      return startRetries.length === 0 ? recovery : { ...recovery, startRetries };
    }
  }

  /** Graceful stop and start: an upgrade, or a flag change. */
  async restartAgent(agentId: AgentId | string, flags?: AgentFlags, changes?: HostOptions): Promise<AgentRecovery> {
    validateAgentFlags(flags);
    await this.stopAgent(agentId);
    return this.startAgent(agentId, flags, changes);
  }

  /**
   * Fault injection: the host of that agent reboots. Every worker on it dies abruptly (agent
   * and executors, as `crashAgent`), the host gets a new boot id, and the agent starts again: it keeps its id
   * if its info is compatible, and its tasks end TASK_FAILED (their executors are gone).
   */
  async rebootHost(agentId: AgentId | string, flags?: AgentFlags, changes?: HostOptions): Promise<AgentRecovery> {
    const host = this.hosts.byAgentId(agentId);
    // The agent first, so that it does not see its executors die one by one and report it.
    await this.system.terminateWorker(host.agent.node);
    await this.launcher.ask({ type: 'launcher.destroy_host', hostId: host.spec.hostId }, { timeoutMs: 60_000 });
    await this.agentSupervision.retireAgent(host);
    host.spec = { ...host.spec, bootId: randomUUID() };
    return this.startAgent(agentId, flags, changes);
  }

  /** The current master. */
  get master(): ActorRef<MasterMsg> {
    return this.currentMaster;
  }

  /**
   * A new master runs (restarted by its supervisor, or by `restartMaster`): agents, frameworks
   * and the directory are pointed at it, and the worker of the one it replaces is ended.
   */
  private async masterMoved(master: ActorRef<MasterMsg>): Promise<void> {
    const old = this.currentMaster;
    this.currentMaster = master;
    if (old.node !== master.node && this.system.workers().includes(old.node)) await this.system.terminateWorker(old.node);
    this.directory.tell({ type: 'directory.set_master', master });
    for (const host of this.hosts) host.agent.tell({ type: 'agent.master_changed', master });
    // A framework that cannot subscribe again in time hears it from its own registration error.
    await Promise.all(this.frameworks.map((framework) => framework.masterChanged(master).catch(() => undefined)));
  }

  /** Fault injection: the master's worker is ended abruptly (as `crashAgent`). Agents and executors keep running; with `autoRestartMaster` its supervisor starts a new one. */
  async crashMaster(): Promise<void> {
    await this.system.terminateWorker(this.currentMaster.node);
  }

  /**
   * Starts a new master (stopping the old one gracefully if it runs). It reads its registry;
   * agents and frameworks are pointed at it and reregister, and it learns the running tasks
   * from the agents. Resolves once the frameworks have subscribed to it again.
   */
  async restartMaster(): Promise<void> {
    await this.masterSupervision.stopMaster();
    await this.masterMoved(await this.masterSupervision.startMaster());
  }

  async registerFramework(info: Partial<FrameworkInfo> & { name: string }, options?: FrameworkOptions): Promise<Framework> {
    validateFrameworkInfo(info);
    const framework = await Framework.register(this.system, this.master, { checkpoint: false, ...info }, options);
    this.frameworks.push(framework);
    return framework;
  }

  /** A snapshot in the spirit of Mesos's /state: agents, frameworks, tasks and their states, and the last recovery of each host. */
  async state(): Promise<ClusterState> {
    const master = await this.master.ask<MasterState>({ type: 'master.state' });
    return { ...master, recoveries: this.hosts.lastRecoveries() };
  }

  /** Stops every actor and worker; removes the work dir if the cluster made it. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.admissions.rejectAll(new ClusterError('ERR_CLUSTER_STOPPED', 'the cluster stopped before the agent was admitted'));
    await this.system.stop();
    this.events.removeAllListeners();
    releaseWorkDir(this.claim);
    if (this.ownsWorkDir) rmSync(this.workDir, { recursive: true, force: true });
  }
}
