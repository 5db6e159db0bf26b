/**
 * `mesolith cluster`: a local cluster, its HTTP API and web view, and its logs, until SIGINT or
 * SIGTERM (or, with --demo, until the demo workload is done).
 */
import { rmSync } from 'node:fs';
import { LocalCluster, type LocalClusterOptions } from '../../index.js';
import { checkBind } from '../../http/auth.js';
import { type ClusterServer, serveCluster } from '../../http/server.js';
import { type LogLevel, attachLogger, createLogger, logFramework } from '../../log/logger.js';
import { clusterOptionsFrom } from '../cluster-flags.js';
import { DEMO_FLAG_DEFAULTS, DEMO_HOST, runClusterDemo } from '../demo/cluster-demo.js';
import { onStopSignals } from '../signals.js';
import { summaryLines } from '../summary.js';

export interface ClusterCommandValues {
  readonly agents: number;
  readonly workDir?: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: LogLevel;
  readonly authToken?: string;
  readonly demo: boolean;
  readonly seconds: number;
  readonly inFlight: number;
  readonly [flag: string]: unknown;
}

/** Where each value came from (commander's `getOptionValueSource`): `default` ones the demo may override. */
export type ValueSource = (key: string) => string | undefined;

function clusterOptions(values: ClusterCommandValues, sourceOf: ValueSource): LocalClusterOptions {
  const flags = values.demo
    ? { ...values, ...Object.fromEntries(Object.entries(DEMO_FLAG_DEFAULTS).filter(([key]) => sourceOf(key) === 'default')) }
    : values;
  return {
    ...clusterOptionsFrom(flags),
    agents: values.demo ? Array.from({ length: values.agents }, () => DEMO_HOST) : values.agents,
    ...(values.workDir === undefined ? {} : { workDir: values.workDir }),
  };
}

/** Runs the command; resolves with the process's exit code. */
export async function runCluster(values: ClusterCommandValues, sourceOf: ValueSource, out: (line: string) => void): Promise<number> {
  checkBind(values.host, values.authToken);
  const logger = createLogger({ level: values.logLevel });
  let cluster: LocalCluster | undefined;
  const stop = onStopSignals(
    (name) => out(`${name}: stopping gracefully (again to exit at once); running tasks stay in the checkpoint`),
    // Exiting at once: at least leave no temp work dir behind.
    () => {
      if (cluster !== undefined && values.workDir === undefined) rmSync(cluster.workDir, { recursive: true, force: true });
    },
  );
  const startedAt = Date.now();
  let server: ClusterServer | undefined;
  let detachLogger = () => {};
  try {
    cluster = await LocalCluster.start(clusterOptions(values, sourceOf));
    detachLogger = attachLogger(cluster, { logger });
    server = await serveCluster(cluster, { host: values.host, port: values.port, ...(values.authToken === undefined ? {} : { authToken: values.authToken }), logger });
    out(`mesolith cluster: ${server.url} (${cluster.agentIds().length} agents; work dir ${cluster.workDir}, ${values.workDir === undefined ? 'removed at exit' : 'kept'})`);
    let demoOk = true;
    if (values.demo) {
      const result = await runClusterDemo(cluster, { seconds: values.seconds, inFlight: values.inFlight, out, signal: stop.signal, onFramework: (fw) => logFramework(fw, logger) });
      demoOk = result.ok || result.interrupted;
    } else {
      out('press Ctrl-C to stop');
      if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
    }
    const snapshot = await server.monitor.snapshot();
    const summary = summaryLines(snapshot, (id) => server!.monitor.agentStatus(id), Date.now() - startedAt);
    await server.close();
    server = undefined;
    detachLogger();
    await cluster.stop();
    cluster = undefined;
    for (const line of summary) out(line);
    return demoOk ? 0 : 1;
  } finally {
    await server?.close();
    detachLogger();
    await cluster?.stop();
    stop.dispose();
    logger.flush();
  }
}
