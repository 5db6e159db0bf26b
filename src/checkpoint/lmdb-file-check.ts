/**
 * Refuses an LMDB file that LMDB would crash the process on, before LMDB maps it.
 *
 * LMDB trusts its file: a page number past the end of a truncated file is a SIGBUS when read
 * through the map, a zeroed or garbled meta page sends it to wild addresses (SIGSEGV), and either
 * kills the whole process, since no JS error is possible once LMDB touches the map. So the file
 * is checked here first, in JS, with plain reads (no mmap), against LMDB's own invariants, for
 * the lmdb-js build in use (its mdb.c: data version 2, 24-byte page headers, overflow nodes
 * holding {pgno, txnid, pages}):
 *
 * - The meta pages (page 0, page 1, and under overlapping sync the "flushed" meta lmdb-js keeps
 *   in the second half of page 0): magic 0xBEEFC0DE and data version (meta 0 and 1; the flushed
 *   copy is written from `mm_mapsize` on), one page size, no fixed map address, txnid parity
 *   (transaction n writes meta n % 2) and metas 0 and 1 one transaction apart, the flushed copy
 *   not newer than both.
 * - The B-trees of the meta LMDB will choose, chosen as LMDB does (mdb_env_read_header and
 *   mdb_env_pick_meta: the newest, except that with overlapping sync after a reboot it falls back
 *   to the last flushed snapshot). Every page they reach lies inside the file and at most at the
 *   meta's last page, carries its own number, has the type its place calls for, a txnid not newer
 *   than the meta's, and node offsets and sizes inside the page; every leaf is at the recorded
 *   depth; an overflow value's pages lie inside the file and its first page says so; each tree's
 *   page and entry counts match its record. Named databases (F_SUBDATA nodes) are walked too.
 *   The stores here keep plain databases only (no duplicates, no integer keys): a database
 *   with such flags, which would make LMDB read its pages differently, is damage too.
 *
 * Not checked: the order of keys and the contents of values (a wrong value is not a crash; the
 * checkpoint's records carry their own checksums), the free-page lists' contents, and fields LMDB
 * does not rely on (the map size, the boot id). A meta's last page is compared to the file size
 * only loosely (MAX_UNWRITTEN_PAGES, in lmdb-metas.ts), not as `last page × page size ≤ file
 * size`: a file may legitimately end before it, when its last pages were freed in the transaction
 * that allocated them (LMDB then never writes them). The pages the trees reach are compared
 * exactly instead.
 *
 * A walk rather than a first open in a child process: a child costs a Node start on every open
 * (~100 ms, for each agent start), cannot serve a synchronous caller (MasterRegistry.open), and
 * says only that something crashed. The walk reads the tree pages once, in 256 KiB preads: about the
 * I/O a recovery does anyway.
 *
 * A zero-length file is not damage: LMDB creates the file before it writes its meta pages, so a
 * crash in between leaves it empty with nothing ever committed, and LMDB itself initialises such a
 * file as new (mdb_env_read_header answers ENOENT when the first read returns nothing). Only a
 * read-only open cannot do that (it crashes on it); callers treat it as empty.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { CheckpointDamagedError } from './errors.js';
import { META_SIZE, PAGE_HEADER } from './lmdb-format.js';
import { checkMetas, chosenMetas, newestTxnid, readMetas } from './lmdb-metas.js';
import { Damage, PageReader } from './lmdb-page-reader.js';
import { type Subtree, TreeWalk } from './lmdb-tree-walk.js';

export type LmdbFileState = 'absent' | 'empty' | 'intact';

export interface LmdbOpenMode {
  /** The open uses lmdb-js's overlapping sync (its read-write default): LMDB then picks a meta differently. */
  readonly overlappingSync: boolean;
}

/** Re-checks of a file whose newest transaction moved during a check (another process writes it). */
const LIVE_RETRIES = 3;

/**
 * Checks the LMDB file at `path` (see the top of this module). Throws `ERR_CHECKPOINT_DAMAGED`,
 * naming the file and `remedy`, when opening it would crash the process.
 */
export function checkLmdbFile(path: string, mode: LmdbOpenMode, remedy: string): LmdbFileState {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  try {
    for (let attempt = 0; ; attempt++) {
      // The newest transaction first, the size after: a writer writes a transaction's pages
      // before its meta, so the size read after a meta covers every page that meta names.
      const before = newestTxnid(fd);
      const size = fstatSync(fd).size;
      if (size === 0) return 'empty';
      try {
        checkFile(new PageReader(fd, size), mode);
        return 'intact';
      } catch (error) {
        if (!(error instanceof Damage)) throw error;
        // Another process may be committing to the file: its pages can be reused under this
        // walk, which, unlike LMDB's readers, holds no reader slot. A file that keeps moving to
        // newer transactions is being written by a working LMDB, so it is not damaged.
        const after = newestTxnid(fd);
        if (before === undefined || after === undefined || before === after) throw new CheckpointDamagedError(path, error.message, remedy);
        if (attempt === LIVE_RETRIES) return 'intact';
      }
    }
  } finally {
    closeSync(fd);
  }
}

function checkFile(reader: PageReader, mode: LmdbOpenMode): void {
  if (reader.size < PAGE_HEADER + META_SIZE) throw new Damage(`the file is ${reader.size} bytes long, shorter than one meta page`);
  const metas = readMetas(reader);
  checkMetas(metas, reader.pages, mode.overlappingSync);
  const checked = new Map<number, Subtree>();
  for (const m of chosenMetas(metas, mode.overlappingSync)) {
    new TreeWalk(reader, m, checked).tree('the free-page tree', m.free, false);
    new TreeWalk(reader, m, checked).tree('the main tree', m.main);
  }
}
