// examples/readme/local-cluster.ts
import { LocalCluster } from 'mesolith';

const cluster = await LocalCluster.start({ agents: 3 });        // master + 3 agents, each in a worker
const fw = await cluster.registerFramework({ name: 'demo', checkpoint: true });
fw.on('update', (s) => console.log(s.taskId, s.state));
const { taskId } = await fw.launch({
  cpus: 0.5, mem: 64,
  run: { kind: 'js', module: new URL('./jobs.js', import.meta.url).href, export: 'resize', args: { id: 7 } },
  // executor: { executorId: 'pool', isolation: 'shared' }   // many tasks, one executor
});
const done = await fw.waitFor(taskId, 'TASK_FINISHED');
console.log(done.data);                                      // what resize() returned: { id: 7, width: 640 }
await cluster.stop();
