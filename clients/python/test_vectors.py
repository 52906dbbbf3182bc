"""Checks the test vectors of docs/protocol.md with an independent implementation."""

import json
import pathlib
import sys

import citychain as cc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

doc = (pathlib.Path(__file__).parent / "../../docs/protocol.md").read_text()
start = doc.index("```json test-vectors")
body = doc[doc.index("\n", start) + 1:]
vectors = json.loads(body[: body.index("\n```")])
failures = []


def check(name, got, want):
    if got != want:
        failures.append(f"{name}: got {got}, want {want}")


for suite, v in [("ed25519", vectors["transfer_ed25519"]), ("sm2", vectors["transfer_sm2"])]:
    key = cc.unhex(v["public_key"].split(":", 1)[1])
    tx = cc.encode_transfer(v["chain_id"], suite, key, v["nonce"], v["gas_limit"], cc.unhex(v["to"]), int(v["amount"]))
    check(f"{suite} tx_bytes", cc.hx(tx), v["tx_bytes"])
    message = cc.framed(cc.TX_NAMESPACE, tx)
    check(f"{suite} signing_message", cc.hx(message), v["signing_message"])
    check(f"{suite} tx_hash", cc.hx(cc.H(suite, message)), v["tx_hash"])
    check(f"{suite} address", cc.hx(cc.address(suite, key)), v["address"])
    check(f"{suite} signed_tx_bytes", cc.hx(tx + cc.unhex(v["signature"])), v["signed_tx_bytes"])
    if suite == "ed25519":
        private = Ed25519PrivateKey.from_private_bytes(cc.unhex(v["secret_key"]))
        check("ed25519 public key", cc.public_key_bytes(private), key)
        tx_hash, signed = cc.sign_transfer(private, v["chain_id"], v["nonce"], v["gas_limit"], cc.unhex(v["to"]), int(v["amount"]))
        check("ed25519 signature (deterministic)", cc.hx(signed[-64:]), v["signature"])

h = vectors["header"]
check("header bytes", cc.hx(cc.encode_header(h["header"])), h["header_bytes"])
check("header hash", cc.hx(cc.header_hash(h["header"])), h["hash"])

p = vectors["account_proof"]
root = cc.unhex(p["state_root"])
check("inclusion proof", cc.verify_proof("ed25519", root, cc.unhex(p["key"]), cc.unhex(p["value"]), p["proof"]), True)
check("exclusion proof", cc.verify_proof("ed25519", root, b"\x01" + cc.unhex(p["absent_address"]), None, p["absent_proof"]), True)
check("wrong value fails", cc.verify_proof("ed25519", root, cc.unhex(p["key"]), b"\x00" * 24, p["proof"]), False)
check("decoded account", cc.decode_account(cc.unhex(p["value"])), (2, 2000))

f = vectors["finality"]
namespace = b"citychain/consensus/v1/" + cc.unhex(f["genesis_hash"])
check("namespace", cc.hx(namespace), f["namespace"])
message = cc.varint(f["epoch"]) + cc.varint(f["view"]) + cc.varint(f["parent_view"]) + cc.unhex(f["block_hash"])
check("finalize message", cc.hx(message), f["message"])
signed_bytes = cc.framed(namespace + b"_FINALIZE", message)
check("finalize signed bytes", cc.hx(signed_bytes), f["signed_bytes"])
Ed25519PublicKey.from_public_bytes(cc.unhex(f["validator_key"])).verify(cc.unhex(f["signature"]), signed_bytes)

c = vectors["contracts"]
ed = vectors["transfer_ed25519"]
private = Ed25519PrivateKey.from_private_bytes(cc.unhex(ed["secret_key"]))
key = cc.public_key_bytes(private)
deployer = cc.address("ed25519", key)
check("deployer", cc.hx(deployer), c["deployer"])
contract = cc.contract_address("ed25519", deployer, c["deploy_nonce"])
check("contract address", cc.hx(contract), c["contract_address"])
deploy = cc.encode_deploy("citychain-test", "ed25519", key, 7, 1_000_000, cc.unhex(c["code"]), b"\x01\x02")
signed = deploy + private.sign(cc.framed(cc.TX_NAMESPACE, deploy))
check("deploy signed bytes", cc.hx(signed), c["deploy_signed_tx_bytes"])
call = cc.encode_call("citychain-test", "ed25519", key, 8, 200_000, contract, "transfer", b"\xaa" * 4, 5)
signed = call + private.sign(cc.framed(cc.TX_NAMESPACE, call))
check("call signed bytes", cc.hx(signed), c["call_signed_tx_bytes"])
check("call hash", cc.hx(cc.H("ed25519", cc.framed(cc.TX_NAMESPACE, call))), c["call_tx_hash"])
check("storage key", cc.hx(cc.contract_storage_key(contract, b"balance")), c["storage_key_of_balance"])
check("default params", cc.hx(cc.encode_params(c["default_chain_params"])), c["default_chain_params_bytes"])

a = vectors["assets"]
issuer = deployer
check("asset issuer", cc.hx(issuer), a["issuer"])
asset = cc.asset_id("ed25519", issuer, 9)
check("asset id", cc.hx(asset), a["asset_id_nonce_9"])
check("offer id", cc.hx(cc.derived_id("ed25519", b"citychain/offer-id/v1", issuer, 12)), a["offer_id_nonce_12"])
to = cc.unhex(ed["to"])
h, signed = cc.sign_asset_transfer(private, "citychain-test", 13, 100_000, asset, to, 1_000)
check("asset transfer signed bytes", cc.hx(signed), a["transfer_signed_tx_bytes"])
check("asset transfer hash", cc.hx(h), a["transfer_tx_hash"])
cosigner = Ed25519PrivateKey.from_private_bytes(cc.unhex(a["cosigner_secret_key"]))
co = cc.address("ed25519", cc.public_key_bytes(cosigner))
legs = [(issuer, co, ("token", asset, 100)), (co, issuer, ("native", 5_000))]
message = cc.settlement_message("citychain-test", issuer, 14, legs)
check("settlement message", cc.hx(message), a["settlement_message"])
cosignature = cc.unhex(a["cosignature"])
check("cosignature key", cc.hx(cosignature[1:33]), cc.hx(cc.public_key_bytes(cosigner)))
Ed25519PublicKey.from_public_bytes(cosignature[1:33]).verify(
    cosignature[33:], cc.framed(b"citychain/settle/v1", message)
)
check("holding key", cc.hx(cc.holding_key(asset, to)), a["holding_key"])
check("holding", cc.decode_holding(cc.unhex(a["holding_bytes"])), (4_000, False, 1))

g = vectors["consortium_genesis"]
check("consortium genesis bytes", cc.hx(cc.encode_genesis(g["genesis"])), g["genesis_bytes"])
check("consortium genesis hash", cc.hx(cc.genesis_hash(g["genesis"])), g["genesis_hash"])

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"all protocol vectors check out ({len(vectors)} groups)")
