//! Native accounts: a nonce and a balance, stored under `layout::account_key`.

use crate::{
    Amount, Nonce,
    codec::{Decode, DecodeError, Encode, Reader, Writer},
};
use serde::{Deserialize, Serialize};

/// A native account. Absent accounts read as nonce 0 and balance 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Account {
    /// The nonce the account's next transaction must carry (the count of its committed ones).
    pub nonce: Nonce,
    /// Native balance, in the chain's smallest unit.
    pub balance: Amount,
}

/// Encoding: `nonce (u64) || balance (u128)`, 24 bytes.
impl Encode for Account {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.nonce).put(&self.balance);
    }
}

impl Decode for Account {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Account {
            nonce: Nonce::decode_from(r)?,
            balance: Amount::decode_from(r)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_24_bytes() {
        let a = Account {
            nonce: Nonce(3),
            balance: Amount(10),
        };
        let bytes = a.encode();
        assert_eq!(bytes.len(), 24);
        assert_eq!(Account::decode(&bytes).expect("decodes"), a);
        assert!(Account::decode(&bytes[..23]).is_err());
    }
}
