import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { OfferId } from '../../src/index.js';
import { AgentResources, sumOf } from '../../src/master/agent-resources.js';

const test = suite('master: agent resources and reservations');

test('a role is offered the unreserved rest plus its reservation; other roles only the rest', () => {
  const agent = new AgentResources({ cpus: 8, mem: 4_096 });
  assert.ok(agent.reserve('analytics', { cpus: 3, mem: 1_024 }));
  assert.equal(agent.offerable('analytics'), { role: 'analytics', reserved: { cpus: 3, mem: 1_024 }, unreserved: { cpus: 5, mem: 3_072 } });
  assert.equal(sumOf(agent.offerable('web')), { cpus: 5, mem: 3_072 });
  assert.equal(sumOf(agent.offerable('*')), { cpus: 5, mem: 3_072 });
  assert.equal(agent.reservations(), { analytics: { cpus: 3, mem: 1_024 } });
});

test('a task uses its role\'s reservation first; held offers and tasks leave the rest to others', () => {
  const agent = new AgentResources({ cpus: 8, mem: 4_096 }, { analytics: { cpus: 2, mem: 512 } });
  const offer = agent.offerable('analytics');
  agent.hold('o1' as OfferId, offer);
  assert.equal(sumOf(agent.offerable('web')), { cpus: 0, mem: 0 }, 'all of it is held by the offer');
  const held = agent.release('o1' as OfferId)!;
  const task = agent.carve({ cpus: 3, mem: 256 }, held)!;
  assert.equal(task, { role: 'analytics', reserved: { cpus: 2, mem: 256 }, unreserved: { cpus: 1, mem: 0 } });
  agent.use(task);
  assert.equal(agent.offerable('analytics'), { role: 'analytics', reserved: { cpus: 0, mem: 256 }, unreserved: { cpus: 5, mem: 3_584 } });
  assert.equal(agent.free(), { cpus: 5, mem: 3_840 });
  assert.is(agent.carve({ cpus: 9, mem: 1 }, agent.offerable('analytics')), null, 'does not fit');
  assert.not.ok(agent.unreserve('analytics', { cpus: 1, mem: 0 }), 'its tasks use that part');
  agent.unuse(task);
  assert.ok(agent.unreserve('analytics', { cpus: 2, mem: 512 }));
  assert.equal(agent.reservations(), {}, 'a reservation given back entirely is gone');
});

test('reserving more than is unreserved and available is refused; so is the unreserved role', () => {
  const agent = new AgentResources({ cpus: 4, mem: 1_024 });
  agent.hold('o1' as OfferId, { role: 'web', reserved: { cpus: 0, mem: 0 }, unreserved: { cpus: 3, mem: 0 } });
  assert.not.ok(agent.reserve('analytics', { cpus: 2, mem: 0 }), 'three cpus are held by an offer');
  assert.ok(agent.reserve('analytics', { cpus: 1, mem: 1_024 }));
  assert.not.ok(agent.reserve('*', { cpus: 0, mem: 0 }));
});

test('reset after reregistration: a new total, tasks charged again, offers void', () => {
  const agent = new AgentResources({ cpus: 4, mem: 1_024 }, { analytics: { cpus: 2, mem: 0 } });
  agent.hold('o1' as OfferId, agent.offerable('web'));
  agent.reset({ cpus: 10, mem: 2_048 }, [{ role: 'analytics', reserved: { cpus: 1, mem: 0 }, unreserved: { cpus: 0, mem: 100 } }]);
  assert.equal(agent.offerIds(), []);
  assert.equal(agent.free(), { cpus: 9, mem: 1_948 });
  const charged = agent.charge('analytics', { cpus: 2, mem: 0 });
  assert.equal(charged, { role: 'analytics', reserved: { cpus: 1, mem: 0 }, unreserved: { cpus: 1, mem: 0 } });
});

test.run();
