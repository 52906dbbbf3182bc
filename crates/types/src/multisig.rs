//! Multi-signature accounts: M of N signers jointly send transactions (agency treasuries, joint
//! approvals). See `docs/governance.md`.

use crate::{
    Height, Nonce, Payload,
    codec::{Decode, DecodeError, Encode, Reader, Writer},
};
use citychain_crypto::{Address, Suite};
use serde::{Deserialize, Serialize};

pub use crate::limits::MAX_SIGNERS;
pub use crate::transaction::MultisigTx;
/// Domain of multisig address derivation.
pub const MULTISIG_ADDRESS_DOMAIN: &[u8] = b"citychain/multisig-address/v1";

/// The address of the multisig account created by `creator` with transaction nonce `nonce`.
pub fn multisig_address(suite: Suite, creator: &Address, nonce: Nonce) -> Address {
    crate::layout::derived_address(suite, MULTISIG_ADDRESS_DOMAIN, creator, nonce)
}

/// A multisig account, stored under `0x0b || address`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MultisigAccount {
    /// The accounts that may propose and approve, without repeats.
    pub signers: Vec<Address>,
    /// How many signers must approve.
    pub threshold: u8,
    /// The id the next proposed transaction gets.
    pub next_id: u64,
}

impl MultisigAccount {
    /// Checks the signer count, repeats, weak keys and the threshold.
    pub fn validate(&self) -> Result<(), String> {
        let unique: std::collections::BTreeSet<_> = self.signers.iter().collect();
        if self.signers.len() < 2 || self.signers.len() > MAX_SIGNERS {
            return Err(format!("a multisig account has 2 to {MAX_SIGNERS} signers"));
        }
        if let Some(weak) = self
            .signers
            .iter()
            .find(|s| citychain_crypto::small_order_addresses().contains(s))
        {
            return Err(format!(
                "signer {weak} is the address of a small-order key, whose signatures anyone can \
                 forge"
            ));
        }
        if unique.len() != self.signers.len() {
            return Err("a signer is listed twice".into());
        }
        if self.threshold == 0 || usize::from(self.threshold) > self.signers.len() {
            return Err("the threshold must be between 1 and the number of signers".into());
        }
        Ok(())
    }
}

impl Encode for MultisigAccount {
    fn encode_to(&self, w: &mut Writer) {
        w.list(&self.signers, |w, s| {
            w.put(s);
        })
        .u8(self.threshold)
        .u64(self.next_id);
    }
}

impl Decode for MultisigAccount {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(MultisigAccount {
            signers: r.list("signers", MAX_SIGNERS, Address::decode_from)?,
            threshold: r.u8("threshold")?,
            next_id: r.u64("next multisig id")?,
        })
    }
}

/// Where a proposed multisig transaction stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MultisigStatus {
    /// Waiting for approvals.
    Pending,
    /// Reached the threshold and ran successfully.
    Executed,
    /// Reached the threshold but the transaction failed; the reason is kept.
    Failed,
}

/// A proposed multisig transaction, stored under `0x0c || account || id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MultisigPending {
    /// Its id within the account, from 0.
    pub id: u64,
    /// What runs, as the multisig account, once approved.
    pub payload: Payload,
    /// The signer that proposed it.
    pub proposer: Address,
    /// The signers that approved it so far (the proposer first).
    pub approvals: Vec<Address>,
    /// The height of the block that proposed it.
    pub created_height: Height,
    /// Where it stands.
    pub status: MultisigStatus,
    /// Why it failed; empty otherwise.
    pub outcome: String,
}

impl Encode for MultisigPending {
    fn encode_to(&self, w: &mut Writer) {
        w.u64(self.id)
            .put(&self.payload)
            .put(&self.proposer)
            .list(&self.approvals, |w, a| {
                w.put(a);
            })
            .put(&self.created_height)
            .u8(match self.status {
                MultisigStatus::Pending => 0,
                MultisigStatus::Executed => 1,
                MultisigStatus::Failed => 2,
            })
            .string(&self.outcome);
    }
}

impl Decode for MultisigPending {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(MultisigPending {
            id: r.u64("multisig id")?,
            payload: Payload::decode_from(r)?,
            proposer: Address::decode_from(r)?,
            approvals: r.list("approvals", MAX_SIGNERS, Address::decode_from)?,
            created_height: Height::decode_from(r)?,
            status: match r.u8("multisig status")? {
                0 => MultisigStatus::Pending,
                1 => MultisigStatus::Executed,
                2 => MultisigStatus::Failed,
                other => {
                    return Err(r.error("multisig status", format!("unknown status {other}")));
                }
            },
            outcome: r.string("multisig outcome", crate::receipt::MAX_REASON_LEN)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Amount;

    #[test]
    fn multisig_transactions_round_trip_and_do_not_nest() {
        let inner = Payload::Transfer {
            to: Address([1; 20]),
            amount: Amount(5),
        };
        let tx = MultisigTx::Propose {
            account: Address([2; 20]),
            payload: Box::new(inner),
        };
        assert_eq!(MultisigTx::decode(&tx.encode()).expect("decodes"), tx);
        let nested = MultisigTx::Propose {
            account: Address([2; 20]),
            payload: Box::new(Payload::Multisig { op: tx }),
        };
        let err = MultisigTx::decode(&nested.encode()).expect_err("nested");
        assert!(err.problem.contains("cannot contain another"));
        // Deep nesting is refused at the first level, without recursion.
        let mut deep = Vec::new();
        for _ in 0..50_000 {
            deep.extend_from_slice(&[Payload::TAG_MULTISIG, 2]);
            deep.extend_from_slice(&[7; 20]);
        }
        assert!(Payload::decode(&deep).is_err());
    }
}
