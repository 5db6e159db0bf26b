// examples/readme/fault-injection.ts
import { LocalCluster } from 'mesolith';

const cluster = await LocalCluster.start({ agent: { executorRegistrationTimeoutMs: 1_000 } });
const fw = await cluster.registerFramework({ name: 'faults' });
const drop = await cluster.system.dropMessages({ type: 'agent.register_executor', count: 1 });
const { taskId } = await fw.launch({ cpus: 0.1, mem: 16, run: { kind: 'command', command: 'true' } });
// … the next executor registration, on whichever thread, is lost …
await drop.dropped;          // resolves once `count` messages were lost (message.dropped events)
const failed = await fw.waitFor(taskId, 'TASK_FAILED');
console.log(failed.reason);  // REASON_EXECUTOR_REGISTRATION_TIMEOUT: the agent gave up on the executor
await cluster.stop();
