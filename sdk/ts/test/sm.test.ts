// SM3 and SM4 against GB/T 32905 and GB/T 32907's examples and, on random inputs, against
// Node's OpenSSL; SM4-GCM round trips and refuses altered data.
import assert from "node:assert/strict";
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { test } from "node:test";
import { Sm4, fromHex, sm3, sm4GcmDecrypt, sm4GcmEncrypt, toHex, utf8 } from "../src/index.js";

test("SM3: the standard's examples and OpenSSL on random inputs", () => {
  assert.equal(toHex(sm3(utf8("abc"))), "0x66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  assert.equal(toHex(sm3(utf8("abcd".repeat(16)))), "0xdebe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
  for (let n = 0; n < 300; n += 7) {
    const data = randomBytes(n);
    assert.equal(toHex(sm3(data)), "0x" + createHash("sm3").update(data).digest("hex"), `length ${n}`);
  }
});

test("SM4: the standard's example and OpenSSL on random blocks", () => {
  const key = fromHex("0x0123456789abcdeffedcba9876543210");
  assert.equal(toHex(new Sm4(key).encryptBlock(key)), "0x681edf34d206965e86b3e94f536e4246");
  for (let i = 0; i < 50; i++) {
    const k = randomBytes(16);
    const block = randomBytes(16);
    const openssl = createCipheriv("sm4-ecb", k, null).setAutoPadding(false).update(block);
    assert.equal(toHex(new Sm4(k).encryptBlock(block)), "0x" + openssl.toString("hex"));
  }
});

test("SM4-GCM round trips, and fails on a changed byte, tag or associated data", () => {
  const key = randomBytes(16);
  const nonce = randomBytes(12);
  const aad = utf8("citychain/keyfile/v1");
  for (const length of [0, 1, 16, 32, 45]) {
    const plain = randomBytes(length);
    const sealed = sm4GcmEncrypt(key, nonce, plain, aad);
    assert.equal(sealed.length, length + 16);
    assert.deepEqual(Buffer.from(sm4GcmDecrypt(key, nonce, sealed, aad)), plain);
    // The keystream is SM4-CTR from the second counter block, as OpenSSL computes it.
    const counter = Buffer.concat([nonce, Buffer.from([0, 0, 0, 2])]);
    const ctr = createCipheriv("sm4-ctr", key, counter).update(plain);
    assert.equal(toHex(sealed.subarray(0, length)), "0x" + ctr.toString("hex"));
    for (const at of [0, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at]! ^= 1;
      assert.throws(() => sm4GcmDecrypt(key, nonce, bad, aad), /authentication failed/);
    }
    assert.throws(() => sm4GcmDecrypt(key, nonce, sealed, utf8("other")), /authentication failed/);
  }
});
