//! Gas accounting.

use citychain_types::{ChainParams, Gas, SignedTransaction};

/// Gas a transaction costs before its payload runs: a base cost plus a cost per encoded byte.
pub fn intrinsic_gas(params: &ChainParams, tx: &SignedTransaction) -> Gas {
    let bytes = tx.encoded_len() as u64;
    Gas(params
        .tx_base_gas
        .0
        .saturating_add(params.tx_byte_gas.0.saturating_mul(bytes)))
}

/// Counts gas against a limit.
#[derive(Debug)]
pub struct GasMeter {
    limit: u64,
    used: u64,
}

/// The payload needed more gas than it had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfGas {
    pub needed: u64,
    pub available: u64,
}

impl GasMeter {
    pub fn new(limit: Gas) -> Self {
        GasMeter {
            limit: limit.0,
            used: 0,
        }
    }

    pub fn used(&self) -> Gas {
        Gas(self.used)
    }

    pub fn remaining(&self) -> u64 {
        self.limit - self.used
    }

    /// Charges `amount`; on failure nothing is charged and the caller treats the rest as spent.
    pub fn charge(&mut self, amount: Gas) -> Result<(), OutOfGas> {
        if amount.0 > self.remaining() {
            return Err(OutOfGas {
                needed: amount.0,
                available: self.remaining(),
            });
        }
        self.used += amount.0;
        Ok(())
    }
}
