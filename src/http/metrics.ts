/**
 * `GET /metrics`: Prometheus text exposition, with prom-client. Each scrape takes one snapshot
 * (the runtime's stats, the cluster's state, the agents' metrics) and every metric reads it;
 * recovery durations are observed as `agent.recovered` events arrive.
 */
import { Counter, Gauge, Histogram, type MetricType, Registry, collectDefaultMetrics } from 'prom-client';
import type { SystemStats } from '../index.js';
import { type AgentMetrics, actorRole, agentMetrics } from '../observe/cluster-adapter.js';
import type { ClusterMonitor, ClusterSnapshot } from '../observe/monitor.js';

interface Scrape {
  readonly stats: SystemStats;
  readonly snapshot: ClusterSnapshot;
  readonly agents: readonly AgentMetrics[];
}

// prom-client's typings declare `type` a numeric enum; at run time (and in the exposition) it is the string.
const HISTOGRAM = 'histogram' as unknown as MetricType;

const RECOVERY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * A histogram whose buckets are counted elsewhere (by each agent, cumulatively): it reports them
 * as they are instead of observing values itself.
 */
class ReportedHistogram extends Histogram<'agent_id'> {
  constructor(
    private readonly metricName: string,
    private readonly helpText: string,
    private readonly read: () => readonly AgentMetrics[],
  ) {
    super({ name: metricName, help: helpText, labelNames: ['agent_id'], registers: [] });
  }

  override async get() {
    // `le` is the label prom-client reserves for the buckets it would count itself.
    const bucket = (agentId: string, le: number | string) => ({ agent_id: agentId, le }) as { agent_id: string };
    const values = this.read().flatMap(({ agentId, checkpointWrites: w }) => [
      ...w.buckets.map((b) => ({ metricName: `${this.metricName}_bucket`, labels: bucket(agentId, b.le), value: b.count })),
      { metricName: `${this.metricName}_bucket`, labels: bucket(agentId, '+Inf'), value: w.count },
      { metricName: `${this.metricName}_sum`, labels: { agent_id: agentId }, value: w.sumSeconds },
      { metricName: `${this.metricName}_count`, labels: { agent_id: agentId }, value: w.count },
    ]);
    return { name: this.metricName, help: this.helpText, type: HISTOGRAM, values, aggregator: 'sum' as const, collect: () => undefined };
  }
}

export class ClusterMetrics {
  readonly registry = new Registry();
  private current: Scrape | undefined;
  private scraping: Promise<string> = Promise.resolve('');

