"""Against a running node: sign and submit a transfer (of the native currency, or with --asset
of a native asset), then verify the recipient's balance with a Merkle proof and the header's
finality certificate, trusting only a genesis file.

    python3 e2e.py --rpc http://127.0.0.1:8545 --key .citychain/dev/dev-keys/alice.json \
        --genesis .citychain/dev/genesis.json --to 0x... --amount 5 [--asset 0x...]
"""

import argparse
import json
import sys
import time

import citychain as cc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

parser = argparse.ArgumentParser()
parser.add_argument("--rpc", required=True)
parser.add_argument("--key", required=True, help="an unencrypted dev key file")
parser.add_argument("--genesis", required=True)
parser.add_argument("--to", required=True)
parser.add_argument("--amount", type=int, default=5)
parser.add_argument("--asset", help="a native asset's id (default: the native currency)")
args = parser.parse_args()

rpc = cc.Rpc(args.rpc)
genesis = json.load(open(args.genesis))
status = rpc.call("chain_status")
if cc.hx(cc.genesis_hash(genesis)) != status["genesis_hash"]:
    sys.exit("the node runs another chain than this genesis file")

key_file = json.load(open(args.key))
private = Ed25519PrivateKey.from_private_bytes(cc.unhex(key_file["insecure_plaintext_secret"]))
sender = cc.hx(cc.address("ed25519", cc.public_key_bytes(private)))
to = cc.unhex(args.to)
nonce = rpc.call("state_getAccount", sender)["nonce"]
if args.asset:
    asset = cc.unhex(args.asset)
    before = int(rpc.call("asset_getBalance", args.asset, args.to)["balance"])
    tx_hash, signed = cc.sign_asset_transfer(private, status["chain_id"], nonce, 100_000, asset, to, args.amount)
else:
    before = int(rpc.call("state_getAccount", args.to)["balance"])
    tx_hash, signed = cc.sign_transfer(private, status["chain_id"], nonce, 100_000, to, args.amount)
submitted = rpc.call("tx_submit", cc.hx(signed))["hash"]
if submitted != cc.hx(tx_hash):
    sys.exit(f"the node computed tx hash {submitted}, we computed {cc.hx(tx_hash)}")

receipt = None
for _ in range(300):
    receipt = rpc.call("tx_getReceipt", submitted)
    if receipt:
        break
    time.sleep(0.1)
if not receipt or receipt["receipt"]["status"] != "success":
    sys.exit(f"no successful receipt: {receipt}")
height = receipt["inclusion"]["height"]

header = cc.verify_finality(genesis, rpc.call("chain_getHeader", height))
if args.asset:
    key = cc.holding_key(asset, to)
    proof = rpc.call("state_getKeyProof", cc.hx(key), height)
else:
    key = b"\x01" + to
    proof = rpc.call("state_getProof", args.to, height)
value = cc.unhex(proof["value"]) if proof["value"] else None
if not cc.verify_proof("ed25519", cc.unhex(header["state_root"]), key, value, proof["proof"]):
    sys.exit("the proof does not verify")
if args.asset:
    balance, _, _ = cc.decode_holding(value)
else:
    nonce_after, balance = cc.decode_account(value)
if balance != before + args.amount:
    sys.exit(f"balance {balance}, expected {before + args.amount}")
print(f"verified: {args.to} holds {balance} at height {height} (final, proof checked)")
