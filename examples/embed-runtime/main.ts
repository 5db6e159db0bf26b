/**
 * The actor runtime inside an ordinary Node program: a supervisor in a worker thread keeps a
 * `squarer` actor running in a worker of its own; the program asks it questions (with
 * timeouts), watches it, crashes it and sees the supervisor start a new one.
 *
 *   npm run example -- embed-runtime        (or, after npm run build: node dist/examples/embed-runtime/main.js)
 */
import { type ActorRef, ActorSystem, type ChildInfo, type Down, SUPERVISOR, type SupervisorArgs, type SupervisorMsg, behaviour, isDown } from 'mesolith';
import { type SquarerMsg, actorsModule } from './actors.js';

const system = await ActorSystem.start();

// The supervisor runs in a worker; its child gets a worker of its own and is restarted
// whenever it ends abnormally (a handler that throws, its worker dying).
const supervisor = await system.spawn<SupervisorMsg, SupervisorArgs>(SUPERVISOR, {
  name: 'squarers',
  worker: 'new',
  args: {
    strategy: 'one_for_one',
    intensity: { maxRestarts: 3, withinMs: 10_000 },
    children: [{ id: 'squarer', start: { behaviour: { module: actorsModule, export: 'squarer' }, name: 'squarer', worker: 'new' }, restart: 'permanent' }],
  },
});

async function currentSquarer(): Promise<ActorRef<SquarerMsg>> {
  const children = await supervisor.ask<ChildInfo[]>({ type: 'supervisor.which_children' });
  return system.ref<SquarerMsg>(children[0]!.ref!);
}

/** An actor on the main thread that tells the program when a watched actor goes down. */
function watchOnce(ref: ActorRef): Promise<Down> {
  return new Promise((resolve) => {
    void system.spawn(
      behaviour({
        setup: (ctx) => {
          ctx.watch(ref);
          return {
            receive: (msg) => {
              if (!isDown(msg)) return;
              resolve(msg);
              void ctx.stop();
            },
          };
        },
      }),
    );
  });
}

let squarer = await currentSquarer();
const answer = await squarer.ask<{ square: number; by: string }>({ type: 'square', n: 7 }, { timeoutMs: 1_000 });
console.log(`ask: 7 squared is ${answer.square}, answered by ${answer.by}`);

// An ask that is not answered in time rejects with a coded error; the actor is not harmed (it
// finishes the slow answer, which nobody waits for any more, before its next message).
try {
  await squarer.ask({ type: 'slow', ms: 300 }, { timeoutMs: 100 });
} catch (error) {
  console.log(`ask with timeoutMs 100: ${(error as { code?: string }).code}`);
}

// Crash it: the ask gets the handler's error, the watcher its Down, the supervisor restarts it.
const down = watchOnce(squarer);
const restarted = new Promise<{ ref: string; restarts: number }>((resolve) => system.events.once('supervisor.restarted', resolve));
const crash = await squarer.ask({ type: 'crash' }, { timeoutMs: 2_000 }).catch((error: Error) => error);
console.log(`ask that crashed it: ${(crash as Error).message}`);
const { reason } = await down;
console.log(`watch: ${squarer.address} is down (${reason})`);
const { ref, restarts } = await restarted;
console.log(`supervisor: restarted squarer as ${ref} (restart ${restarts})`);

// Its worker dying is a crash too.
squarer = await currentSquarer();
const workerDown = watchOnce(squarer);
const restartedAgain = new Promise<{ ref: string }>((resolve) => system.events.once('supervisor.restarted', resolve));
await system.terminateWorker(squarer.node);
console.log(`watch: ${squarer.address} is down (${(await workerDown).reason})`);
console.log(`supervisor: restarted squarer as ${(await restartedAgain).ref}`);

squarer = await currentSquarer();
const again = await squarer.ask<{ square: number; by: string }>({ type: 'square', n: 8 }, { timeoutMs: 1_000 });
console.log(`ask: 8 squared is ${again.square}, answered by ${again.by}`);

await system.stop();
console.log('system stopped');
