//! Consortium governance on the real executor: permissions, proposals, votes, thresholds,
//! deadlines, regulator freezes, admin rotation, contract lifecycle, the audit trail.
//!
//! Accounts of `TestChain::consortium()`: 0 alice (agency admin), 1 bob (bank admin), 2 carol
//! (court admin), 3 dave (citizen), 4 erin (court regulator), 5 frank (citizen).

use citychain_contract_harness::{TestChain, validator_key};
use citychain_execution::{InvalidTx, native::governance};
use citychain_types::{
    Address, Amount, ContractStatus, Decode, GovAction, GovTx, Member, OrgId, Payload, Proposal,
    ProposalStatus, Roles, Status, TimestampMs, Validator, ValidatorKey, ValidatorSet, layout,
    proposal::ContractOp,
};

const DAY_MS: u64 = 24 * 3600 * 1000;

fn propose(chain: &mut TestChain, from: usize, action: GovAction) -> u64 {
    let deadline = TimestampMs(chain.time_ms() + DAY_MS);
    let r = chain.submit(
        from,
        Payload::Governance {
            op: GovTx::Propose {
                title: format!("test: {}", action.kind()),
                action,
                deadline_ms: deadline,
            },
        },
    );
    assert!(r.is_success(), "propose: {}", r.reason);
    u64::from_be_bytes(r.output.try_into().expect("the proposal id"))
}

fn vote(
    chain: &mut TestChain,
    from: usize,
    proposal: u64,
    approve: bool,
) -> citychain_types::Receipt {
    chain.submit(
        from,
        Payload::Governance {
            op: GovTx::Vote { proposal, approve },
        },
    )
}

fn proposal(chain: &TestChain, id: u64) -> Proposal {
    let (raw, _) = chain.prove(&layout::proposal_key(id));
    Proposal::decode(&raw.expect("the proposal exists")).expect("decodes")
}

fn member(chain: &TestChain, who: &Address) -> Option<Member> {
    let (raw, _) = chain.prove(&layout::member_key(who));
    raw.map(|r| Member::decode(&r).expect("decodes"))
}

fn transfer(to: Address) -> Payload {
    Payload::Transfer {
        to,
        amount: Amount(1),
    }
}

/// A one-page module exporting the entry point `entry`, for lifecycle tests.
fn contract_with(entry: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module (memory (export "memory") 1) (func (export "{entry}")))"#
    ))
    .expect("wat")
}

fn tiny_contract() -> Vec<u8> {
    contract_with("f")
}

#[test]
fn unauthorized_actions_are_rejected_and_change_nothing() {
    let mut chain = TestChain::consortium();
    let frank = chain.address(5);
    let root = chain.state_root();
    // A citizen may not deploy under the consortium policy, nor propose, vote or regulate.
    let denied = [
        Payload::Deploy {
            code: tiny_contract(),
            init_args: vec![],
        },
        Payload::Governance {
            op: GovTx::Propose {
                title: "make me an admin".into(),
                action: GovAction::SetMember {
                    account: chain.address(3),
                    member: Member {
                        org: OrgId::new("agency").expect("id"),
                        roles: Roles::ADMIN,
                    },
                },
                deadline_ms: TimestampMs(chain.time_ms() + DAY_MS),
            },
        },
        Payload::Governance {
            op: GovTx::Vote {
                proposal: 0,
                approve: true,
            },
        },
        Payload::Governance {
            op: GovTx::Regulate {
                account: frank,
                freeze: true,
            },
        },
        Payload::Governance {
            op: GovTx::RotateAdmins {
                admins: vec![chain.address(3)],
            },
        },
    ];
    for payload in denied {
        let kind = payload.kind();
        match chain.try_submit(3, payload) {
            Err(InvalidTx::PermissionDenied { needed, has, .. }) => {
                assert_eq!(has, Roles::NONE, "{kind}");
                assert!(!needed.is_empty(), "{kind}");
            }
            other => panic!("{kind}: expected a permission error, got {other:?}"),
        }
        assert_eq!(chain.state_root(), root, "{kind} changed the state");
    }
    // The error names the missing role.
    let err = chain
        .try_submit(
            3,
            Payload::Deploy {
                code: tiny_contract(),
                init_args: vec![],
            },
        )
        .expect_err("denied");
    assert_eq!(err.code(), "permission_denied");
    assert!(
        err.to_string()
            .contains("deploy needs the role admin,client"),
        "{err}"
    );
    // A regulator is not an admin: it cannot vote.
    assert!(matches!(
        chain.try_submit(
            4,
            Payload::Governance {
                op: GovTx::Vote {
                    proposal: 0,
                    approve: true
                }
            }
        ),
        Err(InvalidTx::PermissionDenied { .. })
    ));
    // Citizens still move money.
    assert!(
        chain
            .try_submit(3, transfer(frank))
            .expect("valid")
            .is_success()
    );
}

