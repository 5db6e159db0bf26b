/**
 * A program serving its own cluster's HTTP API (`serveCluster` from `mesolith/http`), then
 * reading `/state` and `/metrics` over HTTP, as a monitoring tool would.
 *
 *   npm run example -- http-state           (or, after npm run build: node dist/examples/http-state/main.js)
 */
import { LocalCluster } from 'mesolith';
import { type StateJson, serveCluster } from 'mesolith/http';

const cluster = await LocalCluster.start({ agents: 2 });
const framework = await cluster.registerFramework({ name: 'http-example' });
const { taskId } = await framework.launch({ cpus: 0.5, mem: 32, run: { kind: 'command', command: 'true' } });
await framework.waitFor(taskId, 'TASK_FINISHED');

// Port 0: any free port; `url` says which. Only 127.0.0.1 without an auth token.
const server = await serveCluster(cluster, { port: 0 });
console.log(`serving: ${server.url}`);

const state = (await (await fetch(`${server.url}/state`)).json()) as StateJson;
console.log(`/state: version ${state.version}, master ${state.pid}, ${state.activated_slaves} active agent(s)`);
for (const agent of state.slaves) console.log(`/state: agent ${agent.id} on ${agent.host_id} is ${agent.status}, cpus ${agent.resources.cpus}`);
for (const fw of state.frameworks) console.log(`/state: framework ${fw.name} (${fw.id}): ${fw.tasks.length} running, ${fw.completed_tasks.length} completed`);

const metrics = await (await fetch(`${server.url}/metrics`)).text();
const wanted = /^mesolith_(agents|tasks|frameworks)\{/;
for (const line of metrics.split('\n').filter((l) => wanted.test(l))) console.log(`/metrics: ${line}`);

const missing = await fetch(`${server.url}/no-such-route`);
console.log(`/no-such-route: ${missing.status} ${((await missing.json()) as { error: { code: string } }).error.code}`);

await server.close();
await cluster.stop();
console.log('stopped');
