"""A minimal citychain client written from docs/protocol.md alone.

It encodes and signs transfers (Ed25519 suite), submits them over JSON-RPC, and verifies
a header's finality certificate and an account's Merkle proof without trusting the node.
Standard library plus the `cryptography` package (for Ed25519).
"""

import hashlib
import json
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

SUITE_TAG = {"ed25519": 1, "sm2": 2}


def H(suite, data):
    """The chain's hash: SHA-256 (ed25519 suite) or SM3 (sm2 suite)."""
    return hashlib.new("sha256" if suite == "ed25519" else "sm3", data).digest()


def unhex(s):
    return bytes.fromhex(s[2:] if s.startswith("0x") else s)


def hx(b):
    return "0x" + b.hex()


# --- Canonical encoding (section 1) ----------------------------------------------------

def u8(v): return v.to_bytes(1, "big")
def u16(v): return v.to_bytes(2, "big")
def u32(v): return v.to_bytes(4, "big")
def u64(v): return v.to_bytes(8, "big")
def u128(v): return v.to_bytes(16, "big")
def blob(b): return u32(len(b)) + b
def string(s): return blob(s.encode())


def varint(v):
    out = bytearray()
    while True:
        byte = v & 0x7F
        v >>= 7
        if v == 0:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def framed(namespace, msg):
    return varint(len(namespace)) + namespace + msg


# --- Keys and addresses (section 2) ----------------------------------------------------

def public_key_bytes(private_key):
    return private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def address(suite, key_bytes):
    return H(suite, b"citychain/address/v1" + u8(SUITE_TAG[suite]) + key_bytes)[:20]


# --- Transactions (section 3) ----------------------------------------------------------

TX_NAMESPACE = b"citychain/tx/v1"


def encode_transfer(chain_id, suite, sender_key, nonce, gas_limit, to, amount):
    payload = u8(0x01) + to + u128(amount)
    return string(chain_id) + u8(SUITE_TAG[suite]) + sender_key + u64(nonce) + u64(gas_limit) + payload


# --- Contracts (docs/contracts.md) -----------------------------------------------------

def encode_deploy(chain_id, suite, sender_key, nonce, gas_limit, code, init_args):
    payload = u8(0x02) + blob(code) + blob(init_args)
    return string(chain_id) + u8(SUITE_TAG[suite]) + sender_key + u64(nonce) + u64(gas_limit) + payload


def encode_call(chain_id, suite, sender_key, nonce, gas_limit, contract, method, args, value):
    payload = u8(0x03) + contract + string(method) + blob(args) + u128(value)
    return string(chain_id) + u8(SUITE_TAG[suite]) + sender_key + u64(nonce) + u64(gas_limit) + payload


def contract_address(suite, deployer, nonce):
    return H(suite, framed(b"citychain/contract-address/v1", deployer + u64(nonce)))[:20]


def contract_storage_key(contract, key):
    return b"\x05" + contract + key


def sign_transfer(private_key, chain_id, nonce, gas_limit, to, amount):
    """Returns (tx_hash, signed transaction bytes) for the ed25519 suite."""
    tx = encode_transfer(chain_id, "ed25519", public_key_bytes(private_key), nonce, gas_limit, to, amount)
    message = framed(TX_NAMESPACE, tx)
    signature = private_key.sign(message)
    return H("ed25519", message), tx + signature


# --- Assets (docs/assets.md; section 3 and 6) ------------------------------------------

def derived_id(suite, domain, creator, nonce):
    """The id of an asset, collection, vault or offer created by `creator` with `nonce`."""
    return H(suite, framed(domain, creator + u64(nonce)))[:20]


def asset_id(suite, creator, nonce):
    return derived_id(suite, b"citychain/asset-id/v1", creator, nonce)


def encode_value(v):
    """A value: ("native", amount), ("token", asset, amount) or ("item", collection, n)."""
    if v[0] == "native":
        return u8(0) + u128(v[1])
    if v[0] == "token":
        return u8(1) + v[1] + u128(v[2])
    return u8(2) + v[1] + u64(v[2])


def encode_asset_transfer(chain_id, suite, sender_key, nonce, gas_limit, asset, to, amount):
    payload = u8(0x05) + u8(4) + asset + to + u128(amount)
    return string(chain_id) + u8(SUITE_TAG[suite]) + sender_key + u64(nonce) + u64(gas_limit) + payload


