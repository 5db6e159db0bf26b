import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalCluster } from '../../src/index.js';
import { type Roles, askFromAfar, findRoles } from '../fixtures/cluster-roles.js';
import { throwingProxy } from '../fixtures/hostile.js';
import { testHost } from '../helpers.js';

/**
 * What the boundary fuzz found outside the schemas: refusals that quoted a huge value whole,
 * threw the caller's own error, or came only after a timeout. Each failed before its fix.
 */
const test = suite<{ cluster: LocalCluster; roles: Roles }>('refusals: short, coded, at once');
test.before(async (ctx) => {
  ctx.cluster = await LocalCluster.start({ agents: [testHost], autoRestartAgents: false });
  ctx.roles = await findRoles(ctx.cluster, await ctx.cluster.registerFramework({ name: 'gaps' }));
});
test.after(async (ctx) => {
  await ctx.cluster.stop();
});

test('runtime: a message whose type is a 100,000-character string is refused with a short error', async ({ roles }) => {
  const answer = await askFromAfar(roles, 'master', { type: 'x'.repeat(100_000) });
  assert.ok(!answer.ok && answer.code === 'ERR_INVALID_MESSAGE');
  assert.ok(answer.message.length < 2_000, `a ${answer.message.length}-character error`);
});

test('cluster options: a framework name of 201 characters is refused by registerFramework at once', async ({ cluster }) => {
  const started = Date.now();
  const error = await cluster.registerFramework({ name: 'n'.repeat(201) }, { registrationTimeoutMs: 3_000 }).catch((e: Error & { code?: string }) => e);
  assert.instance(error, Error);
  assert.is((error as Error & { code?: string }).code, 'ERR_INVALID_OPTIONS', `${(error as Error).message.slice(0, 200)} after ${Date.now() - started} ms`);
});

test("cluster options: role '../x' is refused by registerFramework at once", async ({ cluster }) => {
  const error = await cluster.registerFramework({ name: 'bad-role', role: '../x' }, { registrationTimeoutMs: 3_000 }).catch((e: Error & { code?: string }) => e);
  assert.is((error as Error & { code?: string }).code, 'ERR_INVALID_OPTIONS', (error as Error).message);
});

test('cluster options: failoverTimeoutMs above ten years is refused by registerFramework at once', async ({ cluster }) => {
  const error = await cluster.registerFramework({ name: 'long-failover', failoverTimeoutMs: 1e15 }, { registrationTimeoutMs: 3_000 }).catch((e: Error & { code?: string }) => e);
  assert.is((error as Error & { code?: string }).code, 'ERR_INVALID_OPTIONS', (error as Error).message);
});

for (const [what, resources] of [['Infinity cpus', { cpus: Infinity, mem: 64 }], ['1e13 mem', { cpus: 1, mem: 1e13 }]] as const) {
  test(`GAP cluster options: a host with ${what} is refused by LocalCluster.start at once`, async () => {
    const started = Date.now();
    const error = await LocalCluster.start({ agents: [{ resources }], startTimeoutMs: 3_000 }).then(async (c) => { await c.stop(); return undefined; }, (e: Error) => e);
    assert.is((error as Error & { code?: string } | undefined)?.code, 'ERR_INVALID_OPTIONS', `${String(error?.message).slice(0, 200)} after ${Date.now() - started} ms`);
  });
}

test("cluster options: a host attribute named 'constructor' is refused by LocalCluster.start at once", async () => {
  const error = await LocalCluster.start({ agents: [{ attributes: { constructor: 'x' } }], startTimeoutMs: 3_000 }).then(async (c) => { await c.stop(); return undefined; }, (e: Error) => e);
  assert.is((error as Error & { code?: string } | undefined)?.code, 'ERR_INVALID_OPTIONS', String(error?.message).slice(0, 200));
});

test('scheduler: a launch request whose getters throw is refused with ERR_INVALID_TASK, not its own error', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'proxied' });
  const error = await fw.launch(throwingProxy as never).catch((e: Error & { code?: string }) => e);
  assert.is((error as Error & { code?: string }).code, 'ERR_INVALID_TASK', String(error));
});

test('scheduler: a launch whose cpus is a 100,000-character string is refused with a short error', async ({ cluster }) => {
  const fw = await cluster.registerFramework({ name: 'long-cpus' });
  const error = await fw.launch({ cpus: 'x'.repeat(100_000), mem: 16, run: { kind: 'command', command: 'true' } } as never).catch((e: Error) => e);
  assert.is((error as Error & { code?: string }).code, 'ERR_INVALID_TASK');
  assert.ok((error as Error).message.length < 2_000, `a ${(error as Error).message.length}-character error`);
});

test('cluster options: registerFramework with info whose getters throw fails with ERR_INVALID_OPTIONS', async ({ cluster }) => {
  const error = await cluster.registerFramework(throwingProxy as never).catch((e: Error & { code?: string }) => e);
  assert.is((error as Error & { code?: string }).code, 'ERR_INVALID_OPTIONS', String(error));
});

test.run();
