/** The walk of the B-trees a meta names, page by page, against LMDB's invariants and the trees' records. */
import {
  DB_RECORD,
  F_BIGDATA,
  F_DUPDATA,
  F_SUBDATA,
  type Meta,
  NO_PAGE,
  NODE_HEADER,
  OVERFLOW_REF,
  P_BRANCH,
  P_LEAF,
  P_LEAF2,
  P_META,
  P_OVERFLOW,
  PAGE_HEADER,
  parseTreeRecord,
  type TreeRecord,
  u64,
} from './lmdb-format.js';
import { Damage, type PageReader } from './lmdb-page-reader.js';

const MAX_DEPTH = 32;

/** Pages and entries under one page, once it has been checked. */
export interface Subtree {
  readonly height: number;
  readonly branchPages: number;
  readonly leafPages: number;
  readonly overflowPages: number;
  readonly entries: number;
}

/** Walks the trees of one meta. `checked` is shared by every walk of a file, so that a page reached again (from another tree or meta) is checked once. */
export class TreeWalk {
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
          new TreeWalk(this.reader, this.meta, this.checked).tree(`database "${page.toString('latin1', node + NODE_HEADER, data)}"`, parseTreeRecord(page, data));
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