def sign_asset_transfer(private_key, chain_id, nonce, gas_limit, asset, to, amount):
    """Returns (tx_hash, signed transaction bytes) of an asset transfer (ed25519 suite)."""
    tx = encode_asset_transfer(chain_id, "ed25519", public_key_bytes(private_key), nonce, gas_limit, asset, to, amount)
    message = framed(TX_NAMESPACE, tx)
    return H("ed25519", message), tx + private_key.sign(message)


def settlement_message(chain_id, sender, nonce, legs):
    """What a co-signer of a settlement signs (namespace citychain/settle/v1)."""
    out = string(chain_id) + sender + u64(nonce) + u32(len(legs))
    for frm, to, value in legs:
        out += frm + to + encode_value(value)
    return out


def holding_key(asset, holder):
    return b"\x0f" + asset + holder


def decode_holding(value):
    """A proven holding's bytes: (balance, frozen, record)."""
    if value is None:
        return 0, False, 0
    if len(value) != 25 or value[16] not in (0, 1):
        raise ValueError("not a holding")
    return int.from_bytes(value[:16], "big"), value[16] == 1, int.from_bytes(value[17:], "big")


# --- Blocks (section 5) ----------------------------------------------------------------

def encode_header(h):
    return (
        string(h["chain_id"]) + u64(h["height"]) + unhex(h["parent"]) + u64(h["timestamp"])
        + u64(h["epoch"]) + u64(h["view"]) + u64(h["parent_view"]) + unhex(h["proposer"])
        + unhex(h["tx_root"]) + u32(h["tx_count"]) + unhex(h["state_root"]) + unhex(h["receipts_root"])
        + u64(h["gas_used"]) + u8(SUITE_TAG[h["suite"]])
    )


def header_hash(h):
    return H(h["suite"], framed(b"citychain/header/v1", encode_header(h)))


# --- State proofs (section 6) ----------------------------------------------------------

PLACEHOLDER = b"SPARSE_MERKLE_PLACEHOLDER_HASH__"


