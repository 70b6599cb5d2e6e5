/**
 * One namespace of the embedded store on disk: an append-only binary log, replayed into a VectorTable
 * when first used and followed incrementally after that (the local runtime writes, the CLI reads the
 * same files: a reader checks the file's size and inode before each operation and applies only what was
 * appended, or reloads after a compaction replaced the file).
 *
 * Frame: u32 LE payload length, u32 LE CRC-32 of the payload, payload. A torn frame at the end (a crash
 * mid-write) fails its length or CRC check and is cut off on the next write. Payloads (u8 op first):
 *   0 header   u32 dimension, then the namespace name (UTF-8)
 *   1 upsert   u32 count, then per record: u16 id length, id, u32 metadata length (0: none), metadata
 *              JSON, dimension × f32 LE (copied byte for byte into the table: no number parsing)
 *   2 delete   u32 count, then per id: u16 length, id
 *   3 clear
 * When the log holds more than twice the live records (overwrites, deletes), it is rewritten compactly
 * to a temporary file renamed over it.
 */
import fs from 'node:fs';
import { crc32 } from 'node:zlib';
import type { Metadata } from '../metadata';
import { VectorTable } from './vector-table';

const OP_HEADER = 0;
const OP_UPSERT = 1;
const OP_DELETE = 2;
const OP_CLEAR = 3;
/** Records per upsert frame when compacting. */
const COMPACT_CHUNK = 1000;

function frame(payload: Buffer): Buffer {
  const head = Buffer.allocUnsafe(8);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([head, payload]);
}

export function headerFrame(namespace: string, dimension: number): Buffer {
  const name = Buffer.from(namespace, 'utf8');
  const payload = Buffer.allocUnsafe(5 + name.length);
  payload.writeUInt8(OP_HEADER, 0);
  payload.writeUInt32LE(dimension, 1);
  name.copy(payload, 5);
  return frame(payload);
}

export interface LogRecord {
  id: string;
  values: ArrayLike<number>;
  metadata?: Metadata | undefined;
}

export function upsertFrame(records: LogRecord[], dimension: number): Buffer {
  const ids = records.map((r) => Buffer.from(r.id, 'utf8'));
  const metas = records.map((r) => (r.metadata ? Buffer.from(JSON.stringify(r.metadata), 'utf8') : undefined));
  let size = 5;
  for (let i = 0; i < records.length; i++) size += 2 + ids[i]!.length + 4 + (metas[i]?.length ?? 0) + dimension * 4;
  const payload = Buffer.allocUnsafe(size);
  payload.writeUInt8(OP_UPSERT, 0);
  payload.writeUInt32LE(records.length, 1);
  let o = 5;
  for (let i = 0; i < records.length; i++) {
    o = payload.writeUInt16LE(ids[i]!.length, o);
    o += ids[i]!.copy(payload, o);
    const meta = metas[i];
    o = payload.writeUInt32LE(meta?.length ?? 0, o);
    if (meta) o += meta.copy(payload, o);
    const values = records[i]!.values;
    const floats = values instanceof Float32Array ? values : Float32Array.from(values);
    o += Buffer.from(floats.buffer, floats.byteOffset, dimension * 4).copy(payload, o);
  }
  return frame(payload);
}

export function deleteFrame(ids: string[]): Buffer {
  const encoded = ids.map((id) => Buffer.from(id, 'utf8'));
  const payload = Buffer.allocUnsafe(5 + encoded.reduce((n, b) => n + 2 + b.length, 0));
  payload.writeUInt8(OP_DELETE, 0);
  payload.writeUInt32LE(ids.length, 1);
  let o = 5;
  for (const b of encoded) {
    o = payload.writeUInt16LE(b.length, o);
    o += b.copy(payload, o);
  }
  return frame(payload);
}

export const clearFrame = (): Buffer => frame(Buffer.from([OP_CLEAR]));

