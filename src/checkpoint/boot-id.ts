import { readFileSync } from 'node:fs';

const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

/**
 * The kernel's id of this boot: it changes when the machine restarts, which is how an agent
 * tells a restart of itself from a reboot of its host. Simulated hosts get theirs from the
 * cluster instead. Throws where the kernel does not provide one (not Linux).
 */
export function readHostBootId(): string {
  try {
    return readFileSync(BOOT_ID_PATH, 'utf8').trim();
  } catch (cause) {
    throw new Error(`cannot read the host boot id from ${BOOT_ID_PATH}; pass a boot id explicitly`, { cause });
  }
}