#[test]
fn a_proposal_executes_once_a_majority_of_organizations_approves() {
    let mut chain = TestChain::consortium();
    let dave = chain.address(3);
    let id = propose(
        &mut chain,
        0,
        GovAction::SetMember {
            account: dave,
            member: Member {
                org: OrgId::new("agency").expect("id"),
                roles: Roles::CLIENT,
            },
        },
    );
    // One of three organizations is below the majority: nothing happens.
    let r = vote(&mut chain, 0, id, true);
    assert_eq!(r.output, [ProposalStatus::Open.code()]);
    assert_eq!(member(&chain, &dave), None);
    // The same organization cannot vote twice.
    let r = vote(&mut chain, 0, id, true);
    assert_eq!(r.status, Status::Reverted);
    assert!(r.reason.contains("already voted"), "{}", r.reason);
    // Two of three: executed in the same transaction.
    let r = vote(&mut chain, 1, id, true);
    assert_eq!(r.output, [ProposalStatus::Executed.code()], "{}", r.reason);
    assert_eq!(member(&chain, &dave).expect("member").roles, Roles::CLIENT);
    let p = proposal(&chain, id);
    assert_eq!(p.status, ProposalStatus::Executed);
    assert_eq!(p.votes.len(), 2);
    // The new client may deploy now.
    let r = chain
        .try_submit(
            3,
            Payload::Deploy {
                code: tiny_contract(),
                init_args: vec![],
            },
        )
        .expect("permitted now");
    assert!(r.is_success(), "{}", r.reason);
    // A closed proposal takes no more votes.
    let r = vote(&mut chain, 2, id, false);
    assert!(r.reason.contains("not open"), "{}", r.reason);
}

#[test]
fn proposals_can_be_rejected_and_expire() {
    let mut chain = TestChain::consortium();
    let frank = chain.address(5);
    let freeze = GovAction::FreezeAccount { account: frank };
    let rejected = propose(&mut chain, 0, freeze.clone());
    assert!(vote(&mut chain, 1, rejected, false).is_success());
    let r = vote(&mut chain, 2, rejected, false);
    assert_eq!(r.output, [ProposalStatus::Rejected.code()]);
    assert!(
        chain.try_submit(5, transfer(chain.address(3))).is_ok(),
        "not frozen"
    );

    let deadline = TimestampMs(chain.time_ms() + 5_000);
    let r = chain.submit(
        0,
        Payload::Governance {
            op: GovTx::Propose {
                title: "freeze frank quickly".into(),
                action: freeze,
                deadline_ms: deadline,
            },
        },
    );
    let late = u64::from_be_bytes(r.output.try_into().expect("id"));
    assert!(vote(&mut chain, 0, late, true).is_success());
    chain.advance_time(10_000);
    let r = vote(&mut chain, 1, late, true);
    assert_eq!(r.status, Status::Reverted);
    assert!(r.reason.contains("expired"), "{}", r.reason);
    assert!(
        chain.try_submit(5, transfer(chain.address(3))).is_ok(),
        "still not frozen"
    );
    let p = proposal(&chain, late);
    assert_eq!(
        governance::effective_status(&p, chain.time_ms()),
        ProposalStatus::Expired
    );
}

#[test]
fn the_regulator_freezes_and_unfreezes_and_a_frozen_account_can_send_nothing() {
    let mut chain = TestChain::consortium();
    let dave = chain.address(3);
    let r = chain.submit(
        4,
        Payload::Governance {
            op: GovTx::Regulate {
                account: dave,
                freeze: true,
            },
        },
    );
    assert!(r.is_success(), "{}", r.reason);
    let root = chain.state_root();
    assert_eq!(
        chain.try_submit(3, transfer(chain.address(5))),
        Err(InvalidTx::AccountFrozen { account: dave })
    );
    assert_eq!(chain.state_root(), root);
    let r = chain.submit(
        4,
        Payload::Governance {
            op: GovTx::Regulate {
                account: dave,
                freeze: false,
            },
        },
    );
    assert!(r.is_success(), "{}", r.reason);
    assert!(chain.try_submit(3, transfer(chain.address(5))).is_ok());

    // Every step is in the audit trail, in order.
    let trail = chain.audit_trail(0, u64::MAX);
    let events: Vec<&str> = trail.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(events, ["regulator_freeze", "regulator_unfreeze"]);
    assert_eq!(trail[0].actor, chain.address(4));
    assert!(trail[0].time_ms < trail[1].time_ms);
    // A time range selects.
    let later = chain.audit_trail(trail[1].time_ms.0, u64::MAX);
    assert_eq!(later.len(), 1);
}

