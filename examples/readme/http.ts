// examples/readme/http.ts
import { LocalCluster } from 'mesolith';
import { type StateJson, serveCluster } from 'mesolith/http';

const cluster = await LocalCluster.start({ agents: 2 });
const server = await serveCluster(cluster, { host: '127.0.0.1', port: 0 });   // 0: any free port
const state = (await (await fetch(`${server.url}/state`)).json()) as StateJson;
console.log(server.url, state.slaves.map((s) => `${s.id} ${s.status}`));       // http://127.0.0.1:… [ 'agent-1 active', 'agent-2 active' ]
await server.close();
await cluster.stop();
