import { ActorSystem, type SystemOptions } from '../src/index.js';

/** Runs `body` with a fresh system and always stops it, so a failed assertion leaks nothing. */
export async function withSystem<T>(options: SystemOptions, body: (system: ActorSystem) => Promise<T>): Promise<T> {
  const system = await ActorSystem.start(options);
  try {
    return await body(system);
  } finally {
    await system.stop();
  }
}