#[test]
fn an_organization_rotates_its_admin_key_and_keeps_governing() {
    let mut chain = TestChain::consortium();
    let (alice, dave, frank) = (chain.address(0), chain.address(3), chain.address(5));
    let id = propose(&mut chain, 1, GovAction::FreezeAccount { account: dave });
    let r = chain.submit(
        0,
        Payload::Governance {
            op: GovTx::RotateAdmins {
                admins: vec![frank],
            },
        },
    );
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(
        member(&chain, &alice),
        None,
        "the old key lost its admin role"
    );
    assert_eq!(member(&chain, &frank).expect("member").roles, Roles::ADMIN);
    // The old key can no longer vote; the new one votes for the agency at once.
    assert!(matches!(
        chain.try_submit(
            0,
            Payload::Governance {
                op: GovTx::Vote {
                    proposal: id,
                    approve: true
                }
            }
        ),
        Err(InvalidTx::PermissionDenied { .. })
    ));
    let r = vote(&mut chain, 5, id, true);
    assert!(r.is_success(), "{}", r.reason);
    let r = vote(&mut chain, 1, id, true);
    assert_eq!(r.output, [ProposalStatus::Executed.code()]);
    assert_eq!(proposal(&chain, id).votes[0].voter, frank);
}

#[test]
fn contracts_are_frozen_upgraded_and_revoked_by_vote() {
    let mut chain = TestChain::consortium();
    let contract = chain
        .deploy(0, &tiny_contract(), &[])
        .expect("alice may deploy");
    let pass = |chain: &mut TestChain, op: ContractOp| {
        let id = propose(
            chain,
            0,
            GovAction::Contract {
                contract,
                action: op,
            },
        );
        vote(chain, 0, id, true);
        let r = vote(chain, 1, id, true);
        assert_eq!(
            r.output,
            [ProposalStatus::Executed.code()],
            "{:?}",
            proposal(chain, id)
        );
    };
    pass(&mut chain, ContractOp::Freeze);
    let r = chain.call(3, &contract, "f", &[], 0);
    assert_eq!(r.status, Status::ContractUnavailable);
    pass(&mut chain, ContractOp::Unfreeze);
    assert!(chain.call(3, &contract, "f", &[], 0).is_success());

    // Upgrade: same address and storage, new code (now with an entry point `g`).
    pass(
        &mut chain,
        ContractOp::Upgrade {
            code: contract_with("g"),
        },
    );
    assert_eq!(
        chain.call(3, &contract, "f", &[], 0).status,
        Status::MethodNotFound
    );
    assert!(chain.call(3, &contract, "g", &[], 0).is_success());

    pass(&mut chain, ContractOp::Revoke);
    assert_eq!(
        chain.call(3, &contract, "g", &[], 0).status,
        Status::ContractUnavailable
    );
    // Revoked is for good: unfreezing fails, and the failure is recorded.
    let id = propose(
        &mut chain,
        0,
        GovAction::Contract {
            contract,
            action: ContractOp::Unfreeze,
        },
    );
    vote(&mut chain, 0, id, true);
    let r = vote(&mut chain, 1, id, true);
    assert_eq!(r.output, [ProposalStatus::Failed.code()]);
    assert!(proposal(&chain, id).outcome.contains("revoked for good"));
    let (raw, _) = chain.prove(&layout::contract_key(&contract));
    let info = citychain_types::ContractInfo::decode(&raw.expect("info")).expect("decodes");
    assert_eq!(info.status, ContractStatus::Revoked);
}

