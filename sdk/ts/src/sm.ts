/**
 * The national algorithms the SDK needs and no small, well-kept npm package provides: the SM3
 * hash (GB/T 32905) and the SM4 block cipher (GB/T 32907) with GCM, for SM2 key files.
 * Checked against the standards' vectors (test/sm.test.ts).
 */

import { type Bytes, concat, equal } from "./bytes.js";

const rotl = (x: number, n: number): number => ((x << n) | (x >>> (32 - n))) >>> 0;

const SM3_IV = [
  0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
];

/** SM3 of `data`. */
export function sm3(data: Bytes): Bytes {
  const bitLength = BigInt(data.length) * 8n;
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  new DataView(padded.buffer).setBigUint64(padded.length - 8, bitLength);
  const v = [...SM3_IV];
  const w = new Array<number>(68);
  const w1 = new Array<number>(64);
  const view = new DataView(padded.buffer);
  for (let block = 0; block < padded.length; block += 64) {
    for (let j = 0; j < 16; j++) w[j] = view.getUint32(block + 4 * j);
    for (let j = 16; j < 68; j++) {
      const x = w[j - 16]! ^ w[j - 9]! ^ rotl(w[j - 3]!, 15);
      const p1 = x ^ rotl(x, 15) ^ rotl(x, 23);
      w[j] = (p1 ^ rotl(w[j - 13]!, 7) ^ w[j - 6]!) >>> 0;
    }
    for (let j = 0; j < 64; j++) w1[j] = (w[j]! ^ w[j + 4]!) >>> 0;
    let [a, b, c, d, e, f, g, h] = v as [number, number, number, number, number, number, number, number];
    for (let j = 0; j < 64; j++) {
      const t = j < 16 ? 0x79cc4519 : 0x7a879d8a;
      const ss1 = rotl((rotl(a, 12) + e + rotl(t, j % 32)) >>> 0, 7);
      const ss2 = ss1 ^ rotl(a, 12);
      const ff = j < 16 ? a ^ b ^ c : (a & b) | (a & c) | (b & c);
      const gg = j < 16 ? e ^ f ^ g : (e & f) | (~e & g);
      const tt1 = (ff + d + ss2 + w1[j]!) >>> 0;
      const tt2 = (gg + h + ss1 + w[j]!) >>> 0;
      d = c;
      c = rotl(b, 9);
      b = a;
      a = tt1;
      h = g;
      g = rotl(f, 19);
      f = e;
      e = (tt2 ^ rotl(tt2, 9) ^ rotl(tt2, 17)) >>> 0;
    }
    const next = [a, b, c, d, e, f, g, h];
    for (let i = 0; i < 8; i++) v[i] = (v[i]! ^ next[i]!) >>> 0;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  v.forEach((word, i) => outView.setUint32(4 * i, word));
  return out;
}

// GB/T 32907's S-box.
const SBOX = Uint8Array.from(
  "d690e9fecce13db716b614c228fb2c052b679a762abe04c3aa441326498606999c4250f491ef987a33540b43edcfac62e4b31ca9c908e89580df94fa758f3fa64707a7fcf37317ba83593c19e6854fa8686b81b27164da8bf8eb0f4b70569d351e240e5e6358d1a225227c3b01217887d40046579fd327524c3602e7a0c4c89eeabf8ad240c738b5a3f7f2cef96115a1e0ae5da49b341a55ad933230f58cb1e31df6e22e8266ca60c02923ab0d534e6fd5db3745defd8e2f03ff6a726d6c5b518d1baf92bbddbc7f11d95c411f105ad80ac13188a5cd7bbd2d74d012b8e5b4b08969974a0c96777e65b9f109c56ec68418f07dec3adc4d2079ee5f3ed7cb3948"
    .match(/../g)!
    .map((h) => parseInt(h, 16)),
);
const FK = [0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc];
// CK[i] has bytes (4i + j) * 7 mod 256, j = 0..3.
const CK = Array.from({ length: 32 }, (_, i) =>
  [0, 1, 2, 3].reduce((acc, j) => ((acc << 8) | (((4 * i + j) * 7) & 0xff)) >>> 0, 0),
);

function tau(x: number): number {
  return (
    ((SBOX[x >>> 24]! << 24) | (SBOX[(x >>> 16) & 0xff]! << 16) | (SBOX[(x >>> 8) & 0xff]! << 8) | SBOX[x & 0xff]!) >>> 0
  );
}

/** The SM4 block cipher (encryption only: GCM needs no more). */
export class Sm4 {
  private readonly rk: number[] = [];

  constructor(key: Bytes) {
    if (key.length !== 16) throw new Error("SM4 takes a 16-byte key");
    const view = new DataView(key.buffer, key.byteOffset, 16);
    const k = [0, 1, 2, 3].map((i) => (view.getUint32(4 * i) ^ FK[i]!) >>> 0);
    for (let i = 0; i < 32; i++) {
      const b = tau((k[i + 1]! ^ k[i + 2]! ^ k[i + 3]! ^ CK[i]!) >>> 0);
      k.push((k[i]! ^ b ^ rotl(b, 13) ^ rotl(b, 23)) >>> 0);
      this.rk.push(k[i + 4]!);
    }
  }

  encryptBlock(block: Bytes): Bytes {
    const view = new DataView(block.buffer, block.byteOffset, 16);
    const x = [0, 1, 2, 3].map((i) => view.getUint32(4 * i));
    for (let i = 0; i < 32; i++) {
      const b = tau((x[i + 1]! ^ x[i + 2]! ^ x[i + 3]! ^ this.rk[i]!) >>> 0);
      x.push((x[i]! ^ b ^ rotl(b, 2) ^ rotl(b, 10) ^ rotl(b, 18) ^ rotl(b, 24)) >>> 0);
    }
    const out = new Uint8Array(16);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 4; i++) outView.setUint32(4 * i, x[35 - i]!);
    return out;
  }
}

