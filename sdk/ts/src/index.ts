/**
 * citychain's TypeScript SDK. Everything is verified against docs/protocol.md's vectors and a
 * live node; see README.md for a complete example.
 */

export * from "./abi.js";
export * from "./bytes.js";
export * as certificates from "./certificates.js";
export * from "./client.js";
export * from "./crypto.js";
/** The API's types, generated from docs/openrpc.json (`Api.BlockInfo`, `Api.Methods`, …). */
export type * as Api from "./generated/api.js";
export { API_VERSION, METHOD_NAMES, SUBSCRIPTIONS } from "./generated/api.js";
export * from "./keystore.js";
export * from "./rpc.js";
export { sm3, sm4GcmDecrypt, sm4GcmEncrypt, Sm4 } from "./sm.js";
export * from "./transaction.js";
export * from "./verify.js";