  constructor(private readonly monitor: ClusterMonitor) {
    const registers = [this.registry];
    const scrape = () => this.current;
    const perRole = (pick: (a: SystemStats['nodes'][number]['actors'][number]) => number) => {
      const totals = new Map<string, number>();
      for (const node of scrape()?.stats.nodes ?? []) for (const actor of node.actors) totals.set(actorRole(actor.address), (totals.get(actorRole(actor.address)) ?? 0) + pick(actor));
      return totals;
    };
    const countBy = <V>(items: readonly V[], key: (item: V) => string) => {
      const counts = new Map<string, number>();
      for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
      return counts;
    };

    // Read from a source at each scrape: reset, then set to the source's values. Counters come
    // from cumulative sources (they restart at 0 with their actor, as a counter may).
    const sampled = <T extends string>(kind: 'counter' | 'gauge', name: string, help: string, label: T, values: () => ReadonlyMap<string, number>) => {
      const refill = (metric: { reset(): void; inc(labels: Partial<Record<T, string>>, value: number): void }) => {
        metric.reset();
        for (const [key, value] of values()) metric.inc({ [label]: key } as Partial<Record<T, string>>, value);
      };
      const config = { name, help, labelNames: [label], registers };
      return kind === 'counter' ? new Counter<T>({ ...config, collect() { refill(this); } }) : new Gauge<T>({ ...config, collect() { refill(this); } });
    };

    sampled('counter', 'mesolith_messages_received_total', 'Messages received by actors, by role (since each actor started)', 'role', () => perRole((a) => a.received));
    sampled('counter', 'mesolith_messages_processed_total', 'Messages processed by actors, by role (since each actor started)', 'role', () => perRole((a) => a.processed));
    sampled('counter', 'mesolith_dead_letters_total', 'Messages that could not be delivered, by reason', 'reason', () => new Map(Object.entries(scrape()?.stats.deadLetters.byReason ?? {})));
    sampled('gauge', 'mesolith_mailbox_depth', 'Messages waiting in mailboxes, by actor role', 'role', () => perRole((a) => a.mailboxDepth));
    sampled('gauge', 'mesolith_actors', 'Running actors, by role', 'role', () => perRole(() => 1));
    sampled('gauge', 'mesolith_tasks', 'Tasks the master knows, by state', 'state', () => countBy(scrape()?.snapshot.tasks ?? [], (t) => t.state));
    sampled('gauge', 'mesolith_agents', 'Agents the master lists, by status', 'status', () => countBy(scrape()?.snapshot.agents ?? [], (a) => this.monitor.agentStatus(a.id)));
    sampled('gauge', 'mesolith_frameworks', 'Frameworks, by whether their scheduler is connected', 'connected', () => countBy(scrape()?.snapshot.frameworks ?? [], (f) => String(f.connected)));
    sampled('counter', 'mesolith_agent_crashes_total', 'Agent crashes seen by each host supervisor since this server started', 'host_id', () => new Map(this.monitor.hostRecords().map((h) => [h.hostId, h.crashes])));
    sampled('counter', 'mesolith_agent_recoveries_total', 'Agent recoveries from the checkpoint since this server started', 'host_id', () => new Map(this.monitor.hostRecords().map((h) => [h.hostId, h.recoveries])));
    sampled('counter', 'mesolith_checkpoint_write_failures_total', 'Checkpoint writes that did not become durable (a full disk, an I/O error), by agent', 'agent_id', () => new Map((scrape()?.agents ?? []).map((a) => [a.agentId, a.checkpointFailedWrites])));
    sampled('gauge', 'mesolith_checkpoint_healthy', 'Whether each agent can write its checkpoint (1) or not (0)', 'agent_id', () => new Map((scrape()?.agents ?? []).map((a) => [a.agentId, a.checkpointHealthy ? 1 : 0])));
    sampled('gauge', 'mesolith_status_updates_unacknowledged', 'Status updates each agent holds that the framework has not acknowledged', 'agent_id', () => new Map((scrape()?.agents ?? []).map((a) => [a.agentId, a.unacknowledgedUpdates])));
    this.registry.registerMetric(new ReportedHistogram('mesolith_checkpoint_write_duration_seconds', 'Checkpoint write latency of each agent, from the write to its flush (seconds)', () => scrape()?.agents ?? []));

    const phases = new Histogram<'phase'>({ name: 'mesolith_agent_recovery_duration_seconds', help: 'Agent recovery time, by phase (checkpoint_read, reconnect, reregister) and in total', labelNames: ['phase'], buckets: RECOVERY_BUCKETS, registers });
    monitor.on('event', (event) => {
      if (event.name !== 'agent.recovered') return;
      const { phases: p, recoveryMs } = event.recovery;
      if (recoveryMs !== undefined) phases.observe({ phase: 'total' }, recoveryMs / 1000);
      if (p === undefined) return;
      phases.observe({ phase: 'checkpoint_read' }, p.checkpointReadMs / 1000);
      phases.observe({ phase: 'reconnect' }, p.reconnectMs / 1000);
      phases.observe({ phase: 'reregister' }, p.reregisterMs / 1000);
    });
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** One scrape at a time: each reads the snapshot it took. */
  render(): Promise<string> {
    this.scraping = this.scraping.catch(() => '').then(async () => {
      const [stats, snapshot, agents] = await Promise.all([this.monitor.cluster.system.stats(), this.monitor.snapshot(), agentMetrics(this.monitor.cluster)]);
      this.current = { stats, snapshot, agents };
      return this.registry.metrics();
    });
    return this.scraping;
  }
}
