import { readSync } from 'node:fs';

/** A finding of the check: `checkLmdbFile` reports it as `ERR_CHECKPOINT_DAMAGED`, naming the file, unless another process was writing the file meanwhile. */
export class Damage extends Error {}

/** Pages per read: trees are mostly laid out in allocation order, so neighbours are read together. */
const CHUNK_PAGES = 64;
const CACHED_CHUNKS = 64;

export class PageReader {
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
