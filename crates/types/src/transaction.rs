//! Transactions: what a client signs and submits.

use crate::{
    Amount, ChainId, Gas, Nonce,
    asset::AssetTx,
    codec::{Decode, DecodeError, Encode, Reader, Writer},
    limits::MAX_SIGNERS,
    proposal::GovTx,
};
use citychain_crypto::{Address, Hash, PublicKey, SecretKey, Signature, framed};
use serde::{Deserialize, Serialize};

/// Namespace under which transactions are signed and hashed.
pub const TX_NAMESPACE: &[u8] = b"citychain/tx/v1";

pub use crate::limits::MAX_TX_BYTES_HARD;

/// What a transaction does. The tag byte of each kind is fixed forever; see `docs/protocol.md`
/// for the kinds reserved for contracts, governance and assets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    /// Move `amount` of the native currency from the sender to `to`. Tag `0x01`.
    Transfer {
        /// The recipient.
        to: Address,
        /// How much.
        amount: Amount,
    },
    /// Deploy a WASM contract and run its `init` entry point with `init_args`. Tag `0x02`.
    /// The contract's address is [`crate::layout::contract_address`] of the sender and nonce.
    Deploy {
        #[serde(with = "citychain_crypto::hex::serde_bytes")]
        #[cfg_attr(
            feature = "schema",
            schemars(with = "citychain_crypto::schema::HexBytes")
        )]
        /// The WASM module.
        code: Vec<u8>,
        #[serde(with = "citychain_crypto::hex::serde_bytes")]
        #[cfg_attr(
            feature = "schema",
            schemars(with = "citychain_crypto::schema::HexBytes")
        )]
        /// The arguments `init` reads as its input.
        init_args: Vec<u8>,
    },
    /// Call `method` of `contract` with `args`, attaching `value` of the native currency.
    /// Tag `0x03`.
    Call {
        /// The contract called.
        contract: Address,
        /// The entry point.
        method: String,
        #[serde(with = "citychain_crypto::hex::serde_bytes")]
        #[cfg_attr(
            feature = "schema",
            schemars(with = "citychain_crypto::schema::HexBytes")
        )]
        /// The arguments the method reads as its input.
        args: Vec<u8>,
        /// Native currency moved to the contract with the call.
        value: Amount,
    },
    /// Consortium governance: propose, vote, rotate an organization's admins, regulate.
    /// Tag `0x04`.
    Governance {
        /// The operation.
        op: GovTx,
    },
    /// Digital assets: fungible assets, items, vaults, distributions, offers, settlement.
    /// Tag `0x05`.
    Asset {
        /// The operation.
        op: AssetTx,
    },
    /// Multi-signature accounts: create one, propose or approve its transactions. Tag `0x06`.
    Multisig {
        /// The operation.
        op: MultisigTx,
    },
}

/// Longest contract method name, in bytes.
pub const MAX_METHOD_LEN: usize = 64;

impl Payload {
    /// Adds the accounts this payload names (see [`SignedTransaction::parties`]).
    fn named_accounts(&self, out: &mut Vec<Address>) {
        match self {
            Payload::Transfer { to, .. } => out.push(*to),
            Payload::Call { contract, .. } => out.push(*contract),
            Payload::Deploy { .. } | Payload::Governance { .. } => {}
            Payload::Asset { op } => op.named_accounts(out),
            Payload::Multisig { op } => match op {
                MultisigTx::Create { signers, .. } => out.extend(signers),
                MultisigTx::Propose { account, payload } => {
                    out.push(*account);
                    payload.named_accounts(out);
                }
                MultisigTx::Approve { account, .. } => out.push(*account),
            },
        }
    }

    /// The tag byte of [`Payload::Transfer`].
    pub const TAG_TRANSFER: u8 = 0x01;
    /// The tag byte of [`Payload::Deploy`].
    pub const TAG_DEPLOY: u8 = 0x02;
    /// The tag byte of [`Payload::Call`].
    pub const TAG_CALL: u8 = 0x03;
    /// The tag byte of [`Payload::Governance`].
    pub const TAG_GOVERNANCE: u8 = 0x04;
    /// The tag byte of [`Payload::Asset`].
    pub const TAG_ASSET: u8 = 0x05;
    /// The tag byte of [`Payload::Multisig`].
    pub const TAG_MULTISIG: u8 = 0x06;