def bit(h, i):
    return (h[i // 8] >> (7 - i % 8)) & 1


def verify_proof(suite, root, key, value, proof):
    siblings = [unhex(s) for s in proof["siblings"]]
    n = len(siblings)
    if n > 256:
        return False
    key_hash = H(suite, key)
    leaf = proof["leaf"]
    if value is not None:
        if leaf is None or unhex(leaf["key_hash"]) != key_hash or unhex(leaf["value_hash"]) != H(suite, value):
            return False
    elif leaf is not None:
        other = unhex(leaf["key_hash"])
        if other == key_hash or any(bit(other, i) != bit(key_hash, i) for i in range(n)):
            return False
    if leaf is None:
        current = PLACEHOLDER
    else:
        current = H(suite, b"JMT::LeafNode" + unhex(leaf["key_hash"]) + unhex(leaf["value_hash"]))
    for i, sibling in enumerate(siblings):
        if bit(key_hash, n - 1 - i):
            current = H(suite, b"JMT::IntrnalNode" + sibling + current)
        else:
            current = H(suite, b"JMT::IntrnalNode" + current + sibling)
    return current == root


def decode_account(value):
    return int.from_bytes(value[:8], "big"), int.from_bytes(value[8:24], "big")


# --- Genesis and finality (sections 7 and 8) -------------------------------------------

WASM_U32 = ["max_code_bytes", "max_memory_pages", "max_call_depth", "max_recursion_depth",
            "max_output_bytes", "max_key_bytes", "max_value_bytes"]
WASM_U8 = ["instruction_gas", "memory_access_gas", "call_instruction_gas"]
WASM_GAS = ["host_call_gas", "instantiate_gas", "deploy_byte_gas", "storage_read_gas",
            "storage_read_byte_gas", "storage_write_gas", "storage_write_byte_gas", "event_gas",
            "event_byte_gas", "call_gas", "hash_gas", "hash_byte_gas", "verify_gas",
            "instantiate_byte_gas", "instantiate_item_gas", "memory_page_gas", "load_byte_gas",
            "load_function_gas", "storage_step_gas"]


def encode_params(p):
    w = p["wasm"]
    wasm = (
        b"".join(u32(w[k]) for k in WASM_U32) + b"".join(u8(w[k]) for k in WASM_U8)
        + u32(w["bytes_per_gas"]) + b"".join(u64(w[k]) for k in WASM_GAS)
    )
    return (
        u8(3) + u64(p["block_gas_limit"]) + u64(p["max_tx_gas"]) + u32(p["max_block_txs"]) + u32(p["max_tx_bytes"])
        + u128(int(p["fee_price"])) + u64(p["tx_base_gas"]) + u64(p["tx_byte_gas"]) + u64(p["transfer_gas"])
        + u64(p["empty_block_interval_ms"]) + wasm
    )


ROLE_BITS = {"admin": 1, "validator": 2, "client": 4, "regulator": 8, "observer": 16, "issuer": 32}


def roles(names):
    return u8(sum(ROLE_BITS[n] for n in names))


def encode_consortium(g):
    orgs = g.get("organizations", [])
    out = u32(len(orgs))
    for o in orgs:
        out += string(o["id"]) + string(o["name"])
        out += u32(len(o["admins"])) + b"".join(unhex(a) for a in o["admins"])
        vs = o.get("validators", [])
        out += u32(len(vs)) + b"".join(unhex(v) for v in vs)
    members = g.get("members", [])
    out += u32(len(members)) + b"".join(unhex(m["account"]) + string(m["org"]) + roles(m["roles"]) for m in members)
    p = g.get("policy") or {"transfer": [], "deploy": [], "call": [], "contract_rules": [], "propose": ["admin"],
                            "regulator_can_freeze": True, "deploy_needs_approval": False}
    out += roles(p["transfer"]) + roles(p["deploy"]) + roles(p["call"])
    out += u32(len(p["contract_rules"])) + b"".join(unhex(r["contract"]) + roles(r["roles"]) for r in p["contract_rules"])
    out += roles(p["propose"]) + u8(1 if p["regulator_can_freeze"] else 0)
    out += u8(1 if p.get("deploy_needs_approval") else 0)
    t = g.get("thresholds") or {"default_percent": 50, "validators_percent": 66, "rules_percent": 50}
    return out + u8(t["default_percent"]) + u8(t["validators_percent"]) + u8(t["rules_percent"])


def encode_genesis(g):
    params = encode_params(g["params"])
    validators = u32(len(g["validators"])) + b"".join(string(v["name"]) + unhex(v["consensus_key"]) for v in g["validators"])
    accounts = u32(len(g["accounts"])) + b"".join(unhex(a["address"]) + u128(int(a["balance"])) for a in g["accounts"])
    return (string(g["chain_id"]) + u8(SUITE_TAG[g["suite"]]) + u64(g["genesis_time_ms"]) + params + validators
            + accounts + encode_consortium(g) + u64(g.get("epoch_blocks", 600)) + encode_genesis_contracts(g))


def encode_genesis_contracts(g):
    cs = g.get("contracts", [])
    return u32(len(cs)) + b"".join(
        string(c["name"]) + blob(unhex(c["code"])) + blob(unhex(c.get("init_args", "0x"))) + unhex(c["admin"])
        for c in cs)


def genesis_hash(g):
    return H(g["suite"], framed(b"citychain/genesis/v1", encode_genesis(g)))


def verify_finality(genesis, info):
    """Checks a chain_getHeader result against a trusted genesis; returns the verified header."""
    header = info["header"]
    if header_hash(header) != unhex(info["hash"]):
        raise ValueError("header does not hash to the claimed hash")
    f = info["finality"]
    if f is None:
        raise ValueError("no finality certificate")
    last, last_hash = header, header_hash(header)
    for d in f["descendants"]:
        if unhex(d["parent"]) != last_hash or d["height"] != last["height"] + 1:
            raise ValueError("descendant does not link")
        last, last_hash = d, header_hash(d)
    if last_hash != unhex(f["finalized_hash"]):
        raise ValueError("certificate is for another block")
    if (f["epoch"], f["view"], f["parent_view"]) != (last["epoch"], last["view"], last["parent_view"]):
        raise ValueError("certificate round does not match the header")
    keys = sorted(unhex(v["consensus_key"]) for v in genesis["validators"])
    n = len(keys)
    quorum = n - (n - 1) // 3
    if len(set(f["signers"])) != len(f["signers"]) or len(f["signers"]) < quorum:
        raise ValueError("no quorum")
    namespace = b"citychain/consensus/v1/" + genesis_hash(genesis) + b"_FINALIZE"
    message = varint(f["epoch"]) + varint(f["view"]) + varint(f["parent_view"]) + unhex(f["finalized_hash"])
    for index, signature in zip(f["signers"], f["signatures"]):
        try:
            Ed25519PublicKey.from_public_bytes(keys[index]).verify(unhex(signature), framed(namespace, message))
        except (InvalidSignature, IndexError) as e:
            raise ValueError(f"signature of validator {index} does not verify") from e
    return header


# --- JSON-RPC (section 9) --------------------------------------------------------------

class Rpc:
    def __init__(self, url):
        self.url = url
        self.next_id = 0

    def call(self, method, *params):
        self.next_id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": list(params)}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            reply = json.load(response)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]
