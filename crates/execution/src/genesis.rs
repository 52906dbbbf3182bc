//! The genesis state.

use citychain_state::WriteSet;
use citychain_types::{Account, Encode, Genesis, Member, Nonce, layout};

/// The writes that make up the state at height 0: parameters, validator set, funded accounts,
/// and the consortium (organizations, members, policy, thresholds).
pub fn genesis_writes(genesis: &Genesis) -> WriteSet {
    let mut writes = WriteSet::new();
    writes.insert(layout::params_key(), Some(genesis.params.encode()));
    writes.insert(
        layout::validators_key(),
        Some(genesis.validator_set().encode()),
    );
    writes.insert(
        layout::epoch_validators_key(0),
        Some(genesis.validator_set().encode()),
    );
    for a in &genesis.accounts {
        let account = Account {
            nonce: Nonce(0),
            balance: a.balance,
        };
        writes.insert(layout::account_key(&a.address), Some(account.encode()));
    }
    writes.insert(layout::policy_key(), Some(genesis.policy.encode()));
    writes.insert(layout::thresholds_key(), Some(genesis.thresholds.encode()));
    for org in &genesis.organizations {
        writes.insert(layout::organization_key(&org.id), Some(org.encode()));
    }
    for m in &genesis.members {
        let member = Member {
            org: m.org.clone(),
            roles: m.roles,
        };
        writes.insert(layout::member_key(&m.account), Some(member.encode()));
    }
    writes
}
