//! Chain parameters and the genesis document.

use crate::{
    Amount, ChainId, Gas, TimestampMs,
    codec::{Decode, DecodeError, Encode, Reader, Writer},
    governance::{MAX_ORGS, OrgId, Organization, Policy, Roles, Thresholds},
    validator::{MAX_VALIDATORS, Validator, ValidatorKey, ValidatorSet},
    wasm_params::WasmParams,
};
use citychain_crypto::{Address, Hash, Suite, framed};
use serde::{Deserialize, Serialize};

/// Namespace under which the genesis document is hashed.
pub const GENESIS_NAMESPACE: &[u8] = b"citychain/genesis/v1";

/// Rules every node applies identically; stored in the state so they are provable (and, later,
/// changeable by governance).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct ChainParams {
    /// Most gas one block's transactions may reserve (the sum of their gas limits).
    pub block_gas_limit: Gas,
    /// Most gas one transaction may ask for.
    pub max_tx_gas: Gas,
    /// Most transactions in one block.
    pub max_block_txs: u32,
    /// Largest encoded signed transaction, in bytes.
    pub max_tx_bytes: u32,
    /// Price of one unit of gas in base units of the native currency; 0 means gas is only a limit.
    pub fee_price: Amount,
    /// Gas every transaction costs before it does anything.
    pub tx_base_gas: Gas,
    /// Gas per byte of the encoded signed transaction.
    pub tx_byte_gas: Gas,
    /// Gas of a native transfer, on top of the base and byte costs.
    pub transfer_gas: Gas,
    /// With no transactions waiting, a leader proposes an empty block only after this long.
    pub empty_block_interval_ms: u64,
    /// Contract limits and gas costs.
    pub wasm: WasmParams,
}

impl Default for ChainParams {
    fn default() -> Self {
        ChainParams {
            block_gas_limit: Gas(200_000_000),
            max_tx_gas: Gas(50_000_000),
            max_block_txs: 20_000,
            max_tx_bytes: 512 * 1024,
            fee_price: Amount(0),
            tx_base_gas: Gas(1_000),
            tx_byte_gas: Gas(10),
            transfer_gas: Gas(1_000),
            empty_block_interval_ms: 1_000,
            wasm: WasmParams::default(),
        }
    }
}

impl ChainParams {
    /// Encoding version, written first so fields can be added later.
    pub const VERSION: u8 = 3;

    /// Checks that the parameters can run a chain.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_block_txs == 0
            || self.max_block_txs as usize > crate::limits::MAX_BLOCK_TXS_HARD
        {
            return Err(format!(
                "max_block_txs must be between 1 and {}",
                crate::limits::MAX_BLOCK_TXS_HARD
            ));
        }
        if self.max_tx_bytes < 256 || self.max_tx_bytes as usize > crate::limits::MAX_TX_BYTES_HARD
        {
            return Err(format!(
                "max_tx_bytes must be between 256 and {}",
                crate::limits::MAX_TX_BYTES_HARD
            ));
        }
        if self.max_tx_gas.0 == 0 || self.max_tx_gas > self.block_gas_limit {
            return Err("max_tx_gas must be positive and at most block_gas_limit".into());
        }
        if self.empty_block_interval_ms < 10 {
            return Err("empty_block_interval_ms must be at least 10".into());
        }
        self.wasm.validate()?;
        Ok(())
    }
}

impl Encode for ChainParams {
    fn encode_to(&self, w: &mut Writer) {
        w.u8(Self::VERSION)
            .put(&self.block_gas_limit)
            .put(&self.max_tx_gas)
            .u32(self.max_block_txs)
            .u32(self.max_tx_bytes)
            .put(&self.fee_price)
            .put(&self.tx_base_gas)
            .put(&self.tx_byte_gas)
            .put(&self.transfer_gas)
            .u64(self.empty_block_interval_ms)
            .put(&self.wasm);
    }
}

impl Decode for ChainParams {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let version = r.u8("params version")?;
        if version != Self::VERSION {
            return Err(r.error("params version", format!("unsupported version {version}")));
        }
        Ok(ChainParams {
            block_gas_limit: Gas::decode_from(r)?,
            max_tx_gas: Gas::decode_from(r)?,
            max_block_txs: r.u32("max block txs")?,
            max_tx_bytes: r.u32("max tx bytes")?,
            fee_price: Amount::decode_from(r)?,
            tx_base_gas: Gas::decode_from(r)?,
            tx_byte_gas: Gas::decode_from(r)?,
            transfer_gas: Gas::decode_from(r)?,
            empty_block_interval_ms: r.u64("empty block interval")?,
            wasm: WasmParams::decode_from(r)?,
        })
    }
}