    /// The payload's tag: its first byte on the wire, and the key of its native module.
    pub fn tag(&self) -> u8 {
        match self {
            Payload::Transfer { .. } => Self::TAG_TRANSFER,
            Payload::Deploy { .. } => Self::TAG_DEPLOY,
            Payload::Call { .. } => Self::TAG_CALL,
            Payload::Governance { .. } => Self::TAG_GOVERNANCE,
            Payload::Asset { .. } => Self::TAG_ASSET,
            Payload::Multisig { .. } => Self::TAG_MULTISIG,
        }
    }

    /// A short name for logs, metrics and errors.
    pub fn kind(&self) -> &'static str {
        match self {
            Payload::Transfer { .. } => "transfer",
            Payload::Deploy { .. } => "deploy",
            Payload::Call { .. } => "call",
            Payload::Governance { .. } => "governance",
            Payload::Asset { .. } => "asset",
            Payload::Multisig { .. } => "multisig",
        }
    }
}

impl Encode for Payload {
    fn encode_to(&self, w: &mut Writer) {
        match self {
            Payload::Transfer { to, amount } => {
                w.u8(Self::TAG_TRANSFER).put(to).put(amount);
            }
            Payload::Deploy { code, init_args } => {
                w.u8(Self::TAG_DEPLOY).bytes(code).bytes(init_args);
            }
            Payload::Call {
                contract,
                method,
                args,
                value,
            } => {
                w.u8(Self::TAG_CALL)
                    .put(contract)
                    .string(method)
                    .bytes(args)
                    .put(value);
            }
            Payload::Governance { op } => {
                w.u8(Self::TAG_GOVERNANCE).put(op);
            }
            Payload::Asset { op } => {
                w.u8(Self::TAG_ASSET).put(op);
            }
            Payload::Multisig { op } => {
                w.u8(Self::TAG_MULTISIG).put(op);
            }
        }
    }
}

impl Decode for Payload {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.u8("payload kind")? {
            Self::TAG_TRANSFER => Ok(Payload::Transfer {
                to: Address::decode_from(r)?,
                amount: Amount::decode_from(r)?,
            }),
            Self::TAG_DEPLOY => Ok(Payload::Deploy {
                code: r.bytes("contract code", MAX_TX_BYTES_HARD)?.to_vec(),
                init_args: r.bytes("init arguments", MAX_TX_BYTES_HARD)?.to_vec(),
            }),
            Self::TAG_CALL => Ok(Payload::Call {
                contract: Address::decode_from(r)?,
                method: r.string("method", MAX_METHOD_LEN)?,
                args: r.bytes("call arguments", MAX_TX_BYTES_HARD)?.to_vec(),
                value: Amount::decode_from(r)?,
            }),
            Self::TAG_GOVERNANCE => Ok(Payload::Governance {
                op: GovTx::decode_from(r)?,
            }),
            Self::TAG_ASSET => Ok(Payload::Asset {
                op: AssetTx::decode_from(r)?,
            }),
            Self::TAG_MULTISIG => Ok(Payload::Multisig {
                op: MultisigTx::decode_from(r)?,
            }),
            other => Err(DecodeError {
                offset: r.position() - 1,
                field: "payload kind",
                problem: format!("unknown payload kind 0x{other:02x}"),
            }),
        }
    }
}

/// An unsigned transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Transaction {
    /// The chain this transaction is for; any other chain rejects it.
    pub chain_id: ChainId,
    /// The signer; the account charged is the address of this key.
    pub sender: PublicKey,
    /// Must equal the sender account's nonce when the transaction executes.
    pub nonce: Nonce,
    /// The most gas the sender will pay for.
    pub gas_limit: Gas,
    /// What the transaction does.
    pub payload: Payload,
}

impl Encode for Transaction {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.chain_id)
            .put(&self.sender)
            .put(&self.nonce)
            .put(&self.gas_limit)
            .put(&self.payload);
    }
}

impl Decode for Transaction {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Transaction {
            chain_id: ChainId::decode_from(r)?,
            sender: PublicKey::decode_from(r)?,
            nonce: Nonce::decode_from(r)?,
            gas_limit: Gas::decode_from(r)?,
            payload: Payload::decode_from(r)?,
        })
    }
}

