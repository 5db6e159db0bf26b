import type { MasterMsg, MasterSelfMsg, MasterState } from '../protocol/index.js';
import { AgentAdmission } from './agent-admission.js';
import { AgentLoss } from './agent-loss.js';
import { MasterBook } from './book.js';
import type { Admitted, MasterCore, MasterEnv, Sender } from './core.js';
import { Frameworks } from './frameworks.js';
import { Offers } from './offers.js';
import type { MasterOptions } from './options.js';
import { RegistryOps } from './registry-ops.js';
import { masterState } from './state.js';
import { Tasks } from './tasks.js';

export type { Admitted, MasterEnv, RegistryWriter, Sender } from './core.js';

const NOTHING_ADMITTED: Admitted = { agents: new Map(), unreachable: new Map(), frameworks: new Map(), lastAgent: 0, lastFramework: 0 };

/**
 * The master's logic, apart from its actor: admits agents and frameworks, offers each agent's
 * free resources to frameworks in turn, validates and routes launches, forwards status updates
 * and their acknowledgements, answers reconciliation, and follows each agent through
 * disconnection, unreachability, removal and reregistration as Mesos's master does — the
 * registry written first, memory changed once it is (`master.registry_done`).
 */
export class Master {
  private readonly book: MasterBook;
  private readonly registry: RegistryOps;
  private readonly offers: Offers;
  private readonly agentAdmission: AgentAdmission;
  private readonly agentLoss: AgentLoss;
  private readonly frameworks: Frameworks;
  private readonly tasks: Tasks;

  constructor(
    options: MasterOptions,
    private readonly env: MasterEnv,
    admitted: Admitted = NOTHING_ADMITTED,
  ) {
    this.book = new MasterBook(options, env, admitted);
    this.registry = new RegistryOps(env, options.registryRetryMs);
    this.offers = new Offers({
      agents: this.book.agents,
      frameworks: this.book.frameworks,
      timers: env.timers,
      offerTimeoutMs: options.offerTimeoutMs,
      now: () => env.now(),
      newOfferId: () => env.newOfferId(),
      publish: (event) => env.publish(event),
    });
    const core: MasterCore = { options, env, book: this.book, offers: this.offers, registry: this.registry };
    this.agentLoss = new AgentLoss(core);
    this.agentAdmission = new AgentAdmission(core, this.agentLoss, admitted.lastAgent);
    this.frameworks = new Frameworks(core, admitted.lastFramework);
    this.tasks = new Tasks(core);
    env.timers.repeat('ping', options.agentPingTimeoutMs, { type: 'master.ping_all' });
    env.timers.repeat('registry-gc', options.registryGcIntervalMs, { type: 'master.registry_gc' });
    // Mesos: agents of the registry that do not come back within the reregistration timeout are marked unreachable.
    if (this.book.recovered.size > 0) env.timers.once('recovered-agents', options.agentReregisterTimeoutMs, { type: 'master.recovered_agents_timeout' });
  }

  receive(message: MasterMsg | MasterSelfMsg, sender: Sender): unknown {
    switch (message.type) {
      case 'master.register_agent':
        return this.agentAdmission.registerAgent(message.agent, message.info, message.reservations);
      case 'master.unregister_agent':
        return this.agentLoss.unregisterAgent(message.agentId, sender);
      case 'master.agent_recovering':
        return this.agentAdmission.agentRecovering(message.agentId, message.agent);
      case 'master.reregister_agent':
        return this.agentAdmission.reregisterAgent(message);
      case 'master.register_framework':
        return this.frameworks.registerFramework(message.scheduler, message.info, message.frameworkId);
      case 'master.accept':
        return this.frameworks.fromScheduler(message.frameworkId, sender, (framework) => this.tasks.accept(framework, message.offerId, message.tasks));
      case 'master.decline':
        return this.frameworks.fromScheduler(message.frameworkId, sender, () => this.offers.decline(message.frameworkId, message.offerId, message.refuseMs ?? 5_000));
      case 'master.revive':
        return this.frameworks.fromScheduler(message.frameworkId, sender, () => this.offers.revive(message.frameworkId));
      case 'master.teardown':
        return this.frameworks.fromScheduler(message.frameworkId, sender, () => this.frameworks.teardown(message.frameworkId, 'the framework tore itself down'));
      case 'master.reserve':
      case 'master.unreserve':
        return this.frameworks.fromScheduler(message.frameworkId, sender, () => this.offers.changeReservation(message), `framework ${message.frameworkId} is not registered with this scheduler`);
      case 'master.status_update':
        return this.tasks.statusUpdate(message.agentId, message.status, sender);
      case 'master.acknowledge':
        return this.tasks.acknowledge(message.frameworkId, message.taskId, message.uuid, message.agentId);
      case 'master.kill_task':
        return this.frameworks.fromScheduler(message.frameworkId, sender, (framework) => this.tasks.kill(framework, message.taskId, message.agentId));
      case 'master.reconcile':
        return this.frameworks.fromScheduler(message.frameworkId, sender, (framework) => this.tasks.reconcile(framework, message.tasks));
      case 'master.state':
        return this.state();
      case 'master.offer_timeout':
        return this.offers.rescind(message.offerId);
      case 'master.failover_timeout':
        return this.frameworks.failoverTimeout(message.frameworkId);
      case 'master.allocate':
        return this.offers.allocate();
      case 'master.ping_all':
        this.book.completedTasks.expire(this.env.now());
        return this.agentLoss.pingAll();
      case 'master.ping_result':
        return this.agentLoss.pingResult(message.agentId, message.ok);
      case 'master.registry_done':
        return this.registry.settle(message.op, message.ok);
      case 'master.reregister_timeout':
        return this.agentLoss.reregisterTimeout(message.agentId, message.since);
      case 'master.recovered_agents_timeout':
        return this.agentLoss.recoveredAgentsTimeout();
      case 'master.registry_gc':
        return this.agentLoss.registryGc();
      case 'master.registry_retry':
        return this.registry.retry();
    }
  }

  /** A watched actor is gone: an agent (disconnected) or a scheduler (its framework waits for a failover). */
  down(address: string, shutdown: boolean): void {
    for (const agent of this.book.agents.values()) if (agent.ref.address === address && agent.connected) this.agentLoss.disconnected(agent);
    // A scheduler stopped by the system's own shutdown has nothing to fail over to.
    if (shutdown) return;
    for (const framework of this.book.frameworks.values()) if (framework.connected && framework.scheduler.address === address) this.frameworks.schedulerGone(framework);
  }

  state(): MasterState {
    return masterState(this.book, this.registry.failure());
  }
}