/// A funded account at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GenesisAccount {
    /// The account.
    pub address: Address,
    /// Its balance at genesis.
    pub balance: Amount,
}

/// A contract deployed at genesis, at an address its name gives
/// ([`crate::layout::genesis_contract_address`]), so a chain starts with its applications in
/// known places. Its `init` runs with `admin` as the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GenesisContract {
    /// Its name (letters, digits, `_` and `-`, at most 64 bytes), unique in the genesis.
    pub name: String,
    /// The WASM module.
    #[serde(with = "citychain_crypto::hex::serde_bytes")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "citychain_crypto::schema::HexBytes")
    )]
    pub code: Vec<u8>,
    /// The input of its `init`.
    #[serde(default, with = "citychain_crypto::hex::serde_bytes")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "citychain_crypto::schema::HexBytes")
    )]
    pub init_args: Vec<u8>,
    /// Its admin, and the caller its `init` sees.
    pub admin: Address,
}

/// Most contracts a genesis deploys.
pub const MAX_GENESIS_CONTRACTS: usize = 64;
/// Most bytes a genesis contract's code or init arguments take when decoded (the chain's
/// parameters bound the code further).
const MAX_GENESIS_CODE: usize = 16 << 20;

/// A member account at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GenesisMember {
    /// The member account.
    pub account: Address,
    /// Its organization.
    pub org: OrgId,
    /// What it may do.
    pub roles: Roles,
}

/// The document every node of a chain starts from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// The chain's id, signed into every transaction and header.
    pub chain_id: ChainId,
    /// The signature and hash suite, fixed for the life of the chain.
    pub suite: Suite,
    /// Timestamp of the genesis block.
    pub genesis_time_ms: TimestampMs,
    #[serde(default)]
    /// Limits, gas prices and fees (governance can change them).
    pub params: ChainParams,
    /// The validators of epoch 0.
    pub validators: Vec<Validator>,
    /// Funded accounts.
    pub accounts: Vec<GenesisAccount>,
    /// The consortium's organizations (none for a chain without one, like `citychain dev`).
    #[serde(default)]
    pub organizations: Vec<Organization>,
    /// Member accounts and their roles.
    #[serde(default)]
    pub members: Vec<GenesisMember>,
    #[serde(default)]
    /// Who may do what.
    pub policy: Policy,
    #[serde(default)]
    /// The votes proposals need.
    pub thresholds: Thresholds,
    /// Blocks per consensus epoch. A validator set change approved by governance takes effect
    /// when the next epoch starts. Fixed for the life of the chain.
    #[serde(default = "default_epoch_blocks")]
    pub epoch_blocks: u64,
    /// Contracts deployed at genesis, in order.
    #[serde(default)]
    pub contracts: Vec<GenesisContract>,
}

/// Default blocks per epoch: about ten minutes of an idle chain (one empty block a second).
pub const DEFAULT_EPOCH_BLOCKS: u64 = 600;
/// Shortest epoch: boundaries need a few blocks between them to settle.
pub const MIN_EPOCH_BLOCKS: u64 = 4;
/// Longest epoch.
pub const MAX_EPOCH_BLOCKS: u64 = 1 << 32;

fn default_epoch_blocks() -> u64 {
    DEFAULT_EPOCH_BLOCKS
}

/// Most member accounts in a genesis document.
pub const MAX_GENESIS_MEMBERS: usize = 100_000;

/// Most funded accounts in a genesis document.
pub const MAX_GENESIS_ACCOUNTS: usize = 1_000_000;

