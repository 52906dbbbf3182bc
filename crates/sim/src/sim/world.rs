//! Building a run's world from its seed: keys, genesis, the simulated network and node slots;
//! and the governance transactions scenarios send.

use super::*;

/// The admin of the simulated consortium (one organization, `city`, owning every validator).
#[derive(Default)]
pub(super) struct Governance {
    pub(super) nonce: u64,
    pub(super) next_proposal: u64,
    /// Signed and not yet seen committed: resubmitted with the load until they are.
    pub(super) unconfirmed: Vec<(Vec<u8>, Hash)>,
}

pub(super) fn admin_key(scenario: &Scenario) -> SecretKey {
    SecretKey::insecure_from_label(scenario.suite, &format!("sim {} admin", scenario.seed))
}

/// Proposes `action` as the admin and approves it (one organization: one vote decides).
pub(super) fn govern(world: &World, action: GovAction) {
    let key = admin_key(&world.scenario);
    let mut g = world.governance.lock();
    let id = g.next_proposal;
    g.next_proposal += 1;
    let deadline = TimestampMs(START_MS + 24 * 3600 * 1000);
    let ops = [
        GovTx::Propose {
            title: format!("sim: {}", action.kind()),
            action,
            deadline_ms: deadline,
        },
        GovTx::Vote {
            proposal: id,
            approve: true,
        },
    ];
    for op in ops {
        let tx = Transaction {
            chain_id: world.genesis.chain_id.clone(),
            sender: key.public_key(),
            nonce: Nonce(g.nonce),
            gas_limit: Gas(1_000_000),
            payload: Payload::Governance { op },
        }
        .sign(&key);
        g.nonce += 1;
        g.unconfirmed.push((tx.encode(), tx.hash()));
    }
}

pub(super) async fn build_world(context: &Ctx, scenario: &Scenario) -> World {
    let n = scenario.validators;
    let keys: Vec<ConsensusSecret> = (0..scenario.nodes())
        .map(|i| {
            let what = if i < n { "validator" } else { "full node" };
            let secret = derive_secret(scenario.seed, &format!("{what} {i}"));
            let SecretKey::Ed25519(k) = SecretKey::from_bytes(Suite::Ed25519, &secret)
                .expect("any 32 bytes are an ed25519 seed")
            else {
                unreachable!("ed25519")
            };
            k
        })
        .collect();
    let senders = scenario.load.map_or(0, |l| l.senders);
    let genesis = Genesis {
        chain_id: ChainId::new("citychain-sim").expect("valid id"),
        suite: scenario.suite,
        genesis_time_ms: TimestampMs(START_MS),
        params: ChainParams {
            empty_block_interval_ms: scenario.empty_block_interval_ms,
            ..ChainParams::default()
        },
        validators: keys[..n]
            .iter()
            .enumerate()
            .map(|(i, k)| Validator {
                name: format!("v{i}"),
                consensus_key: consensus::validator_key(&k.public_key()),
            })
            .collect(),
        accounts: (0..senders)
            .map(|i| GenesisAccount {
                address: sender_key(scenario, i).public_key().address(),
                balance: Amount(1_000_000_000),
            })
            .collect(),
        organizations: vec![Organization {
            id: OrgId::new("city").expect("valid id"),
            name: "The city".into(),
            admins: vec![admin_key(scenario).public_key().address()],
            validators: keys[..n]
                .iter()
                .map(|k| consensus::validator_key(&k.public_key()))
                .collect(),
        }],
        members: std::iter::once(GenesisMember {
            account: admin_key(scenario).public_key().address(),
            org: OrgId::new("city").expect("valid id"),
            roles: Roles::ADMIN,
        })
        // The asset load's issuer.
        .chain((scenario.assets && senders > 0).then(|| GenesisMember {
            account: sender_key(scenario, 0).public_key().address(),
            org: OrgId::new("city").expect("valid id"),
            roles: Roles::ISSUER,
        }))
        .collect(),
        policy: citychain_types::Policy::default(),
        thresholds: citychain_types::Thresholds::default(),
        epoch_blocks: scenario.epoch_blocks,
        contracts: Vec::new(),
    };
    // Validators are primary peers, the full node secondary (as in `citychain node`).
    let (network, oracle) = Network::new_with_split_peers(
        context.child("network"),
        simulated::Config {
            max_size: 8 << 20,
            max_peers_per_set: NZUsize!(keys.len().max(1)),
            disconnect_on_block: false,
            tracked_peer_sets: NZUsize!(1),
        },
        keys[..n].iter().map(|k| k.public_key()),
        keys[n..].iter().map(|k| k.public_key()),
    )
    .await;
    network.start();

    // Each half of a twin talks to a seed-chosen group; the groups overlap or not.
    let mut twin_groups = (BTreeSet::new(), BTreeSet::new());
    let mut bits = derive_secret(scenario.seed, "twin groups")
        .into_iter()
        .cycle();
    for i in 0..n {
        match bits.next().unwrap_or(0) % 3 {
            0 => {
                twin_groups.0.insert(i);
            }
            1 => {
                twin_groups.1.insert(i);
            }
            _ => {
                twin_groups.0.insert(i);
                twin_groups.1.insert(i);
            }
        }
    }
    let byzantine: BTreeSet<ConsensusKey> = scenario
        .twins
        .iter()
        .map(|&v| keys[v].public_key())
        .collect();
    World {
        scenario: scenario.clone(),
        genesis,
        keys,
        root_dir: tempfile::tempdir().expect("temporary directory"),
        oracle,
        votes: VoteBook {
            byzantine: Arc::new(byzantine),
            ..Default::default()
        },
        twin_groups,
        corrupted: Arc::default(),
        governance: Mutex::default(),
    }
}

