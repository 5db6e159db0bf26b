// examples/readme/logs.ts
import { LocalCluster } from 'mesolith';
import { attachLogger, createLogger, logFramework } from 'mesolith/log';

const cluster = await LocalCluster.start();
const logger = createLogger({ level: 'debug' });   // { pretty?, fd? }: default pretty if stderr is a TTY
const detach = attachLogger(cluster, { logger });  // the cluster's events from now on
const framework = await cluster.registerFramework({ name: 'logged' });
logFramework(framework, logger);                   // its task updates: failures as warnings, with reasons
const { taskId } = await framework.launch({ cpus: 0.1, mem: 16, run: { kind: 'command', command: 'exit 1' } });
await framework.waitFor(taskId, 'TASK_FAILED');
detach();
await cluster.stop();
