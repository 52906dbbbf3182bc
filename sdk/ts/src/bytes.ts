/**
 * Bytes, hex and the canonical encoding of docs/protocol.md §1: fixed-width big-endian
 * integers, `u32`-length-prefixed bytes and strings, `u32`-counted lists, `0x00`/`0x01`
 * options, and the `framed(namespace, msg)` that every signature covers.
 */

export type Bytes = Uint8Array;

const HEX = /^0x([0-9a-fA-F]{2})*$/;

/** `0x`-prefixed lowercase hex. */
export function toHex(bytes: Bytes): string {
  let out = "0x";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Parses `0x`-prefixed hex (the only form the API carries); `length` checks the size. */
export function fromHex(text: string, length?: number): Bytes {
  if (typeof text !== "string" || !HEX.test(text)) {
    throw new Error(`${JSON.stringify(text)} is not 0x-prefixed hex`);
  }
  const out = new Uint8Array((text.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 + 2 * i, 4 + 2 * i), 16);
  if (length !== undefined && out.length !== length) {
    throw new Error(`expected ${length} bytes, got ${out.length} in ${text}`);
  }
  return out;
}

export function concat(...parts: Bytes[]): Bytes {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equal(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export const utf8 = (text: string): Bytes => new TextEncoder().encode(text);

/** Unsigned LEB128, as commonware encodes lengths and consensus rounds. */
export function varint(value: number | bigint): Bytes {
  let v = BigInt(value);
  if (v < 0n) throw new Error("varint of a negative number");
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? byte : byte | 0x80);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

/** `varint(len(namespace)) || namespace || msg`: what every signature covers. */
export function framed(namespace: Bytes | string, message: Bytes): Bytes {
  const ns = typeof namespace === "string" ? utf8(namespace) : namespace;
  return concat(varint(ns.length), ns, message);
}

function uint(value: number | bigint, width: number, what: string): Bytes {
  let v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(8 * width)) {
    throw new Error(`${what} ${value} does not fit in ${8 * width} unsigned bits`);
  }
  const out = new Uint8Array(width);
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Builds a canonical encoding. */
export class Writer {
  private parts: Bytes[] = [];

  u8(v: number): this {
    return this.raw(uint(v, 1, "u8"));
  }
  u16(v: number): this {
    return this.raw(uint(v, 2, "u16"));
  }
  u32(v: number): this {
    return this.raw(uint(v, 4, "u32"));
  }
  u64(v: number | bigint): this {
    return this.raw(uint(v, 8, "u64"));
  }
  u128(v: number | bigint | string): this {
    return this.raw(uint(BigInt(v), 16, "u128"));
  }
  i64(v: number | bigint): this {
    const n = BigInt(v);
    if (n < -(1n << 63n) || n >= 1n << 63n) throw new Error(`i64 ${v} out of range`);
    return this.raw(uint(BigInt.asUintN(64, n), 8, "i64"));
  }
  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }
  raw(bytes: Bytes): this {
    this.parts.push(bytes);
    return this;
  }
  /** `u32` length, then the bytes. */
  bytes(bytes: Bytes): this {
    return this.u32(bytes.length).raw(bytes);
  }
  string(text: string): this {
    return this.bytes(utf8(text));
  }
  list<T>(items: readonly T[], each: (w: Writer, item: T) => void): this {
    this.u32(items.length);
    for (const item of items) each(this, item);
    return this;
  }
  option<T>(value: T | null | undefined, each: (w: Writer, item: T) => void): this {
    if (value === null || value === undefined) return this.u8(0);
    this.u8(1);
    each(this, value);
    return this;
  }
  finish(): Bytes {
    return concat(...this.parts);
  }
}

/** Reads a canonical encoding strictly: truncation is an error naming the field. */
export class Reader {
  private at = 0;
  constructor(private readonly data: Bytes) {}

  take(n: number, what: string): Bytes {
    if (this.at + n > this.data.length) {
      throw new Error(`${what}: needs ${n} bytes at offset ${this.at}, ${this.data.length - this.at} left`);
    }
    const out = this.data.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  uint(width: number, what: string): bigint {
    let v = 0n;
    for (const b of this.take(width, what)) v = (v << 8n) | BigInt(b);
    return v;
  }
  u8(what: string): number {
    return Number(this.uint(1, what));
  }
  u32(what: string): number {
    return Number(this.uint(4, what));
  }
  u64(what: string): bigint {
    return this.uint(8, what);
  }
  bytes(what: string, max = 1 << 24): Bytes {
    const n = this.u32(what);
    if (n > max) throw new Error(`${what}: length ${n} exceeds ${max}`);
    return this.take(n, what);
  }
  string(what: string): string {
    return new TextDecoder("utf-8", { fatal: true }).decode(this.bytes(what));
  }
  get remaining(): number {
    return this.data.length - this.at;
  }
  /** Fails if bytes are left over (decoders are strict). */
  end(what: string): void {
    if (this.remaining !== 0) throw new Error(`${what}: ${this.remaining} trailing bytes`);
  }
}
