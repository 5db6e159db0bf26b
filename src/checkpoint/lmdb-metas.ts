/** The meta pages of an LMDB file: read, checked against one another, and chosen as LMDB chooses. */
import { fstatSync, readFileSync } from 'node:fs';
import { DATA_VERSION, MDB_INTEGERKEY, MDB_OVERLAPPINGSYNC, META_MAGIC, META_SIZE, type Meta, NO_PAGE, P_META, PAGE_HEADER, parseMeta } from './lmdb-format.js';
import { Damage, PageReader } from './lmdb-page-reader.js';

/**
 * Pages past the end of the file a meta may count: a transaction leaves unwritten only pages it
 * allocated and freed itself, at most its dirty list (2^17 pages) and overflow values it wrote
 * and deleted. 2^20 leaves room for those and still catches a last page LMDB would map terabytes
 * for (a flipped high bit there is a SIGSEGV).
 */
const MAX_UNWRITTEN_PAGES = 1 << 20;

export function readMetas(reader: PageReader): { first: Meta; flushed: Meta; second: Meta } {
  const head = reader.read(Buffer.alloc(PAGE_HEADER + META_SIZE), 0);
  if ((head.readUInt16LE(18) & P_META) === 0) throw new Damage('page 0 is not a meta page');
  const first = parseMeta('meta page 0', head, PAGE_HEADER);
  checkStamp(first, head, PAGE_HEADER);
  if (first.pageSize < 512 || first.pageSize > 65_536 || (first.pageSize & (first.pageSize - 1)) !== 0) {
    throw new Damage(`meta page 0 gives an impossible page size ${first.pageSize}`);
  }
  reader.pageSize = first.pageSize;
  const half = first.pageSize / 2;
  const flushed = parseMeta('the flushed meta', reader.read(Buffer.alloc(META_SIZE), half + PAGE_HEADER), 0);
  const page1 = reader.read(Buffer.alloc(PAGE_HEADER + META_SIZE), first.pageSize);
  if ((page1.readUInt16LE(18) & P_META) === 0) throw new Damage('page 1 is not a meta page');
  const second = parseMeta('meta page 1', page1, PAGE_HEADER);
  checkStamp(second, page1, PAGE_HEADER);
  return { first, flushed, second };
}

function checkStamp(m: Meta, buffer: Buffer, at: number): void {
  const magic = buffer.readUInt32LE(at);
  if (magic !== META_MAGIC) throw new Damage(`${m.name} has magic 0x${magic.toString(16)}, not LMDB's 0x${META_MAGIC.toString(16)}`);
  const version = buffer.readUInt32LE(at + 4) & 0xffff;
  if (version !== DATA_VERSION) throw new Damage(`${m.name} has data version ${version}; this LMDB build writes version ${DATA_VERSION}`);
  if (buffer.readBigUInt64LE(at + 8) !== 0n) throw new Damage(`${m.name} names a fixed map address, which this store never uses`);
}

export function checkMetas({ first, flushed, second }: ReturnType<typeof readMetas>, pages: number, overlappingSync: boolean): void {
  const present = overlappingSync && flushed.txnid !== 0 ? [first, second, flushed] : [first, second];
  for (const m of present) {
    if (m.pageSize !== first.pageSize) throw new Damage(`${m.name} gives page size ${m.pageSize}, meta page 0 ${first.pageSize}`);
    if (m.txnid === NO_PAGE) throw new Damage(`${m.name} names an impossible transaction`);
    if (m.lastPage < 1 || m.lastPage >= pages + MAX_UNWRITTEN_PAGES) throw new Damage(`${m.name} names last page ${m.lastPage} for a file of ${pages} pages`);
    if ((m.flags & MDB_INTEGERKEY) === 0) throw new Damage(`${m.name} has lost the free-page tree's integer-key flag (flags 0x${m.flags.toString(16)})`);
  }
  if (first.txnid % 2 !== 0 || (second.txnid % 2 !== 1 && second.txnid !== 0)) {
    throw new Damage(`meta txnids ${first.txnid} and ${second.txnid} break LMDB's parity (transaction n writes meta page n % 2)`);
  }
  const gap = first.txnid - second.txnid;
  if (gap !== 1 && gap !== -1 && !(first.txnid === 0 && second.txnid === 0)) {
    throw new Damage(`meta txnids ${first.txnid} and ${second.txnid} are not one transaction apart`);
  }
  const newest = first.txnid > second.txnid ? first.txnid : second.txnid;
  if (flushed.txnid > newest && present.includes(flushed)) throw new Damage(`the flushed meta names transaction ${flushed.txnid}, newer than the newest committed ${newest}`);
}

/** This boot's id as lmdb-js reads it: strtoll of /proc/sys/kernel/random/boot_id in base 16, which stops at the first dash. */
function lmdbBootId(): bigint {
  try {
    const hex = /^[0-9a-f]{1,15}/i.exec(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'))?.[0];
    return hex === undefined ? 0n : BigInt(`0x${hex}`);
  } catch {
    return 0n;
  }
}

/** mdb_pick_meta; `previousSnapshot` is MDB_PREVSNAPSHOT, which lmdb-js sets with overlapping sync. */
function pick(a: Meta, b: Meta, previousSnapshot: boolean, bootId: bigint): Meta {
  const latest = a.txnid >= b.txnid ? a : b;
  if (!previousSnapshot) return latest;
  if (b.txnid === 0) return a;
  const safeRestore = process.env.LMDB_RESTORE === 'safe';
  if ((latest.bootId !== 0n && latest.bootId === bootId && !safeRestore) || (latest.flags & MDB_OVERLAPPINGSYNC) === 0) return latest;
  return a.txnid > b.txnid ? b : a;
}

/** The metas LMDB reads its trees from: the one chosen at open, and the one each transaction picks. */
export function chosenMetas(metas: ReturnType<typeof readMetas>, overlappingSync: boolean): Meta[] {
  const { first, flushed, second } = metas;
  if (!overlappingSync) return [pick(first, second, false, 0n)];
  const bootId = lmdbBootId();
  const atOpen = pick(pick(first, flushed, true, bootId), second, true, bootId);
  const perTransaction = pick(pick(first, second, true, bootId), flushed, true, bootId);
  return atOpen === perTransaction ? [atOpen] : [atOpen, perTransaction];
}

export function newestTxnid(fd: number): number | undefined {
  try {
    const reader = new PageReader(fd, fstatSync(fd).size);
    const { first, second } = readMetas(reader);
    return first.txnid > second.txnid ? first.txnid : second.txnid;
  } catch {
    return undefined;
  }
}