impl Genesis {
    /// Checks the document; errors name the offending entry.
    pub fn validate(&self) -> Result<(), String> {
        self.params.validate().map_err(|e| format!("params: {e}"))?;
        if self.validators.is_empty() {
            return Err("genesis needs at least one validator".into());
        }
        if self.validators.len() > MAX_VALIDATORS {
            return Err(format!("at most {MAX_VALIDATORS} validators"));
        }
        if !(MIN_EPOCH_BLOCKS..=MAX_EPOCH_BLOCKS).contains(&self.epoch_blocks) {
            return Err(format!(
                "epoch_blocks must be between {MIN_EPOCH_BLOCKS} and {MAX_EPOCH_BLOCKS}"
            ));
        }
        let mut keys = std::collections::BTreeSet::new();
        for v in &self.validators {
            v.validate()?;
            if !keys.insert(v.consensus_key) {
                return Err(format!("validator key {} appears twice", v.consensus_key));
            }
        }
        let mut addresses = std::collections::BTreeSet::new();
        let mut total = Amount::ZERO;
        for a in &self.accounts {
            if !addresses.insert(a.address) {
                return Err(format!("account {} appears twice", a.address));
            }
            total = total
                .checked_add(a.balance)
                .ok_or_else(|| "the sum of genesis balances overflows 128 bits".to_string())?;
        }
        if self.accounts.len() > MAX_GENESIS_ACCOUNTS {
            return Err(format!("at most {MAX_GENESIS_ACCOUNTS} genesis accounts"));
        }
        self.validate_consortium()
    }

    fn validate_consortium(&self) -> Result<(), String> {
        self.thresholds.validate()?;
        if self.organizations.len() > MAX_ORGS {
            return Err(format!("at most {MAX_ORGS} organizations"));
        }
        let mut ids = std::collections::BTreeSet::new();
        for org in &self.organizations {
            org.validate()?;
            if !ids.insert(&org.id) {
                return Err(format!("organization {} appears twice", org.id));
            }
            for key in &org.validators {
                if !self.validators.iter().any(|v| v.consensus_key == *key) {
                    return Err(format!(
                        "organization {}: validator {key} is not in the validator set",
                        org.id
                    ));
                }
            }
        }
        if self.members.len() > MAX_GENESIS_MEMBERS {
            return Err(format!("at most {MAX_GENESIS_MEMBERS} members"));
        }
        if self.contracts.len() > MAX_GENESIS_CONTRACTS {
            return Err(format!("at most {MAX_GENESIS_CONTRACTS} genesis contracts"));
        }
        let mut names = std::collections::BTreeSet::new();
        for c in &self.contracts {
            let valid = !c.name.is_empty()
                && c.name.len() <= 64
                && c.name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
            if !valid {
                return Err(format!(
                    "genesis contract name {:?}: letters, digits, '_' or '-', 1 to 64 bytes",
                    c.name
                ));
            }
            if !names.insert(c.name.as_str()) {
                return Err(format!("genesis contract {} appears twice", c.name));
            }
            if c.code.len() > self.params.wasm.max_code_bytes as usize {
                return Err(format!(
                    "genesis contract {}: {} bytes of code; the limit is {}",
                    c.name,
                    c.code.len(),
                    self.params.wasm.max_code_bytes
                ));
            }
        }
        let mut accounts = std::collections::BTreeSet::new();
        for m in &self.members {
            if !ids.contains(&m.org) {
                return Err(format!(
                    "member {} belongs to unknown organization {}",
                    m.account, m.org
                ));
            }
            if !accounts.insert(m.account) {
                return Err(format!("member {} appears twice", m.account));
            }
        }
        for org in &self.organizations {
            for admin in &org.admins {
                if citychain_crypto::small_order_addresses().contains(admin) {
                    return Err(format!(
                        "organization {}: admin {admin} is the address of a small-order key, \
                         whose signatures anyone can forge",
                        org.id
                    ));
                }
                let is_admin_member = self.members.iter().any(|m| {
                    m.account == *admin && m.org == org.id && m.roles.intersects(Roles::ADMIN)
                });
                if !is_admin_member {
                    return Err(format!(
                        "organization {}: admin {admin} must be a member of it with the admin role",
                        org.id
                    ));
                }
            }
        }
        Ok(())
    }

    /// The validator set as stored in the state.
    pub fn validator_set(&self) -> ValidatorSet {
        ValidatorSet(self.validators.clone())
    }

    /// The validators' consensus keys, in genesis order.
    pub fn validator_keys(&self) -> Vec<ValidatorKey> {
        self.validators.iter().map(|v| v.consensus_key).collect()
    }

    /// `H(framed(GENESIS_NAMESPACE, encode(genesis)))`: identifies the chain to its peers.
    pub fn hash(&self) -> Hash {
        self.suite.hash(&framed(GENESIS_NAMESPACE, &self.encode()))
    }
}