#[test]
fn rules_changes_need_their_threshold_and_apply_from_the_next_block() {
    let mut chain = TestChain::consortium();
    // Open deployment to everyone: a policy change.
    let policy = citychain_types::Policy {
        deploy: Roles::NONE,
        ..citychain_types::Policy::consortium()
    };
    let id = propose(&mut chain, 2, GovAction::SetPolicy { policy });
    vote(&mut chain, 2, id, true);
    assert!(
        chain
            .try_submit(
                3,
                Payload::Deploy {
                    code: tiny_contract(),
                    init_args: vec![]
                }
            )
            .is_err()
    );
    let r = vote(&mut chain, 0, id, true);
    assert_eq!(r.output, [ProposalStatus::Executed.code()]);
    let r = chain
        .try_submit(
            3,
            Payload::Deploy {
                code: tiny_contract(),
                init_args: vec![],
            },
        )
        .expect("the citizen may deploy now");
    assert!(r.is_success(), "{}", r.reason);
}

#[test]
fn a_freeze_applies_to_the_next_transaction_of_the_same_block() {
    let mut chain = TestChain::consortium();
    let dave = chain.address(3);
    let freeze = chain.sign(
        4,
        Payload::Governance {
            op: GovTx::Regulate {
                account: dave,
                freeze: true,
            },
        },
    );
    let from_dave = chain.sign(3, transfer(chain.address(5)));
    let err = chain
        .try_block(&[freeze.clone(), from_dave.clone()])
        .expect_err("dave's transaction is invalid after the freeze");
    assert!(err.contains("is frozen"), "{err}");
    // Alone, each is fine.
    let receipts = chain
        .try_block(&[from_dave])
        .expect("valid before the freeze");
    assert!(receipts[0].is_success());
    chain.try_block(&[freeze]).expect("the freeze");
    assert!(matches!(
        chain.try_submit(3, transfer(chain.address(5))),
        Err(InvalidTx::AccountFrozen { .. })
    ));
}

#[test]
fn deployments_can_require_code_approved_by_vote() {
    let mut chain = TestChain::consortium();
    let policy = citychain_types::Policy {
        deploy_needs_approval: true,
        ..citychain_types::Policy::consortium()
    };
    let id = propose(&mut chain, 0, GovAction::SetPolicy { policy });
    vote(&mut chain, 0, id, true);
    assert_eq!(
        vote(&mut chain, 1, id, true).output,
        [ProposalStatus::Executed.code()]
    );

    let code = tiny_contract();
    let deploy = || Payload::Deploy {
        code: code.clone(),
        init_args: vec![],
    };
    let root = chain.state_root();
    match chain.try_submit(0, deploy()) {
        Err(e @ InvalidTx::CodeNotApproved { .. }) => assert_eq!(e.code(), "code_not_approved"),
        other => panic!("expected code_not_approved, got {other:?}"),
    }
    assert_eq!(chain.state_root(), root);

    let code_hash = chain.suite().hash(&code);
    let id = propose(
        &mut chain,
        0,
        GovAction::ApproveCode {
            code_hash,
            approved: true,
        },
    );
    vote(&mut chain, 0, id, true);
    assert_eq!(
        vote(&mut chain, 2, id, true).output,
        [ProposalStatus::Executed.code()]
    );
    let r = chain
        .try_submit(0, deploy())
        .expect("approved code deploys");
    assert!(r.is_success(), "{}", r.reason);
    // Approval is for that code only.
    assert!(matches!(
        chain.try_submit(
            0,
            Payload::Deploy {
                code: contract_with("other"),
                init_args: vec![]
            }
        ),
        Err(InvalidTx::CodeNotApproved { .. })
    ));
}

fn validator_set(chain: &TestChain, key: Vec<u8>) -> Option<Vec<ValidatorKey>> {
    let (raw, _) = chain.prove(&key);
    raw.map(|r| {
        ValidatorSet::decode(&r)
            .expect("decodes")
            .0
            .into_iter()
            .map(|v| v.consensus_key)
            .collect()
    })
}