impl Transaction {
    /// The bytes the sender signs: `framed(TX_NAMESPACE, encode(tx))`.
    pub fn signing_message(&self) -> Vec<u8> {
        framed(TX_NAMESPACE, &self.encode())
    }

    /// The transaction's id: the chain hash of the signing message (the signature is not part of
    /// it, so the id is known before signing and cannot be changed by re-signing).
    pub fn hash(&self) -> Hash {
        self.sender.suite().hash(&self.signing_message())
    }

    /// Signs with `key`, which must be the sender's key.
    pub fn sign(self, key: &SecretKey) -> SignedTransaction {
        let signature = key.sign(TX_NAMESPACE, &self.encode());
        SignedTransaction::new(self, signature)
    }
}

/// A transaction with its signature, plus values derived once at construction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTransaction {
    tx: Transaction,
    signature: Signature,
    hash: Hash,
    sender_address: Address,
    encoded_len: usize,
}

impl SignedTransaction {
    /// Pairs a transaction with its signature (not checked here: see `verify_signature`).
    pub fn new(tx: Transaction, signature: Signature) -> Self {
        let body = tx.encode();
        Self::with_body(tx, &body, signature)
    }

    /// [`SignedTransaction::new`] for a transaction whose canonical encoding is `body`.
    fn with_body(tx: Transaction, body: &[u8], signature: Signature) -> Self {
        let hash = tx.sender.suite().hash_framed(TX_NAMESPACE, body);
        let sender_address = tx.sender.address();
        let encoded_len = body.len() + citychain_crypto::SIGNATURE_LEN;
        SignedTransaction {
            tx,
            signature,
            hash,
            sender_address,
            encoded_len,
        }
    }

    /// What was signed.
    pub fn transaction(&self) -> &Transaction {
        &self.tx
    }

    /// The sender's signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// See [`Transaction::hash`].
    pub fn hash(&self) -> Hash {
        self.hash
    }

    /// The accounts a transaction concerns, for the account-history index: its sender and
    /// the accounts its payload names as recipients, the contract it calls or the multisig
    /// account it acts for. Without repeats, sender first.
    pub fn parties(&self) -> Vec<Address> {
        let mut parties = vec![self.sender_address];
        self.tx.payload.named_accounts(&mut parties);
        let mut seen = std::collections::BTreeSet::new();
        parties.retain(|a| seen.insert(*a));
        parties
    }

    /// The sender's address (derived from its public key once).
    pub fn sender(&self) -> Address {
        self.sender_address
    }

    /// Length of the canonical encoding, in bytes.
    pub fn encoded_len(&self) -> usize {
        self.encoded_len
    }

    /// Checks the signature (single verification; the mempool verifies in batches).
    pub fn verify_signature(&self) -> bool {
        self.tx
            .sender
            .verify(TX_NAMESPACE, &self.tx.encode(), &self.signature)
    }
}

impl Encode for SignedTransaction {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.tx).put(&self.signature);
    }
}

impl Decode for SignedTransaction {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.position();
        let tx = Transaction::decode_from(r)?;
        // The canonical codec has one encoding per value, so the bytes read are the body.
        let body = r.consumed_since(start);
        let signature = Signature::decode_from(r)?;
        let len = r.position() - start;
        if len > MAX_TX_BYTES_HARD {
            return Err(DecodeError {
                offset: start,
                field: "transaction",
                problem: format!("{len} bytes exceeds the hard cap of {MAX_TX_BYTES_HARD}"),
            });
        }
        Ok(SignedTransaction::with_body(tx, body, signature))
    }
}

/// JSON form: `{ "hash", "transaction", "signature" }`; the hash is recomputed when parsing.
impl Serialize for SignedTransaction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            hash: &'a Hash,
            sender_address: &'a Address,
            transaction: &'a Transaction,
            signature: &'a Signature,
        }
        View {
            hash: &self.hash,
            sender_address: &self.sender_address,
            transaction: &self.tx,
            signature: &self.signature,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for SignedTransaction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct View {
            transaction: Transaction,
            signature: Signature,
        }
        let v = View::deserialize(d)?;
        Ok(SignedTransaction::new(v.transaction, v.signature))
    }
}

