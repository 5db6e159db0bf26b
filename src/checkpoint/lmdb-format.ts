/**
 * The parts of an LMDB data file that `checkLmdbFile` reads, as the lmdb-js build in use lays
 * them out (its mdb.c): page and node headers, flags, and the MDB_db and MDB_meta records.
 */

export const PAGE_HEADER = 24;
export const META_SIZE = 144;
export const META_MAGIC = 0xbeefc0de;
export const DATA_VERSION = 2;
export const P_BRANCH = 0x01;
export const P_LEAF = 0x02;
export const P_OVERFLOW = 0x04;
export const P_META = 0x08;
export const P_LEAF2 = 0x20;
export const F_BIGDATA = 0x01;
export const F_SUBDATA = 0x02;
export const F_DUPDATA = 0x04;
export const MDB_INTEGERKEY = 0x08;
export const MDB_OVERLAPPINGSYNC = 0x1000;
export const NODE_HEADER = 8;
export const DB_RECORD = 48;
export const OVERFLOW_REF = 24;

export interface TreeRecord {
  readonly flags: number;
  readonly depth: number;
  readonly branchPages: number;
  readonly leafPages: number;
  readonly overflowPages: number;
  readonly entries: number;
  /** NO_PAGE for an empty tree. */
  readonly root: number;
}

export interface Meta {
  readonly name: string;
  readonly pageSize: number;
  readonly flags: number;
  readonly free: TreeRecord;
  readonly main: TreeRecord;
  readonly lastPage: number;
  readonly txnid: number;
  readonly bootId: bigint;
}

/** No page: P_INVALID, LMDB's root of an empty tree, and any u64 past 2^53, which no sane page number, count or txnid reaches. */
export const NO_PAGE = -1;

/** A u64 field as a number, or NO_PAGE. */
export function u64(buffer: Buffer, at: number): number {
  const high = buffer.readUInt32LE(at + 4);
  return high > 0x1f_ffff ? NO_PAGE : high * 0x1_0000_0000 + buffer.readUInt32LE(at);
}

export function parseTreeRecord(buffer: Buffer, at: number): TreeRecord {
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
export function parseMeta(name: string, buffer: Buffer, at: number): Meta {
  return {
    name,
    pageSize: buffer.readUInt32LE(at + 24),
    flags: buffer.readUInt16LE(at + 28),
    free: parseTreeRecord(buffer, at + 24),
    main: parseTreeRecord(buffer, at + 72),
    lastPage: u64(buffer, at + 120),
    txnid: u64(buffer, at + 128),
    bootId: buffer.readBigInt64LE(at + 136),
  };
}