// --- GCM (NIST SP 800-38D) over SM4, with a 12-byte nonce and a 16-byte tag ---

const toBig = (b: Bytes): bigint => b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
const fromBig = (v: bigint): Bytes => {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};
const R = 0xe1n << 120n;

function gfMul(x: bigint, y: bigint): bigint {
  let z = 0n;
  let v = y;
  for (let i = 127; i >= 0; i--) {
    if ((x >> BigInt(i)) & 1n) z ^= v;
    v = v & 1n ? (v >> 1n) ^ R : v >> 1n;
  }
  return z;
}

function ghash(h: bigint, aad: Bytes, ciphertext: Bytes): Bytes {
  let y = 0n;
  const absorb = (data: Bytes) => {
    for (let i = 0; i < data.length; i += 16) {
      const block = new Uint8Array(16);
      block.set(data.subarray(i, i + 16));
      y = gfMul(y ^ toBig(block), h);
    }
  };
  absorb(aad);
  absorb(ciphertext);
  const lengths = new Uint8Array(16);
  const view = new DataView(lengths.buffer);
  view.setBigUint64(0, BigInt(aad.length) * 8n);
  view.setBigUint64(8, BigInt(ciphertext.length) * 8n);
  y = gfMul(y ^ toBig(lengths), h);
  return fromBig(y);
}

function ctr(cipher: Sm4, j0: Bytes, data: Bytes): Bytes {
  const out = new Uint8Array(data.length);
  const counter = j0.slice();
  const view = new DataView(counter.buffer);
  for (let i = 0; i < data.length; i += 16) {
    view.setUint32(12, (view.getUint32(12) + 1) >>> 0);
    const stream = cipher.encryptBlock(counter);
    for (let j = 0; j < 16 && i + j < data.length; j++) out[i + j] = data[i + j]! ^ stream[j]!;
  }
  return out;
}

function gcmParts(key: Bytes, nonce: Bytes) {
  if (nonce.length !== 12) throw new Error("SM4-GCM takes a 12-byte nonce");
  const cipher = new Sm4(key);
  const h = toBig(cipher.encryptBlock(new Uint8Array(16)));
  const j0 = concat(nonce, Uint8Array.of(0, 0, 0, 1));
  return { cipher, h, j0 };
}

/** SM4-GCM encryption: ciphertext || 16-byte tag. */
export function sm4GcmEncrypt(key: Bytes, nonce: Bytes, plaintext: Bytes, aad: Bytes): Bytes {
  const { cipher, h, j0 } = gcmParts(key, nonce);
  const ciphertext = ctr(cipher, j0, plaintext);
  const s = ghash(h, aad, ciphertext);
  const tag = cipher.encryptBlock(j0).map((b, i) => b ^ s[i]!);
  return concat(ciphertext, tag);
}

/** SM4-GCM decryption; throws if the tag does not match (wrong key or altered data). */
export function sm4GcmDecrypt(key: Bytes, nonce: Bytes, sealed: Bytes, aad: Bytes): Bytes {
  if (sealed.length < 16) throw new Error("SM4-GCM: too short for a tag");
  const { cipher, h, j0 } = gcmParts(key, nonce);
  const ciphertext = sealed.subarray(0, sealed.length - 16);
  const s = ghash(h, aad, ciphertext);
  const tag = cipher.encryptBlock(j0).map((b, i) => b ^ s[i]!);
  if (!equal(tag, sealed.subarray(sealed.length - 16))) {
    throw new Error("SM4-GCM: authentication failed");
  }
  return ctr(cipher, j0, ciphertext);
}