/// The multisig payload (`Payload::Multisig`, tag `0x06`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum MultisigTx {
    /// Sub-tag 1: creates a multisig account; the receipt's output is its address.
    Create {
        /// The signers.
        signers: Vec<Address>,
        /// How many must approve.
        threshold: u8,
    },
    /// Sub-tag 2: a signer proposes a transaction for the account (and approves it).
    Propose {
        /// The multisig account.
        account: Address,
        /// What it should send.
        payload: Box<Payload>,
    },
    /// Sub-tag 3: a signer approves; the approval that reaches the threshold runs it.
    Approve {
        /// The multisig account.
        account: Address,
        /// The proposed transaction's id.
        id: u64,
    },
}

impl Encode for MultisigTx {
    fn encode_to(&self, w: &mut Writer) {
        match self {
            MultisigTx::Create { signers, threshold } => {
                w.u8(1)
                    .list(signers, |w, s| {
                        w.put(s);
                    })
                    .u8(*threshold);
            }
            MultisigTx::Propose { account, payload } => {
                w.u8(2).put(account).put(payload.as_ref());
            }
            MultisigTx::Approve { account, id } => {
                w.u8(3).put(account).u64(*id);
            }
        }
    }
}

impl Decode for MultisigTx {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8("multisig operation")? {
            1 => MultisigTx::Create {
                signers: r.list("signers", MAX_SIGNERS, Address::decode_from)?,
                threshold: r.u8("threshold")?,
            },
            2 => {
                let account = Address::decode_from(r)?;
                // Checked before decoding, so nesting cannot recurse.
                if r.peek() == Some(Payload::TAG_MULTISIG) {
                    return Err(r.error(
                        "multisig payload",
                        "a multisig transaction cannot contain another",
                    ));
                }
                let payload = Payload::decode_from(r)?;
                MultisigTx::Propose {
                    account,
                    payload: Box::new(payload),
                }
            }
            3 => MultisigTx::Approve {
                account: Address::decode_from(r)?,
                id: r.u64("multisig id")?,
            },
            other => {
                return Err(r.error(
                    "multisig operation",
                    format!("unknown multisig operation {other}"),
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use citychain_crypto::Suite;

    pub(crate) fn sample(suite: Suite) -> (SecretKey, SignedTransaction) {
        let key = SecretKey::insecure_from_label(suite, "alice");
        let to = SecretKey::insecure_from_label(suite, "bob")
            .public_key()
            .address();
        let tx = Transaction {
            chain_id: ChainId::new("citychain-test").expect("valid"),
            sender: key.public_key(),
            nonce: Nonce(7),
            gas_limit: Gas(100_000),
            payload: Payload::Transfer {
                to,
                amount: Amount(1_000),
            },
        };
        let signed = tx.sign(&key);
        (key, signed)
    }

    #[test]
    fn signed_transactions_round_trip_and_verify() {
        for suite in Suite::ALL {
            let (_, signed) = sample(suite);
            assert!(signed.verify_signature());
            let bytes = signed.encode();
            assert_eq!(bytes.len(), signed.encoded_len());
            let back = SignedTransaction::decode(&bytes).expect("decodes");
            assert_eq!(back, signed);
            assert_eq!(back.encode(), bytes);
            assert_eq!(back.hash(), signed.transaction().hash());
        }
    }

    #[test]
    fn any_changed_byte_breaks_the_signature_or_the_decoding() {
        let (_, signed) = sample(Suite::Ed25519);
        let bytes = signed.encode();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            if let Ok(tx) = SignedTransaction::decode(&b) {
                assert!(
                    !tx.verify_signature(),
                    "flipping byte {i} kept a valid signature"
                );
            }
        }
    }

    #[test]
    fn garbage_gets_a_located_error() {
        let (_, signed) = sample(Suite::Sm2);
        let mut bytes = signed.encode();
        bytes.truncate(bytes.len() - 10);
        let err = SignedTransaction::decode(&bytes).expect_err("truncated");
        assert_eq!(err.field, "signature");
        let mut extra = signed.encode();
        extra.push(0);
        assert!(SignedTransaction::decode(&extra).is_err());
        assert!(SignedTransaction::decode(&[]).is_err());
    }

    #[test]
    fn json_round_trip() {
        let (_, signed) = sample(Suite::Ed25519);
        let json = serde_json::to_string(&signed).expect("json");
        assert!(json.contains("\"type\":\"transfer\""), "{json}");
        let back: SignedTransaction = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, signed);
    }
}