#[test]
fn validator_changes_by_vote_take_effect_when_the_next_epoch_starts() {
    // Epochs of 8 blocks: heights 0..=7 are epoch 0, 8..=15 epoch 1.
    let mut chain = TestChain::consortium_with(|g| g.epoch_blocks = 8);
    let first = validator_key("harness");
    let second = validator_key("bank-1");
    assert_eq!(
        validator_set(&chain, layout::epoch_validators_key(0)),
        Some(vec![first])
    );

    let id = propose(
        &mut chain,
        1,
        GovAction::AddValidator {
            org: OrgId::new("bank").expect("id"),
            validator: Validator {
                name: "bank-1".into(),
                consensus_key: second,
            },
        },
    );
    // Validator changes need more than two thirds: one organization of three is not enough.
    assert_eq!(
        vote(&mut chain, 1, id, true).output,
        [ProposalStatus::Open.code()]
    );
    let r = vote(&mut chain, 2, id, true);
    assert_eq!(r.output, [ProposalStatus::Executed.code()], "{}", r.reason);
    assert!(proposal(&chain, id).outcome.contains("next epoch"));
    // The set for the next epoch changed; the running epoch's did not.
    assert_eq!(
        validator_set(&chain, layout::validators_key()),
        Some(vec![first, second])
    );
    assert_eq!(
        validator_set(&chain, layout::epoch_validators_key(0)),
        Some(vec![first])
    );
    assert_eq!(validator_set(&chain, layout::epoch_validators_key(1)), None);
    let bank = governance_org(&chain, "bank");
    assert_eq!(bank.validators, vec![second]);

    // The last block of epoch 0 (height 7) records epoch 1's set.
    while chain.height() < 6 {
        chain.try_block(&[]).expect("an empty block");
    }
    assert_eq!(validator_set(&chain, layout::epoch_validators_key(1)), None);
    chain.try_block(&[]).expect("height 7");
    assert_eq!(
        validator_set(&chain, layout::epoch_validators_key(1)),
        Some(vec![first, second])
    );

    // Remove the first validator: epoch 2 (from height 16) runs without it.
    let id = propose(
        &mut chain,
        0,
        GovAction::RemoveValidator { validator: first },
    );
    vote(&mut chain, 0, id, true);
    let r = vote(&mut chain, 1, id, true);
    assert_eq!(r.output, [ProposalStatus::Executed.code()], "{}", r.reason);
    while chain.height() < 15 {
        chain.try_block(&[]).expect("an empty block");
    }
    assert_eq!(
        validator_set(&chain, layout::epoch_validators_key(1)),
        Some(vec![first, second])
    );
    assert_eq!(
        validator_set(&chain, layout::epoch_validators_key(2)),
        Some(vec![second])
    );
    assert!(governance_org(&chain, "agency").validators.is_empty());

    // Changes that cannot apply are refused when proposed, with the reason, and change nothing.
    let refused = |chain: &mut TestChain, action: GovAction| {
        let r = chain.submit(
            0,
            Payload::Governance {
                op: GovTx::Propose {
                    title: "refused".into(),
                    action,
                    deadline_ms: TimestampMs(chain.time_ms() + DAY_MS),
                },
            },
        );
        assert_eq!(r.status, Status::Reverted);
        r.reason
    };
    let reason = refused(&mut chain, GovAction::RemoveValidator { validator: second });
    assert!(reason.contains("last validator"), "{reason}");
    let reason = refused(&mut chain, GovAction::RemoveValidator { validator: first });
    assert!(reason.contains("is not a validator"), "{reason}");
    let reason = refused(
        &mut chain,
        GovAction::AddValidator {
            org: OrgId::new("bank").expect("id"),
            validator: Validator {
                name: "again".into(),
                consensus_key: second,
            },
        },
    );
    assert!(reason.contains("already a validator"), "{reason}");
    // About half of all 32-byte strings are not Ed25519 points; take the first.
    let not_a_point = (0u8..=255)
        .map(|i| [i; 32])
        .find(|b| {
            citychain_crypto::PublicKey::from_bytes(citychain_crypto::Suite::Ed25519, b).is_err()
        })
        .expect("an invalid encoding");
    let reason = refused(
        &mut chain,
        GovAction::AddValidator {
            org: OrgId::new("bank").expect("id"),
            validator: Validator {
                name: "broken".into(),
                consensus_key: ValidatorKey(not_a_point),
            },
        },
    );
    assert!(reason.contains("not an Ed25519 public key"), "{reason}");
    let reason = refused(
        &mut chain,
        GovAction::AddValidator {
            org: OrgId::new("nobody").expect("id"),
            validator: Validator {
                name: "orphan".into(),
                consensus_key: validator_key("orphan"),
            },
        },
    );
    assert!(reason.contains("no organization"), "{reason}");
    assert_eq!(
        validator_set(&chain, layout::validators_key()),
        Some(vec![second])
    );
}

fn governance_org(chain: &TestChain, id: &str) -> citychain_types::Organization {
    let (raw, _) = chain.prove(&layout::organization_key(&OrgId::new(id).expect("id")));
    citychain_types::Organization::decode(&raw.expect("the organization exists")).expect("decodes")
}