impl Encode for Genesis {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.chain_id)
            .u8(self.suite.tag())
            .put(&self.genesis_time_ms)
            .put(&self.params)
            .list(&self.validators, |w, v| {
                w.put(v);
            })
            .list(&self.accounts, |w, a| {
                w.put(&a.address).put(&a.balance);
            })
            .list(&self.organizations, |w, o| {
                w.put(o);
            })
            .list(&self.members, |w, m| {
                w.put(&m.account).put(&m.org).put(&m.roles);
            })
            .put(&self.policy)
            .put(&self.thresholds)
            .u64(self.epoch_blocks)
            .list(&self.contracts, |w, c| {
                w.string(&c.name)
                    .bytes(&c.code)
                    .bytes(&c.init_args)
                    .put(&c.admin);
            });
    }
}

impl Decode for Genesis {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Genesis {
            chain_id: ChainId::decode_from(r)?,
            suite: {
                let tag = r.u8("suite")?;
                Suite::from_tag(tag).map_err(|e| r.error("suite", e.to_string()))?
            },
            genesis_time_ms: TimestampMs::decode_from(r)?,
            params: ChainParams::decode_from(r)?,
            validators: r.list("validators", MAX_VALIDATORS, Validator::decode_from)?,
            accounts: r.list("accounts", MAX_GENESIS_ACCOUNTS, |r| {
                Ok(GenesisAccount {
                    address: Address::decode_from(r)?,
                    balance: Amount::decode_from(r)?,
                })
            })?,
            organizations: r.list("organizations", MAX_ORGS, Organization::decode_from)?,
            members: r.list("members", MAX_GENESIS_MEMBERS, |r| {
                Ok(GenesisMember {
                    account: Address::decode_from(r)?,
                    org: OrgId::decode_from(r)?,
                    roles: Roles::decode_from(r)?,
                })
            })?,
            policy: Policy::decode_from(r)?,
            thresholds: Thresholds::decode_from(r)?,
            epoch_blocks: r.u64("epoch_blocks")?,
            contracts: r.list("contracts", MAX_GENESIS_CONTRACTS, |r| {
                Ok(GenesisContract {
                    name: r.string("contract name", 64)?,
                    code: r.bytes("contract code", MAX_GENESIS_CODE)?.to_vec(),
                    init_args: r.bytes("init args", MAX_GENESIS_CODE)?.to_vec(),
                    admin: Address::decode_from(r)?,
                })
            })?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Genesis {
        Genesis {
            chain_id: ChainId::new("citychain-test").expect("valid"),
            suite: Suite::Sm2,
            genesis_time_ms: TimestampMs(1),
            params: ChainParams::default(),
            validators: vec![Validator {
                name: "v1".into(),
                consensus_key: ValidatorKey(
                    citychain_crypto::SecretKey::insecure_from_label(Suite::Ed25519, "v1")
                        .public_key()
                        .as_bytes()
                        .try_into()
                        .expect("32 bytes"),
                ),
            }],
            accounts: vec![GenesisAccount {
                address: Address([2; 20]),
                balance: Amount(5),
            }],
            organizations: Vec::new(),
            members: Vec::new(),
            policy: Policy::default(),
            thresholds: Thresholds::default(),
            epoch_blocks: DEFAULT_EPOCH_BLOCKS,
            contracts: vec![GenesisContract {
                name: "registry".into(),
                code: b"\0asm\x01\0\0\0".to_vec(),
                init_args: vec![1, 2],
                admin: Address([2; 20]),
            }],
        }
    }

    #[test]
    fn genesis_round_trips_in_json_and_binary() {
        let g = sample();
        g.validate().expect("valid");
        let json = serde_json::to_string_pretty(&g).expect("json");
        assert_eq!(serde_json::from_str::<Genesis>(&json).expect("parses"), g);
        assert_eq!(Genesis::decode(&g.encode()).expect("decodes"), g);
    }

    #[test]
    fn invalid_genesis_is_explained() {
        let mut g = sample();
        g.accounts.push(g.accounts[0].clone());
        assert!(
            g.validate()
                .expect_err("duplicate")
                .contains("appears twice")
        );
        let mut g = sample();
        g.validators.clear();
        assert!(g.validate().is_err());
        let mut g = sample();
        g.params.max_block_txs = 0;
        assert!(g.validate().expect_err("params").starts_with("params:"));
    }
}
