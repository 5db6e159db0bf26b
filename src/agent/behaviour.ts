import { randomUUID } from 'node:crypto';
import { behaviour, isDown } from '../actor/index.js';
import { CheckpointGc, CheckpointStore, readState } from '../checkpoint/index.js';
import { AgentInbox, type AgentMsg, type AgentSelfMsg, type Peer, type RunId, asSystemEvent, describeStorageFailure } from '../protocol/index.js';
import { Agent } from './agent.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import { type AgentArgs, resolveAgentOptions } from './options.js';
import { decideRecovery } from './recovery.js';

/**
 * The agent as an actor: it finds the master, opens and reads its host's checkpoint, decides
 * what to recover, and hands every message (checked against `AgentInbox`) to `Agent`.
 */
export const agent = behaviour<AgentMsg | AgentSelfMsg, AgentArgs>({
  schema: AgentInbox,
  setup: async (ctx, args) => {
    const { host } = args;
    const options = resolveAgentOptions(args.flags);
    const master = await args.directory.ask<Peer<'master'>>({ type: 'directory.master' });
    const startedAt = performance.now();
    const store = await CheckpointStore.open(host.workDir, { owner: `agent of ${host.hostId}`, takeOverLock: true });
    const publish = (event: Parameters<typeof asSystemEvent>[1]) => ctx.publish(asSystemEvent(ctx.self.address, event));
    let core: Agent | undefined;
    const writer = new CheckpointWriter(store, host.bootId, describeStorageFailure, { failed: (failure) => core?.checkpointFailed(failure), recovered: (ms) => core?.checkpointRecovered(ms) }, Date.now);
    const gc = new CheckpointGc(store, options.gcDelayMs);
    gc.on('removed', (run, records) => publish({ type: 'agent.run_removed', hostId: host.hostId, ...run, records }));
    let decision;
    let state;
    try {
      state = await readState(store, { strict: options.strict });
      // Skipped records go with the next commit that succeeds, before anything written after them.
      if (state.skipped.length > 0) void store.removeSkipped(state.skipped).catch(() => undefined);
      decision = decideRecovery(state, host.bootId, { hostname: host.hostname, resources: host.resources, attributes: host.attributes }, options.reconfigurationPolicy);
      // Rebooted with an incompatible info: the old agent is given up on disk before anything
      // else, so that a restart before registration starts over again (Mesos removes
      // meta/slaves/latest) rather than find the old agent with no reboot to excuse the change.
      if (decision.kind === 'fresh' && decision.startOver === true) await store.forgetAgent();
    } catch (error) {
      // Refusing to start must not leave the work dir locked.
      await store.close();
      throw error;
    }
    const checkpointReadMs = performance.now() - startedAt;
    core = new Agent({
      host,
      options,
      store,
      writer,
      gc,
      master,
      decision,
      reservations: state.reservations ?? {},
      checkpointErrors: state.errors,
      startedAt,
      checkpointReadMs,
      effects: {
        self: ctx.self,
        launcher: args.launcher,
        timers: ctx.timers,
        now: Date.now,
        newUuid: randomUUID,
        newRunId: () => randomUUID() as RunId,
        watch: (peer) => ctx.watch(ctx.refFor(peer.address)),
        unwatch: (peer) => ctx.unwatch(ctx.refFor(peer.address)),
        refFor: (address) => ctx.refFor(address),
        publish,
      },
    });
    if (!core.start()) void ctx.stop();
    const agentCore = core;
    if (!writer.healthy) agentCore.checkpointFailed(writer.lastFailure!);
    return {
      receive: (message) => {
        if (isDown(message)) return agentCore.down(message.ref.address, `${message.reason}${message.error ? `: ${message.error.message}` : ''}`);
        return agentCore.receive(message);
      },
      stopped: () => {
        gc.stop();
        return store.close();
      },
    };
  },
});
