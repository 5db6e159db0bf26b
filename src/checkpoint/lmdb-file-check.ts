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
 * only loosely (MAX_UNWRITTEN_PAGES), not as `last page × page size ≤ file size`: a file may
 * legitimately end before it, when its last pages were freed in the transaction that allocated
 * them (LMDB then never writes them). The pages the trees reach are compared exactly instead.
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
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { CheckpointDamagedError } from './errors.js';

export type LmdbFileState = 'absent' | 'empty' | 'intact';

export interface LmdbOpenMode {
  /** The open uses lmdb-js's overlapping sync (its read-write default): LMDB then picks a meta differently. */
  readonly overlappingSync: boolean;
}

const PAGE_HEADER = 24;
const META_SIZE = 144;
const META_MAGIC = 0xbeefc0de;
const DATA_VERSION = 2;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const P_META = 0x08;
const P_LEAF2 = 0x20;
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const F_DUPDATA = 0x04;
const MDB_INTEGERKEY = 0x08;
const MDB_OVERLAPPINGSYNC = 0x1000;
const NODE_HEADER = 8;
const DB_RECORD = 48;
const OVERFLOW_REF = 24;
const MAX_DEPTH = 32;
/**
 * Pages past the end of the file a meta may count: a transaction leaves unwritten only pages it
 * allocated and freed itself, at most its dirty list (2^17 pages) and overflow values it wrote
 * and deleted. 2^20 leaves room for those and still catches a last page LMDB would map terabytes
 * for (a flipped high bit there is a SIGSEGV).
 */
const MAX_UNWRITTEN_PAGES = 1 << 20;
/** Re-checks of a file whose newest transaction moved during a check (another process writes it). */
const LIVE_RETRIES = 3;

interface TreeRecord {
  readonly flags: number;
  readonly depth: number;
  readonly branchPages: number;
  readonly leafPages: number;
  readonly overflowPages: number;
  readonly entries: number;
  /** NO_PAGE for an empty tree. */
  readonly root: number;
}

interface Meta {
  readonly name: string;
  readonly pageSize: number;
  readonly flags: number;
  readonly free: TreeRecord;
  readonly main: TreeRecord;
  readonly lastPage: number;
  readonly txnid: number;
  readonly bootId: bigint;
}

/** Pages and entries under one page, once it has been checked. */
interface Subtree {
  readonly height: number;
  readonly branchPages: number;
  readonly leafPages: number;
  readonly overflowPages: number;
  readonly entries: number;
}

class Damage extends Error {}

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

/** Pages per read: trees are mostly laid out in allocation order, so neighbours are read together. */
const CHUNK_PAGES = 64;
const CACHED_CHUNKS = 64;

class PageReader {
  private readonly chunks = new Map<number, Buffer>();
  pageSize = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  get pages(): number {
    return Math.floor(this.size / this.pageSize);
  }

  /** Reads `length` bytes at `offset`; a short read is damage. */
  read(into: Buffer, offset: number): Buffer {
    if (readSync(this.fd, into, 0, into.length, offset) !== into.length) throw new Damage(`the file ends at byte ${this.size}, inside a page it needs at byte ${offset}`);
    return into;
  }

  /** Page `pgno` (inside the file), as a view that stays valid. */
  page(pgno: number): Buffer {
    const index = Math.floor(pgno / CHUNK_PAGES);
    let chunk = this.chunks.get(index);
    if (chunk === undefined) {
      const start = index * CHUNK_PAGES * this.pageSize;
      chunk = this.read(Buffer.allocUnsafe(Math.min(CHUNK_PAGES * this.pageSize, this.size - start)), start);
      if (this.chunks.size === CACHED_CHUNKS) this.chunks.delete(this.chunks.keys().next().value!);
      this.chunks.set(index, chunk);
    }
    const at = (pgno % CHUNK_PAGES) * this.pageSize;
    return chunk.subarray(at, at + this.pageSize);
  }
}

/** No page: P_INVALID, LMDB's root of an empty tree, and any u64 past 2^53, which no sane page number, count or txnid reaches. */
const NO_PAGE = -1;

/** A u64 field as a number, or NO_PAGE. */
function u64(buffer: Buffer, at: number): number {
  const high = buffer.readUInt32LE(at + 4);
  return high > 0x1f_ffff ? NO_PAGE : high * 0x1_0000_0000 + buffer.readUInt32LE(at);
}

function treeRecord(buffer: Buffer, at: number): TreeRecord {
  return {
    flags: buffer.readUInt16LE(at + 4),
    depth: buffer.readUInt16LE(at + 6),
    branchPages: u64(buffer, at + 8),
    leafPages: u64(buffer, at + 16),
    overflowPages: u64(buffer, at + 24),
    entries: u64(buffer, at + 32),
    root: u64(buffer, at + 40),
  };
}

/** The MDB_meta at `at` (it starts with mm_magic). */
function meta(name: string, buffer: Buffer, at: number): Meta {
  return {
    name,
    pageSize: buffer.readUInt32LE(at + 24),
    flags: buffer.readUInt16LE(at + 28),
    free: treeRecord(buffer, at + 24),
    main: treeRecord(buffer, at + 72),
    lastPage: u64(buffer, at + 120),
    txnid: u64(buffer, at + 128),
    bootId: buffer.readBigInt64LE(at + 136),
  };
}


