// examples/readme/recovery.ts
import { LocalCluster } from 'mesolith';

const cluster = await LocalCluster.start({ agents: 3 });   // agents supervised: a crash is restarted
const fw = await cluster.registerFramework({ name: 'jobs', checkpoint: true });
const { taskId, agentId } = await fw.launch({ cpus: 0.5, mem: 64,
  run: { kind: 'js', module: new URL('./jobs.js', import.meta.url).href, export: 'serve' } });
await fw.waitFor(taskId, 'TASK_RUNNING');
const recovered = cluster.nextRecovery(agentId);
await cluster.crashAgent(agentId);        // the agent's worker dies at its next turn, mid-whatever
console.log(await recovered);             // { agentId (same), reconnected, destroyed, lost, recoveryMs, phases }
await cluster.restartAgent(agentId, { executorReregistrationTimeoutMs: 5_000 });  // an upgrade
await cluster.rebootHost(agentId);        // every worker of the host dies; new boot id
const ended = await fw.waitFor(taskId, 'TASK_FAILED');   // its executor died with the host
console.log(ended.state, ended.reason);
await cluster.stop();
