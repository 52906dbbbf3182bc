//! Deploying and calling WASM contracts, as a module: the permission rule of `Payload::Deploy`
//! and `Payload::Call`, and the entry into the contract runtime (`crate::contracts`).

use super::{Env, NativeModule, Step};
use crate::{
    InvalidTx, Overlay, Result, contracts,
    gas::GasMeter,
    permissions::{self, Rules},
    read::StateRead,
};
use citychain_crypto::Address;
use citychain_types::{Payload, layout};

pub struct Contracts;

impl NativeModule for Contracts {
    fn tags(&self) -> &'static [u8] {
        &[Payload::TAG_DEPLOY, Payload::TAG_CALL]
    }

    fn permit(
        &self,
        state: &dyn StateRead,
        rules: &Rules,
        sender: &Address,
        payload: &Payload,
    ) -> Result<std::result::Result<(), InvalidTx>> {
        let policy = &rules.policy;
        match payload {
            Payload::Deploy { code, .. } => {
                if policy.deploy_needs_approval {
                    let hash = rules.suite.hash(code);
                    if state.read(&layout::approved_code_key(&hash))?.is_none() {
                        return Ok(Err(InvalidTx::CodeNotApproved { code_hash: hash }));
                    }
                }
                permissions::require_roles(state, sender, "deploy", policy.deploy)
            }
            Payload::Call { contract, .. } => {
                permissions::require_roles(state, sender, "call", policy.call_roles(contract))
            }
            other => Err(super::not_mine("contracts", other)),
        }
    }

    fn execute(
        &self,
        overlay: &mut Overlay,
        env: &Env<'_>,
        meter: &mut GasMeter,
        payload: &Payload,
    ) -> Result<Step> {
        let runtime = contracts::Env {
            suite: env.suite,
            height: env.height.0,
            timestamp_ms: env.time.0,
            origin: env.sender,
            attached: Vec::new(),
        };
        let outcome = match payload {
            Payload::Deploy { code, init_args } => contracts::deploy(
                overlay, env.params, runtime, meter, env.nonce, code, init_args,
            )?,
            Payload::Call {
                contract,
                method,
                args,
                value,
            } => contracts::call(
                overlay, env.params, runtime, meter, contract, method, args, *value,
            )?,
            other => return Err(super::not_mine("contracts", other)),
        };
        Ok(outcome.into())
    }
}