function readMetas(reader: PageReader): { first: Meta; flushed: Meta; second: Meta } {
  const head = reader.read(Buffer.alloc(PAGE_HEADER + META_SIZE), 0);
  if ((head.readUInt16LE(18) & P_META) === 0) throw new Damage('page 0 is not a meta page');
  const first = meta('meta page 0', head, PAGE_HEADER);
  checkStamp(first, head, PAGE_HEADER);
  if (first.pageSize < 512 || first.pageSize > 65_536 || (first.pageSize & (first.pageSize - 1)) !== 0) {
    throw new Damage(`meta page 0 gives an impossible page size ${first.pageSize}`);
  }
  reader.pageSize = first.pageSize;
  const half = first.pageSize / 2;
  const flushed = meta('the flushed meta', reader.read(Buffer.alloc(META_SIZE), half + PAGE_HEADER), 0);
  const page1 = reader.read(Buffer.alloc(PAGE_HEADER + META_SIZE), first.pageSize);
  if ((page1.readUInt16LE(18) & P_META) === 0) throw new Damage('page 1 is not a meta page');
  const second = meta('meta page 1', page1, PAGE_HEADER);
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

function checkMetas({ first, flushed, second }: ReturnType<typeof readMetas>, pages: number, overlappingSync: boolean): void {
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
function chosenMetas(metas: ReturnType<typeof readMetas>, overlappingSync: boolean): Meta[] {
  const { first, flushed, second } = metas;
  if (!overlappingSync) return [pick(first, second, false, 0n)];
  const bootId = lmdbBootId();
  const atOpen = pick(pick(first, flushed, true, bootId), second, true, bootId);
  const perTransaction = pick(pick(first, second, true, bootId), flushed, true, bootId);
  return atOpen === perTransaction ? [atOpen] : [atOpen, perTransaction];
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

function newestTxnid(fd: number): number | undefined {
  try {
    const reader = new PageReader(fd, fstatSync(fd).size);
    const { first, second } = readMetas(reader);
    return first.txnid > second.txnid ? first.txnid : second.txnid;
  } catch {
    return undefined;
  }
}

class TreeWalk {
  private readonly inProgress = new Set<number>();

  constructor(
    private readonly reader: PageReader,
    private readonly meta: Meta,
    private readonly checked: Map<number, Subtree>,
  ) {}

  /** Checks one tree against its record (in a meta, or in an F_SUBDATA node); `plain`: no database flags. */
  tree(name: string, record: TreeRecord, plain = true): void {
    if (plain && record.flags !== 0) throw new Damage(`${name} of ${this.meta.name} has database flags 0x${record.flags.toString(16)}; this store writes none`);
    if (record.root === NO_PAGE) {
      if (record.depth !== 0 || record.entries !== 0 || record.leafPages !== 0) throw new Damage(`${name} of ${this.meta.name} is empty yet records ${record.entries} entries`);
      return;
    }
    if (record.depth < 1 || record.depth > MAX_DEPTH) throw new Damage(`${name} of ${this.meta.name} records an impossible depth ${record.depth}`);
    const found = this.subtree(name, record.root, record.depth);
    const expect: [string, number, number][] = [
      ['branch pages', found.branchPages, record.branchPages],
      ['leaf pages', found.leafPages, record.leafPages],
      ['overflow pages', found.overflowPages, record.overflowPages],
      ['entries', found.entries, record.entries],
    ];
    for (const [what, counted, recorded] of expect) {
      if (counted !== recorded) throw new Damage(`${name} of ${this.meta.name} records ${recorded} ${what}, its pages hold ${counted}`);
    }
  }

  private subtree(name: string, pgno: number, height: number): Subtree {
    this.reachable(name, pgno, 1);
    const known = this.checked.get(pgno);
    if (known !== undefined) {
      if (known.height !== height) throw new Damage(`page ${pgno} of ${name} is reached at two depths`);
      return known;
    }
    if (this.inProgress.has(pgno)) throw new Damage(`page ${pgno} of ${name} is its own ancestor`);
    this.inProgress.add(pgno);
    const page = this.reader.page(pgno);
    if (u64(page, 0) !== pgno) throw new Damage(`page ${pgno} of ${name} says it is page ${page.readBigUInt64LE(0)}`);
    const txnid = u64(page, 8);
    if (txnid === NO_PAGE || txnid > this.meta.txnid) throw new Damage(`page ${pgno} of ${name} was written by transaction ${txnid}, after the ${this.meta.name}'s ${this.meta.txnid}`);
    const type = page.readUInt16LE(18) & (P_BRANCH | P_LEAF | P_OVERFLOW | P_META | P_LEAF2);
    const result = height > 1 ? this.branch(name, pgno, page, type, height) : this.leaf(name, pgno, page, type);
    this.inProgress.delete(pgno);
    this.checked.set(pgno, result);
    return result;
  }

  private branch(name: string, pgno: number, page: Buffer, type: number, height: number): Subtree {
    if (type !== P_BRANCH) throw new Damage(`page ${pgno} of ${name} should be a branch page, its type is 0x${type.toString(16)}`);
    const children: number[] = [];
    for (const node of this.nodes(name, pgno, page)) {
      this.nodeFits(name, pgno, node, page.readUInt16LE(node + 6));
      // A branch node's page number: mn_lo | mn_hi << 16 | mn_flags << 32.
      children.push(page.readUInt32LE(node) + page.readUInt16LE(node + 4) * 0x1_0000_0000);
    }
    if (children.length === 0) throw new Damage(`branch page ${pgno} of ${name} is empty`);
    let branchPages = 1;
    let leafPages = 0;
    let overflowPages = 0;
    let entries = 0;
    for (const child of children) {
      const sub = this.subtree(name, child, height - 1);
      branchPages += sub.branchPages;
      leafPages += sub.leafPages;
      overflowPages += sub.overflowPages;
      entries += sub.entries;
    }
    return { height, branchPages, leafPages, overflowPages, entries };
  }

  private leaf(name: string, pgno: number, page: Buffer, type: number): Subtree {
    if (type !== P_LEAF) throw new Damage(`page ${pgno} of ${name} should be a leaf page, its type is 0x${type.toString(16)}`);
    let overflowPages = 0;
    let entries = 0;
    for (const node of this.nodes(name, pgno, page)) {
      const flags = page.readUInt16LE(node + 4);
      const keySize = page.readUInt16LE(node + 6);
      const dataSize = page.readUInt16LE(node) | (page.readUInt16LE(node + 2) << 16);
      const data = node + NODE_HEADER + keySize;
      entries++;
      if (flags & F_DUPDATA) throw new Damage(`a node on page ${pgno} of ${name} holds duplicates, which this store never writes`);
      if (flags & F_BIGDATA) {
        this.nodeFits(name, pgno, node, keySize + OVERFLOW_REF);
        overflowPages += this.overflow(name, u64(page, data), u64(page, data + 16), dataSize);
      } else {
        this.nodeFits(name, pgno, node, keySize + dataSize);
        if (flags & F_SUBDATA) {
          if (dataSize !== DB_RECORD) throw new Damage(`a database record on page ${pgno} of ${name} is ${dataSize} bytes, not ${DB_RECORD}`);
          new TreeWalk(this.reader, this.meta, this.checked).tree(`database "${page.toString('latin1', node + NODE_HEADER, data)}"`, treeRecord(page, data));
        }
      }
    }
    return { height: 1, branchPages: 0, leafPages: 1, overflowPages, entries };
  }

  /** Offsets of the nodes of a branch or leaf page, each inside the page. */
  private nodes(name: string, pgno: number, page: Buffer): number[] {
    const lower = page.readUInt16LE(20);
    const upper = page.readUInt16LE(22);
    const usable = this.reader.pageSize - PAGE_HEADER;
    if (lower % 2 !== 0 || lower > upper || upper > usable) throw new Damage(`page ${pgno} of ${name} has impossible bounds (lower ${lower}, upper ${upper})`);
    const nodes: number[] = [];
    for (let i = 0; i < lower / 2; i++) {
      const offset = page.readUInt16LE(PAGE_HEADER + 2 * i);
      if (offset < upper || offset + NODE_HEADER > usable) throw new Damage(`node ${i} of page ${pgno} of ${name} lies outside the page's node area`);
      nodes.push(PAGE_HEADER + offset);
    }
    return nodes;
  }

  private nodeFits(name: string, pgno: number, node: number, body: number): void {
    if (node + NODE_HEADER + body > this.reader.pageSize) throw new Damage(`a node on page ${pgno} of ${name} runs past the end of the page`);
  }

  private overflow(name: string, pgno: number, pages: number, dataSize: number): number {
    if (pages < 1) throw new Damage(`a value on ${name} names ${pages} overflow pages`);
    this.reachable(name, pgno, pages);
    const header = this.reader.page(pgno);
    if (u64(header, 0) !== pgno || (header.readUInt16LE(18) & P_OVERFLOW) === 0 || header.readUInt32LE(20) !== pages) {
      throw new Damage(`overflow page ${pgno} of ${name} does not hold the ${pages}-page value that points to it`);
    }
    if (dataSize > pages * this.reader.pageSize - PAGE_HEADER) throw new Damage(`a value of ${dataSize} bytes on ${name} does not fit its ${pages} overflow pages`);
    return pages;
  }

  /** Pages [pgno, pgno + count) exist: in the file, and in the meta's page range. */
  private reachable(name: string, pgno: number, count: number): void {
    const end = pgno + count - 1;
    if (pgno < 2) throw new Damage(`${name} points at meta page ${pgno}`);
    if (end > this.meta.lastPage) throw new Damage(`${name} reaches page ${end}, past the ${this.meta.name}'s last page ${this.meta.lastPage}`);
    if (end >= this.reader.pages) {
      throw new Damage(`${name} reaches page ${end}, but the file ends after ${this.reader.pages} pages (${this.reader.size} bytes): it was truncated`);
    }
  }
}
