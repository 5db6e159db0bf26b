import * as v from 'valibot';
import { message } from './fields.js';
import { peer } from './peer.js';

/** Where the current master is, at an address that never changes. */
export const DirectoryInbox = v.variant('type', [
  /** Answers with the current master's ref. */
  message('directory.master', {}),
  message('directory.set_master', { master: peer('master') }),
]);
export type DirectoryMsg = v.InferOutput<typeof DirectoryInbox>;