/** The namespace name and dimension in a log's first frame (undefined when unreadable). */
export function readHeader(file: string): { namespace: string; dimension: number } | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(8);
    if (fs.readSync(fd, head, 0, 8, 0) < 8) return undefined;
    const length = head.readUInt32LE(0);
    if (length < 5 || length > 4096) return undefined;
    const payload = Buffer.alloc(length);
    if (fs.readSync(fd, payload, 0, length, 8) < length || crc32(payload) !== head.readUInt32LE(4) || payload[0] !== OP_HEADER) return undefined;
    return { dimension: payload.readUInt32LE(1), namespace: payload.toString('utf8', 5) };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export class NamespaceLog {
  table: VectorTable;
  /** Bytes of the file applied to the table. */
  private offset = 0;
  private ino = -1;
  /** Records written to the log (each upsert record and delete counts): compaction compares it with the live count. */
  private written = 0;

  constructor(
    readonly file: string,
    readonly namespace: string,
    readonly dimension: number,
  ) {
    this.table = new VectorTable(dimension);
  }

  /** Brings the table up to date with the file (appends by another process, or a replaced file). */
  refresh(): void {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.file);
    } catch {
      // No file (never written, or the namespace was deleted): empty.
      if (this.offset !== 0 || this.table.count) this.reset();
      return;
    }
    if (stat.ino !== this.ino || stat.size < this.offset) {
      this.reset();
      this.ino = stat.ino;
      // Sized for every record the file could hold: loading never regrows (and recopies) the matrix.
      this.table = new VectorTable(this.dimension, Math.max(256, Math.ceil(stat.size / (this.dimension * 4 + 16))));
    }
    if (stat.size > this.offset) this.applyFrom(stat.size);
  }

  private reset(): void {
    this.table = new VectorTable(this.dimension);
    this.offset = 0;
    this.written = 0;
    this.ino = -1;
  }

  private applyFrom(size: number): void {
    const length = size - this.offset;
    const buffer = Buffer.allocUnsafe(length);
    const fd = fs.openSync(this.file, 'r');
    try {
      let read = 0;
      while (read < length) {
        const n = fs.readSync(fd, buffer, read, length - read, this.offset + read);
        if (n === 0) break;
        read += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    this.offset += this.applyFrames(buffer);
  }

  /** Applies every whole, intact frame of `buffer`; returns the bytes they took. */
  private applyFrames(buffer: Buffer): number {
    let o = 0;
    while (o + 8 <= buffer.length) {
      const payloadLength = buffer.readUInt32LE(o);
      const end = o + 8 + payloadLength;
      if (end > buffer.length) break;
      const payload = buffer.subarray(o + 8, end);
      if (crc32(payload) !== buffer.readUInt32LE(o + 4)) break;
      this.apply(payload);
      o = end;
    }
    return o;
  }

  private apply(payload: Buffer): void {
    const op = payload[0];
    const t = this.table;
    if (op === OP_UPSERT) {
      const count = payload.readUInt32LE(1);
      let o = 5;
      for (let i = 0; i < count; i++) {
        const idLength = payload.readUInt16LE(o);
        o += 2;
        const id = payload.toString('utf8', o, o + idLength);
        o += idLength;
        const metaLength = payload.readUInt32LE(o);
        o += 4;
        const metadata = metaLength ? (JSON.parse(payload.toString('utf8', o, o + metaLength)) as Metadata) : undefined;
        o += metaLength;
        t.putBytes(id, payload, o, metadata);
        o += this.dimension * 4;
      }
      this.written += count;
    } else if (op === OP_DELETE) {
      const count = payload.readUInt32LE(1);
      let o = 5;
      for (let i = 0; i < count; i++) {
        const idLength = payload.readUInt16LE(o);
        o += 2;
        t.remove(payload.toString('utf8', o, o + idLength));
        o += idLength;
      }
      this.written += count;
    } else if (op === OP_CLEAR) {
      t.clear();
    }
  }

  /** Appends frames (a header first on a new file) and applies them to the table. */
  append(frames: Buffer[]): void {
    this.refresh();
    if (this.offset === 0) {
      fs.writeFileSync(this.file, headerFrame(this.namespace, this.dimension), { flag: 'w' });
      this.ino = fs.statSync(this.file).ino;
      this.offset = fs.statSync(this.file).size;
    }
    const data = Buffer.concat(frames);
    const fd = fs.openSync(this.file, 'r+');
    try {
      // Written at the offset we applied up to: a torn frame left by a crash is overwritten.
      let done = 0;
      while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, this.offset + done);
      fs.ftruncateSync(fd, this.offset + data.length);
    } finally {
      fs.closeSync(fd);
    }
    this.offset += this.applyFrames(data);
    if (this.written > 2 * this.table.count + COMPACT_CHUNK) this.compact();
  }

  /** Rewrites the log with only the live records (a temporary file renamed over it). */
  compact(): void {
    const t = this.table;
    const tmp = `${this.file}.${process.pid}.tmp`;
    const parts: Buffer[] = [headerFrame(this.namespace, this.dimension)];
    for (let start = 0; start < t.count; start += COMPACT_CHUNK) {
      const records: LogRecord[] = [];
      for (let slot = start; slot < Math.min(t.count, start + COMPACT_CHUNK); slot++) records.push({ id: t.ids[slot]!, values: t.row(slot), metadata: t.metadata[slot] });
      parts.push(upsertFrame(records, this.dimension));
    }
    fs.writeFileSync(tmp, Buffer.concat(parts));
    fs.renameSync(tmp, this.file);
    const stat = fs.statSync(this.file);
    this.ino = stat.ino;
    this.offset = stat.size;
    this.written = t.count;
  }

  /** Removes the file (the namespace and its records). */
  destroy(): void {
    fs.rmSync(this.file, { force: true });
    this.reset();
  }
}
