// Contract arguments and results by type, as docs/contracts.md specifies them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeValue, encodeValue, parseType, toHex } from "../src/index.js";

test("the documented example: transfer(to: Address, amount: u128)", () => {
  const to = "0x00112233445566778899aabbccddeeff00112233";
  const bytes = toHex(new Uint8Array([...encodeValue("Address", to), ...encodeValue("u128", 100)]));
  assert.equal(bytes, "0x00112233445566778899aabbccddeeff0011223300000000000000000000000000000064");
});

test("every documented type round-trips", () => {
  const cases: [string, any, string][] = [
    ["u8", 7, "0x07"],
    ["u16", 258, "0x0102"],
    ["u32", 1, "0x00000001"],
    ["u64", 5n, "0x0000000000000005"],
    ["i64", -1n, "0xffffffffffffffff"],
    ["bool", true, "0x01"],
    ["()", null, "0x"],
    ["String", "城市", "0x00000006e59f8ee5b882"],
    ["alloc::string::String", "a", "0x0000000161"],
    ["Vec<u8>", "0xabcd", "0x00000002abcd"],
    ["[u8; 2]", "0xabcd", "0xabcd"],
    ["Vec<u16>", [1, 2], "0x0000000200010002"],
    ["Option<u8>", null, "0x00"],
    ["Option<u8>", 9, "0x0109"],
    ["(u8, bool)", [1, false], "0x0100"],
    ["Vec<(Address, Option<String>)>", [["0x" + "11".repeat(20), "x"]], "0x00000001" + "11".repeat(20) + "010000000178"],
  ];
  for (const [type, value, hex] of cases) {
    assert.equal(toHex(encodeValue(type, value)), hex, type);
    assert.deepEqual(decodeValue(type, Buffer.from(hex.slice(2), "hex")), value, type);
  }
  assert.deepEqual(decodeValue("Result<u8, MyError>", Uint8Array.of(3)), 3);
  assert.equal(decodeValue("Certificate", Uint8Array.of(1, 2)), "0x0102", "an opaque type is its bytes");
});

test("bad values and bad bytes are refused with the reason", () => {
  assert.throws(() => encodeValue("u8", 256), /does not fit in u8/);
  assert.throws(() => encodeValue("Address", "0x12"), /20 bytes/);
  assert.throws(() => encodeValue("bool", "yes"), /true or false/);
  assert.throws(() => encodeValue("(u8, u8)", [1]), /list of 2/);
  assert.throws(() => decodeValue("u32", Uint8Array.of(1)), /needs 4 bytes/);
  assert.throws(() => decodeValue("u8", Uint8Array.of(1, 2)), /trailing/);
  assert.throws(() => decodeValue("bool", Uint8Array.of(2)), /not a bool/);
  assert.throws(() => decodeValue("Vec<u64>", Uint8Array.of(0xff, 0xff, 0xff, 0xff)), /items in/);
  assert.throws(() => parseType("Vec<u8"), /expected ">"/);
  assert.throws(() => parseType("Option<".repeat(10) + "u8" + ">".repeat(10)), /deeper/);
});
