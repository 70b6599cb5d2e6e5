/**
 * One namespace of the embedded store in memory: every vector in one Float32Array (row-major, grown by
 * doubling), its L2 norm precomputed at write time, ids and metadata beside it, and a slot per id.
 * Search is exact: one pass over the rows (a 4-way unrolled dot product), a bounded heap for the top k,
 * and the metadata filter evaluated only for a row that would enter the heap.
 *
 * Scores as Pinecone gives them: cosine similarity and dot product (higher is closer), and for
 * `euclidean` the squared Euclidean distance (lower is closer, listed first).
 */
import type { Predicate } from '../filter';
import type { Metadata } from '../metadata';
import type { Metric } from '../vector-store';

export interface ScoredSlot {
  slot: number;
  score: number;
}

export class VectorTable {
  count = 0;
  vectors: Float32Array;
  norms: Float32Array;
  readonly ids: string[] = [];
  readonly metadata: Array<Metadata | undefined> = [];
  private readonly slots = new Map<string, number>();

  constructor(
    readonly dimension: number,
    capacity = 256,
  ) {
    this.vectors = new Float32Array(capacity * dimension);
    this.norms = new Float32Array(capacity);
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  slotOf(id: string): number | undefined {
    return this.slots.get(id);
  }

  row(slot: number): Float32Array {
    return this.vectors.subarray(slot * this.dimension, (slot + 1) * this.dimension);
  }

  /** The slot for `id` (a new one at the end when absent); ids and metadata set, the row left to the caller. */
  private claim(id: string, metadata: Metadata | undefined): number {
    let slot = this.slots.get(id);
    if (slot === undefined) {
      slot = this.count++;
      if (slot >= this.norms.length) this.grow();
      this.slots.set(id, slot);
      this.ids[slot] = id;
    }
    this.metadata[slot] = metadata;
    return slot;
  }

  private grow(): void {
    const capacity = this.norms.length * 2;
    const vectors = new Float32Array(capacity * this.dimension);
    vectors.set(this.vectors);
    const norms = new Float32Array(capacity);
    norms.set(this.norms);
    this.vectors = vectors;
    this.norms = norms;
  }

  private computeNorm(slot: number): void {
    const base = slot * this.dimension;
    let s = 0;
    for (let i = 0; i < this.dimension; i++) {
      const x = this.vectors[base + i]!;
      s += x * x;
    }
    this.norms[slot] = Math.sqrt(s);
  }

  put(id: string, values: ArrayLike<number>, metadata: Metadata | undefined): void {
    const slot = this.claim(id, metadata);
    this.vectors.set(values, slot * this.dimension);
    this.computeNorm(slot);
  }

  /** A row straight from little-endian float32 bytes (the log's layout): a byte copy, no parsing. */
  putBytes(id: string, source: Buffer, offset: number, metadata: Metadata | undefined): void {
    const slot = this.claim(id, metadata);
    const bytes = this.dimension * 4;
    source.copy(Buffer.from(this.vectors.buffer, this.vectors.byteOffset + slot * bytes, bytes), 0, offset, offset + bytes);
    this.computeNorm(slot);
  }

  /** Removes a record by moving the last row into its slot. */
  remove(id: string): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    const last = --this.count;
    this.slots.delete(id);
    if (slot !== last) {
      const d = this.dimension;
      this.vectors.copyWithin(slot * d, last * d, (last + 1) * d);
      this.norms[slot] = this.norms[last]!;
      const movedId = this.ids[last]!;
      this.ids[slot] = movedId;
      this.metadata[slot] = this.metadata[last];
      this.slots.set(movedId, slot);
    }
    this.ids.length = last;
    this.metadata.length = last;
    return true;
  }

  clear(): void {
    this.count = 0;
    this.slots.clear();
    this.ids.length = 0;
    this.metadata.length = 0;
  }

  /** The k closest rows that pass `predicate`, closest first. */
  search(query: Float32Array, metric: Metric, topK: number, predicate?: Predicate): ScoredSlot[] {
    const d = this.dimension;
    const v = this.vectors;
    const norms = this.norms;
    const d4 = d - (d % 4);
    let qNormSq = 0;
    for (let i = 0; i < d; i++) qNormSq += query[i]! * query[i]!;
    const qNorm = Math.sqrt(qNormSq);
    const k = Math.min(topK, this.count);
    if (k <= 0) return [];
    // A min-heap on "goodness" (score, or minus the distance for euclidean): the root is the worst kept.
    const heapGood = new Float64Array(k);
    const heapSlot = new Int32Array(k);
    let size = 0;
    for (let slot = 0; slot < this.count; slot++) {
      const base = slot * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      for (; i < d4; i += 4) {
        const o = base + i;
        s0 += query[i]! * v[o]!;
        s1 += query[i + 1]! * v[o + 1]!;
        s2 += query[i + 2]! * v[o + 2]!;
        s3 += query[i + 3]! * v[o + 3]!;
      }
      for (; i < d; i++) s0 += query[i]! * v[base + i]!;
      const dot = s0 + s1 + s2 + s3;
      let good: number;
      if (metric === 'cosine') {
        const denominator = qNorm * norms[slot]!;
        good = denominator === 0 ? 0 : dot / denominator;
      } else if (metric === 'dotproduct') good = dot;
      else {
        const n = norms[slot]!;
        good = -Math.max(0, qNormSq + n * n - 2 * dot);
      }
      if (size === k && good <= heapGood[0]!) continue;
      if (predicate && !predicate(this.metadata[slot])) continue;
      if (size < k) {
        // sift up
        let c = size++;
        while (c > 0) {
          const p = (c - 1) >> 1;
          if (heapGood[p]! <= good) break;
          heapGood[c] = heapGood[p]!;
          heapSlot[c] = heapSlot[p]!;
          c = p;
        }
        heapGood[c] = good;
        heapSlot[c] = slot;
      } else {
        // replace the root and sift down
        let c = 0;
        for (;;) {
          const l = 2 * c + 1;
          if (l >= size) break;
          const r = l + 1;
          const m = r < size && heapGood[r]! < heapGood[l]! ? r : l;
          if (heapGood[m]! >= good) break;
          heapGood[c] = heapGood[m]!;
          heapSlot[c] = heapSlot[m]!;
          c = m;
        }
        heapGood[c] = good;
        heapSlot[c] = slot;
      }
    }
    const out: ScoredSlot[] = [];
    for (let i = 0; i < size; i++) out.push({ slot: heapSlot[i]!, score: metric === 'euclidean' ? -heapGood[i]! : heapGood[i]! });
    const sign = metric === 'euclidean' ? 1 : -1;
    return out.sort((a, b) => sign * (a.score - b.score) || a.slot - b.slot);
  }
}

/** A float32 as the shortest decimal that reads back as the same float32 (what Pinecone's JSON shows). */
export function float32ToNumber(x: number): number {
  if (!Number.isFinite(x) || Number.isInteger(x)) return x;
  for (let p = 6; p < 9; p++) {
    const candidate = Number(x.toPrecision(p));
    if (Math.fround(candidate) === x) return candidate;
  }
  return Number(x.toPrecision(9));
}
