import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalCluster, type MasterState } from '../../src/index.js';
import type { Framework } from '../../src/scheduler/framework.js';
import { type Roles, assertNoCrash, askFromAfar, deliver, doubleTask, findRoles, letterCollector, runToFinish } from '../fixtures/cluster-roles.js';
import { INBOXES, type Inbox, type Mutant, mutants, templates } from '../fixtures/inbox-messages.js';
import { testHost } from '../helpers.js';

/**
 * Every role declares its inbox's schema and keeps serving: garbage of every shape, sent from
 * another thread, is dead-lettered with a validation error naming the field (or, asked,
 * rejected with ERR_INVALID_MESSAGE), and the role then still answers a good request.
 */
const test = suite<{ cluster: LocalCluster; fw: Framework; roles: Roles }>('inboxes');

test.before(async (ctx) => {
  ctx.cluster = await LocalCluster.start({ agents: [testHost], autoRestartAgents: false });
  ctx.fw = await ctx.cluster.registerFramework({ name: 'inboxes', checkpoint: true });
  ctx.roles = await findRoles(ctx.cluster, ctx.fw);
});
test.after(async (ctx) => {
  await ctx.cluster.stop();
});

/** What each role must still answer after the garbage. */
const stillServes: Record<Inbox, (ctx: { cluster: LocalCluster; fw: Framework; roles: Roles }) => Promise<void>> = {
  master: async ({ cluster }) => {
    const state = await cluster.master.ask<MasterState>({ type: 'master.state' });
    assert.is(state.agents.filter((a) => a.status === 'active').length, 1);
  },
  agent: async ({ cluster }) => {
    const [agentId] = cluster.agentIds();
    await cluster.agentRef(agentId!).ask({ type: 'agent.ping' });
    assert.is((await cluster.agentState(agentId!)).registration, 'admitted');
  },
  executor: async ({ cluster, fw, roles }) => {
    assert.is(await runToFinish(fw, doubleTask(21)), 42);
    const executors = (await cluster.agentState(cluster.agentIds()[0]!)).executors;
    assert.ok(executors.some((e) => e.address === roles.refs.executor.address), 'the same executor ran it');
  },
  launcher: async ({ fw }) => {
    assert.is(await runToFinish(fw, doubleTask(5, { isolation: 'worker' })), 10, 'a new executor is launched');
  },
  scheduler: async ({ fw }) => {
    assert.is(await runToFinish(fw, doubleTask(7, {})), 14, 'the scheduler still takes offers and updates');
  },
  directory: async ({ cluster, roles }) => {
    const answer = await askFromAfar(roles, 'directory', { type: 'directory.master' });
    assert.ok(answer.ok);
    assert.is((answer.value as { address: string }).address, cluster.master.address);
  },
};

const ASKED_PER_INBOX = 6;

for (const inbox of Object.keys(INBOXES) as Inbox[]) {
  test(`${inbox}: garbage from another thread is dead-lettered naming the field; asked, ERR_INVALID_MESSAGE; the ${inbox} still answers`, async (ctx) => {
    const { cluster, roles } = ctx;
    const recipient = roles.refs[inbox].address;
    const letters = letterCollector(cluster, recipient);
    try {
      let sent = 0;
      const asked: Mutant[] = [];
      for (const template of templates(roles.ghost)[inbox]) {
        const broken = mutants(inbox, template.message, roles.ghost);
        asked.push(...broken.splice(0, 1));
        await deliver(roles, inbox, broken.map((m) => m.message));
        const received = await letters.next(broken.length);
        broken.forEach((mutant, i) => {
          const detail = received[i]!.detail ?? '';
          assert.ok(detail.includes(mutant.field), `${template.message.type}, ${mutant.what}: the detail names ${mutant.field}: ${detail.slice(0, 300)}`);
        });
        sent += broken.length;
        // The safe template itself, refs to nonexistent actors included, is taken.
        if (template.safe) await deliver(roles, inbox, [template.message]);
      }
      for (const mutant of asked.slice(0, ASKED_PER_INBOX)) {
        const answer = await askFromAfar(roles, inbox, mutant.message);
        assert.ok(!answer.ok && answer.code === 'ERR_INVALID_MESSAGE', `asked ${mutant.what}: ${JSON.stringify(answer).slice(0, 300)}`);
        assert.ok(answer.message.includes(mutant.field), `the error names ${mutant.field}: ${answer.message.slice(0, 300)}`);
      }
      await letters.next(Math.min(asked.length, ASKED_PER_INBOX));
      console.log(`  ${inbox}: ${sent} told, ${Math.min(asked.length, ASKED_PER_INBOX)} asked, all refused`);
      await stillServes[inbox](ctx);
      assert.is(letters.pending(), 0, 'nothing valid was refused');
      assertNoCrash(roles);
    } finally {
      letters.close();
    }
  });
}

test('after all of it every agent has its resources back and the framework holds no stale offer', async ({ cluster, fw, roles }) => {
  const state = await cluster.state();
  for (const agent of state.agents.filter((a) => a.status === 'active')) assert.equal(agent.free, agent.total);
  assert.ok(fw.outstandingOffers().every((offer) => state.agents.some((a) => a.agentId === offer.agentId)));
  assertNoCrash(roles);
});

test.run();
