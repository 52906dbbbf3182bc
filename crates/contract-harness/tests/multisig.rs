//! Multi-signature accounts: M of N signers send transactions together.

use citychain_contract_harness::TestChain;
use citychain_execution::InvalidTx;
use citychain_types::{
    Address, Amount, Decode, GovAction, GovTx, Payload, ProposalStatus, Status, TimestampMs,
    layout,
    multisig::{MultisigPending, MultisigStatus, MultisigTx},
};

fn create(chain: &mut TestChain, from: usize, signers: &[usize], threshold: u8) -> Address {
    let signers = signers.iter().map(|&i| chain.address(i)).collect();
    let r = chain.submit(
        from,
        Payload::Multisig {
            op: MultisigTx::Create { signers, threshold },
        },
    );
    assert!(r.is_success(), "{}", r.reason);
    Address(r.output.try_into().expect("an address"))
}

fn propose(chain: &mut TestChain, from: usize, account: Address, payload: Payload) -> u64 {
    let r = chain.submit(
        from,
        Payload::Multisig {
            op: MultisigTx::Propose {
                account,
                payload: Box::new(payload),
            },
        },
    );
    assert!(r.is_success(), "{}", r.reason);
    u64::from_be_bytes(r.output.try_into().expect("an id"))
}

fn approve(
    chain: &mut TestChain,
    from: usize,
    account: Address,
    id: u64,
) -> citychain_types::Receipt {
    chain.submit(
        from,
        Payload::Multisig {
            op: MultisigTx::Approve { account, id },
        },
    )
}

fn pending(chain: &TestChain, account: &Address, id: u64) -> MultisigPending {
    let (raw, _) = chain.prove(&layout::multisig_tx_key(account, id));
    MultisigPending::decode(&raw.expect("stored")).expect("decodes")
}

#[test]
fn two_of_three_signers_move_the_treasury() {
    let mut chain = TestChain::new();
    let treasury = create(&mut chain, 0, &[1, 2, 3], 2);
    let frank = chain.address(5);
    assert!(
        chain
            .submit(
                0,
                Payload::Transfer {
                    to: treasury,
                    amount: Amount(1_000)
                }
            )
            .is_success()
    );
    let before = chain.balance(&frank).0;

    let id = propose(
        &mut chain,
        3,
        treasury,
        Payload::Transfer {
            to: frank,
            amount: Amount(100),
        },
    );
    assert_eq!(
        chain.balance(&frank).0,
        before,
        "one approval is not enough"
    );
    // Only signers may approve; nobody approves twice.
    assert_eq!(
        chain.try_submit(
            5,
            Payload::Multisig {
                op: MultisigTx::Approve {
                    account: treasury,
                    id
                }
            }
        ),
        Err(InvalidTx::NotASigner { account: treasury })
    );
    let r = approve(&mut chain, 3, treasury, id);
    assert!(r.reason.contains("already approved"), "{}", r.reason);

    let r = approve(&mut chain, 2, treasury, id);
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(r.output, [0], "the transfer succeeded");
    assert_eq!(chain.balance(&frank).0, before + 100);
    assert_eq!(chain.balance(&treasury).0, 900);
    let p = pending(&chain, &treasury, id);
    assert_eq!(p.status, MultisigStatus::Executed);
    assert_eq!(p.approvals, vec![chain.address(3), chain.address(2)]);

    // A transaction that fails when run is recorded as failed and changes nothing.
    let id = propose(
        &mut chain,
        1,
        treasury,
        Payload::Transfer {
            to: frank,
            amount: Amount(5_000),
        },
    );
    let r = approve(&mut chain, 2, treasury, id);
    assert_eq!(r.output, [Status::InsufficientBalance.code() as u8]);
    assert_eq!(
        pending(&chain, &treasury, id).status,
        MultisigStatus::Failed
    );
    assert_eq!(chain.balance(&treasury).0, 900);
    let r = approve(&mut chain, 3, treasury, id);
    assert!(r.reason.contains("failed already"), "{}", r.reason);
}

#[test]
fn bad_multisig_accounts_are_refused() {
    let mut chain = TestChain::new();
    for (signers, threshold, reason) in [
        (vec![1], 1, "2 to 16 signers"),
        (vec![1, 1], 1, "listed twice"),
        (vec![1, 2], 3, "threshold"),
        (vec![1, 2], 0, "threshold"),
    ] {
        let signers = signers.iter().map(|&i| chain.address(i)).collect();
        let r = chain.submit(
            0,
            Payload::Multisig {
                op: MultisigTx::Create { signers, threshold },
            },
        );
        assert_eq!(r.status, Status::Reverted);
        assert!(r.reason.contains(reason), "{}", r.reason);
    }
}

/// An organization's admin key can be a multisig account: its votes need two of three officers.
#[test]
fn a_multisig_admin_key_votes_for_its_organization() {
    let mut chain = TestChain::consortium();
    let board = create(&mut chain, 0, &[3, 4, 5], 2);
    // The agency's admin hands its admin role to the board.
    let r = chain.submit(
        0,
        Payload::Governance {
            op: GovTx::RotateAdmins {
                admins: vec![board],
            },
        },
    );
    assert!(r.is_success(), "{}", r.reason);

    let deadline = TimestampMs(chain.time_ms() + 3_600_000);
    let r = chain.submit(
        1,
        Payload::Governance {
            op: GovTx::Propose {
                title: "freeze frank".into(),
                action: GovAction::FreezeAccount {
                    account: chain.address(5),
                },
                deadline_ms: deadline,
            },
        },
    );
    let proposal = u64::from_be_bytes(r.output.try_into().expect("id"));
    assert!(
        chain
            .submit(
                1,
                Payload::Governance {
                    op: GovTx::Vote {
                        proposal,
                        approve: true
                    }
                }
            )
            .is_success()
    );

    let vote = Payload::Governance {
        op: GovTx::Vote {
            proposal,
            approve: true,
        },
    };
    let id = propose(&mut chain, 3, board, vote);
    let r = approve(&mut chain, 4, board, id);
    assert_eq!(r.output, [0], "the board's vote was cast");
    let (raw, _) = chain.prove(&layout::proposal_key(proposal));
    let p = citychain_types::Proposal::decode(&raw.expect("proposal")).expect("decodes");
    assert_eq!(p.status, ProposalStatus::Executed);
    assert_eq!(p.votes[1].voter, board);
}
