//! Who may send what: the permission policy, applied identically at mempool admission and in
//! execution. A transaction that fails these checks is invalid: it costs nothing and changes
//! nothing, and the error names the roles it lacked.

use crate::{BlockError, InvalidTx, Result};
use citychain_crypto::Address;
use citychain_types::{
    Decode, GovTx, Member, Organization, Payload, Policy, Roles, SignedTransaction, layout,
    multisig::MultisigTx,
};

/// Reads the state (the executor's overlay, or the committed store for the mempool).
pub trait StateRead {
    fn read(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;
}

impl StateRead for crate::Overlay {
    fn read(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.get(key)
    }
}

impl StateRead for citychain_state::StateView {
    fn read(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.get(key)?)
    }
}

fn decode<T: Decode>(raw: Option<Vec<u8>>, what: &'static str) -> Result<Option<T>> {
    raw.map(|r| T::decode(&r))
        .transpose()
        .map_err(|e| BlockError::CorruptState {
            what,
            detail: e.to_string(),
        })
}

pub fn policy(state: &impl StateRead) -> Result<Policy> {
    Ok(decode(state.read(&layout::policy_key())?, "policy")?.unwrap_or_default())
}

/// A big-endian `u64` counter under `key` (absent: 0).
pub fn read_u64(state: &impl StateRead, key: &[u8], what: &'static str) -> Result<u64> {
    match state.read(key)? {
        None => Ok(0),
        Some(raw) => raw
            .as_slice()
            .try_into()
            .map(u64::from_be_bytes)
            .map_err(|_| BlockError::CorruptState {
                what,
                detail: format!("{} bytes, not 8", raw.len()),
            }),
    }
}

/// How many accounts are frozen.
pub fn frozen_count(state: &impl StateRead) -> Result<u64> {
    read_u64(state, &layout::frozen_count_key(), "frozen count")
}

/// What permission checks need from the state besides per-account reads, read once per block.
#[derive(Clone, Debug)]
pub struct Rules {
    pub policy: Policy,
    /// The chain's suite (code approvals are by code hash).
    pub suite: citychain_crypto::Suite,
    /// Whether any account is frozen (if not, no per-transaction frozen lookup is needed).
    pub any_frozen: bool,
}

impl Rules {
    pub fn read(state: &impl StateRead, suite: citychain_crypto::Suite) -> Result<Rules> {
        Ok(Rules {
            policy: policy(state)?,
            suite,
            any_frozen: frozen_count(state)? > 0,
        })
    }
}

pub fn member(state: &impl StateRead, account: &Address) -> Result<Option<Member>> {
    decode(state.read(&layout::member_key(account))?, "member")
}

pub fn organization(
    state: &impl StateRead,
    org: &citychain_types::OrgId,
) -> Result<Option<Organization>> {
    decode(state.read(&layout::organization_key(org))?, "organization")
}

pub fn is_frozen(state: &impl StateRead, account: &Address) -> Result<bool> {
    Ok(state.read(&layout::frozen_key(account))?.is_some())
}

/// Checks that the sender of `tx` may send it under `rules`.
pub fn check(
    state: &impl StateRead,
    rules: &Rules,
    tx: &SignedTransaction,
) -> Result<std::result::Result<(), InvalidTx>> {
    check_payload(state, rules, &tx.sender(), &tx.transaction().payload)
}

/// Checks that `sender` (a signer, or a multisig account) may send `payload`.
pub fn check_payload(
    state: &impl StateRead,
    rules: &Rules,
    sender: &Address,
    payload: &Payload,
) -> Result<std::result::Result<(), InvalidTx>> {
    let sender = *sender;
    let policy = &rules.policy;
    if rules.any_frozen && is_frozen(state, &sender)? {
        return Ok(Err(InvalidTx::AccountFrozen { account: sender }));
    }
    let (action, needed) = match payload {
        Payload::Transfer { .. } => ("transfer", policy.transfer),
        Payload::Deploy { code, .. } => {
            if policy.deploy_needs_approval {
                let hash = rules.suite.hash(code);
                if state.read(&layout::approved_code_key(&hash))?.is_none() {
                    return Ok(Err(InvalidTx::CodeNotApproved { code_hash: hash }));
                }
            }
            ("deploy", policy.deploy)
        }
        Payload::Call { contract, .. } => ("call", policy.call_roles(contract)),
        Payload::Governance { op } => match op {
            GovTx::Propose { .. } => ("propose", policy.propose),
            GovTx::Vote { .. } | GovTx::RotateAdmins { .. } => {
                // Only an admin listed by its organization acts for it.
                return admin_of_own_org(state, &sender, op);
            }
            GovTx::Regulate { .. } => {
                if !policy.regulator_can_freeze {
                    return Ok(Err(InvalidTx::PermissionDenied {
                        action: "regulate",
                        needed: Roles::REGULATOR,
                        has: Roles::NONE,
                        detail: "the policy gives regulators no direct freeze".into(),
                    }));
                }
                ("regulate", Roles::REGULATOR)
            }
        },
        Payload::Multisig { op } => match op {
            // Creating one is like sending money: the policy's transfer roles.
            MultisigTx::Create { .. } => ("create a multisig account", policy.transfer),
            MultisigTx::Propose { account, .. } | MultisigTx::Approve { account, .. } => {
                return signer_of(state, &sender, account);
            }
        },
    };
    if needed.is_empty() {
        return Ok(Ok(()));
    }
    let has = member(state, &sender)?.map_or(Roles::NONE, |m| m.roles);
    if has.intersects(needed) {
        Ok(Ok(()))
    } else {
        Ok(Err(InvalidTx::PermissionDenied {
            action,
            needed,
            has,
            detail: String::new(),
        }))
    }
}

fn signer_of(
    state: &impl StateRead,
    sender: &Address,
    account: &Address,
) -> Result<std::result::Result<(), InvalidTx>> {
    let is_signer = crate::native::multisig::load_account(state, account)?
        .is_some_and(|a| a.signers.contains(sender));
    if is_signer {
        return Ok(Ok(()));
    }
    Ok(Err(InvalidTx::NotASigner { account: *account }))
}

fn admin_of_own_org(
    state: &impl StateRead,
    sender: &Address,
    op: &GovTx,
) -> Result<std::result::Result<(), InvalidTx>> {
    let action = match op {
        GovTx::Vote { .. } => "vote",
        _ => "rotate admins",
    };
    let denied = |has: Roles, detail: String| {
        Ok(Err(InvalidTx::PermissionDenied {
            action,
            needed: Roles::ADMIN,
            has,
            detail,
        }))
    };
    let Some(m) = member(state, sender)? else {
        return denied(Roles::NONE, "the sender belongs to no organization".into());
    };
    if !m.roles.intersects(Roles::ADMIN) {
        return denied(m.roles, String::new());
    }
    match organization(state, &m.org)? {
        Some(org) if org.admins.contains(sender) => Ok(Ok(())),
        _ => denied(
            m.roles,
            format!("the sender is not an admin key of organization {}", m.org),
        ),
    }
}
