//! The genesis state.

use crate::{Overlay, contracts, gas::GasMeter, native::PayloadOutcome};
use citychain_state::{StateView, WriteSet};
use citychain_types::{Account, Encode, Genesis, Member, Nonce, layout};

/// The writes that make up the state at height 0, on `empty` (the store before genesis):
/// parameters, validator set, funded accounts, the consortium (organizations, members,
/// policy, thresholds), and the genesis contracts, each deployed at the address its name gives
/// with its `init` run (a contract that fails to deploy makes the genesis invalid).
pub fn genesis_writes(genesis: &Genesis, empty: &StateView) -> Result<WriteSet, String> {
    let mut writes = base_writes(genesis);
    if genesis.contracts.is_empty() {
        return Ok(writes);
    }
    // The contracts run on the rest of the genesis state, seen as one pending block that is
    // never kept: their writes join the same version 0.
    let base = empty
        .apply(writes.clone())
        .map_err(|e| format!("cannot build the genesis state: {e}"))?;
    let mut overlay = Overlay::new(&empty.then(base));
    for c in &genesis.contracts {
        let env = contracts::Env {
            suite: genesis.suite,
            height: 0,
            timestamp_ms: genesis.genesis_time_ms.0,
            origin: c.admin,
            attached: Vec::new(),
        };
        let mut meter = GasMeter::new(genesis.params.max_tx_gas);
        let address = layout::genesis_contract_address(genesis.suite, &c.name);
        let outcome = contracts::deploy_at(
            &mut overlay,
            &genesis.params,
            env,
            &mut meter,
            address,
            c.admin,
            &c.code,
            &c.init_args,
        )
        .map_err(|e| format!("genesis contract {}: {e}", c.name))?;
        if let PayloadOutcome::Failure { status, reason } = outcome {
            return Err(format!(
                "genesis contract {} cannot be deployed ({status:?}): {reason}",
                c.name
            ));
        }
        overlay.commit_tx();
    }
    writes.extend(overlay.into_writes());
    Ok(writes)
}

fn base_writes(genesis: &Genesis) -> WriteSet {
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