pub(super) fn sender_key(scenario: &Scenario, i: usize) -> SecretKey {
    SecretKey::insecure_from_label(scenario.suite, &format!("sim {} sender {i}", scenario.seed))
}

pub(super) fn make_slots(world: &World) -> Vec<Slot> {
    let mut slots = Vec::new();
    for v in 0..world.scenario.nodes() {
        let sides: Vec<Option<Side>> = if world.scenario.twins.contains(&v) {
            vec![Some(Side::Primary), Some(Side::Secondary)]
        } else {
            vec![None]
        };
        for side in sides {
            let label = match side {
                None if v >= world.scenario.validators => "full".to_string(),
                None => format!("v{v}"),
                Some(Side::Primary) => format!("v{v}-twin-a"),
                Some(Side::Secondary) => format!("v{v}-twin-b"),
            };
            slots.push(Slot {
                dir: world.root_dir.path().join(&label),
                label,
                validator: v,
                side,
                running: None,
                commit_crash: Arc::default(),
                skew_ms: 0,
                started: false,
            });
        }
    }
    slots
}

/// Sets every link, leaving out pairs `cut` says are partitioned.
pub(super) async fn link_all(
    world: &World,
    scenario: &Scenario,
    slots: &[Slot],
    cut: Option<&dyn Fn(usize, usize) -> bool>,
) {
    let n = scenario.nodes();
    let _ = slots;
    for a in 0..n {
        for b in 0..n {
            if a == b {
                continue;
            }
            let (ka, kb) = (world.keys[a].public_key(), world.keys[b].public_key());
            let _ = world.oracle.remove_link(ka.clone(), kb.clone()).await;
            if cut.is_some_and(|c| c(a, b)) {
                continue;
            }
            let _ = world.oracle.add_link(ka, kb, link_of(scenario)).await;
        }
    }
}

/// The canary's broken validator set: each node believes its half is the whole set.
pub(super) fn canary_validators(world: &World, validator: usize) -> Vec<ConsensusKey> {
    let n = world.scenario.validators;
    let all = world.keys[..n].iter().map(|k| k.public_key());
    let half = n / 2;
    let mine = validator < half;
    all.enumerate()
        .filter(|(i, _)| (*i < half) == mine)
        .map(|(_, k)| k)
        .collect()
}
