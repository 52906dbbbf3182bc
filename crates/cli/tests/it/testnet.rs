//! Real processes (RELIABILITY.md 7, 8, 12, 19): validators killed with SIGKILL under load, the
//! whole network killed at once, a full node syncing from genesis past a tampered link, and a
//! node whose key nobody allows.
//!
//! `CITYCHAIN_SOAK_MINUTES=N` turns the rolling-kill test into an N-minute soak with a kill
//! every 30 s (CI runs three quick rounds).

use crate::{
    harness::http_get,
    network::{Testnet, TrackedLoad},
};
use citychain_client::api::*;
use citychain_client::types::BlockId;
use citychain_node::config::NodeFile;
use citychain_sim::proxy::LinkFaults;
use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// RELIABILITY.md's bound for a restarted node to be back at the tip.
const CATCH_UP_LIMIT: Duration = Duration::from_secs(20);

#[test]
fn validators_killed_in_turn_under_load_lose_nothing_and_catch_up() {
    let soak_minutes: Option<u64> = std::env::var("CITYCHAIN_SOAK_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok());
    let (rounds, interval) = match soak_minutes {
        Some(m) => (m * 2, secs(30)),
        None => (3, secs(8)),
    };
    let mut net = Testnet::init(4, 0, 200);
    net.start_all();
    net.wait_for(0, 2, secs(60));

    // `citychain bench` loads node 3, which is never killed; the tracked load uses every node.
    let rate = 100;
    let bench_txs = rate * rounds * (interval.as_secs() + 4);
    let bench = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args(["--json", "bench", "--rpc", &net.rpc_url(3), "--key"])
        .arg(net.account_file("alice"))
        .args(["--accounts", "20", "--batch", "50", "--concurrency", "2"])
        .args(["--rate", &rate.to_string(), "--txs", &bench_txs.to_string()])
        .args(["--timeout", "600"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start citychain bench");
    let carol = net.account_key("carol").public_key().address();
    let urls = (0..4).map(|i| net.rpc_url(i)).collect();
    let load = TrackedLoad::start(&net, net.account_key("bob"), carol, 40, urls);

    let mut catch_up = Vec::new();
    for round in 0..rounds {
        std::thread::sleep(interval);
        let victim = (round % 3) as usize;
        net.kill(victim);
        std::thread::sleep(secs(2));
        let restarted = Instant::now();
        net.start(victim);
        let tip = net.tip(Some(victim));
        net.wait_for(victim, tip, secs(120));
        catch_up.push(restarted.elapsed());
        println!(
            "round {round}: node {victim} back at tip {tip} {:?} after restart",
            restarted.elapsed()
        );
    }

    let acked = load.finish(&net);
    let out = bench.wait_with_output().expect("bench finishes");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "bench printed no JSON report ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    println!("bench: {report}");
    assert_eq!(
        report["committed"].as_u64(),
        Some(bench_txs),
        "bench transfers not all committed: {report}"
    );

    let highest_ack = acked.values().map(|i| i.height).max().unwrap_or(0);
    let height = net.converge(highest_ack, secs(60));
    net.assert_same_chain(height);
    net.assert_acks_kept(&acked);
    assert!(
        acked.len() as u64 >= 20 * rounds,
        "only {} tracked transfers committed",
        acked.len()
    );
    let slowest = catch_up.iter().max().copied().unwrap_or_default();
    println!(
        "{} kills; {} tracked transfers acknowledged; final height {height}; slowest catch-up {slowest:?}",
        rounds,
        acked.len()
    );
    assert!(
        slowest <= CATCH_UP_LIMIT,
        "a restarted node took {slowest:?} to reach the tip (all: {catch_up:?})"
    );
}

#[test]
fn all_validators_killed_at_once_resume_without_height_regression() {
    let mut net = Testnet::init(4, 0, 200);
    net.start_all();
    net.wait_for(0, 2, secs(60));
    let carol = net.account_key("carol").public_key().address();
    let urls = (0..4).map(|i| net.rpc_url(i)).collect();
    let load = TrackedLoad::start(&net, net.account_key("bob"), carol, 40, urls);
    std::thread::sleep(secs(6));

    let before: Vec<(u64, citychain_crypto::Hash)> = (0..4)
        .map(|i| {
            let client = net.client(i);
            let s = net.block_on(client.status()).expect("status");
            (s.height, s.head_hash)
        })
        .collect();
    for i in 0..4 {
        net.kill(i);
    }
    std::thread::sleep(secs(1));
    net.start_all();

    for (i, (height, hash)) in before.iter().enumerate() {
        let client = net.client(i);
        let status = net.block_on(client.status()).expect("status");
        assert!(
            status.height >= *height,
            "node {i} went back from height {height} to {}",
            status.height
        );
        let header = net
            .block_on(client.rpc().chain_get_header(BlockId::Height(*height)))
            .expect("header");
        assert_eq!(header.hash, *hash, "node {i}'s block {height} changed");
    }
    let tip_before = before.iter().map(|(h, _)| *h).max().unwrap_or(0);
    net.wait_for(0, tip_before + 5, secs(60));

    let acked = load.finish(&net);
    assert!(!acked.is_empty(), "nothing was committed");
    let highest_ack = acked.values().map(|i| i.height).max().unwrap_or(0);
    let height = net.converge(highest_ack.max(tip_before + 5), secs(60));
    net.assert_same_chain(height);
    net.assert_acks_kept(&acked);
}

#[test]
fn a_full_node_syncs_from_genesis_past_a_tampered_link_and_strangers_are_refused() {
    let mut net = Testnet::init(4, 1, 100);
    for i in 0..4 {
        net.start(i);
    }
    let carol = net.account_key("carol").public_key().address();
    let urls = (0..4).map(|i| net.rpc_url(i)).collect();
    let load = TrackedLoad::start(&net, net.account_key("bob"), carol, 40, urls);
    // Enough history for the full node to sync (other tests may be using the CPU too).
    let started = Instant::now();
    while net.tip(None) < 30 {
        assert!(
            started.elapsed() < secs(90),
            "validators only reached height {}",
            net.tip(None)
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let acked = load.finish(&net);
    let tip = net.tip(None);

    // Every byte the full node exchanges with validator 0 is tampered with.
    net.set_link(
        4,
        0,
        LinkFaults {
            corrupt: 1.0,
            ..Default::default()
        },
    );
    let started = Instant::now();
    net.start(4);
    net.wait_for(4, tip, secs(120));
    println!("full node synced {tip} blocks in {:?}", started.elapsed());
    let full = net.client(4);
    let peers = || net.block_on(full.status()).expect("status").peers;
    let connecting = Instant::now();
    while peers() < 3 {
        assert!(
            connecting.elapsed() < secs(60),
            "the full node did not reach 3 validators"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    // Validator 0 keeps being dialed through the tampering proxy and never connects.
    for _ in 0..8 {
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(peers(), 3, "the tampered link must not count as a peer");
    }
    assert!(net.proxy(4, 0).stats().corrupted_chunks > 0);

    // Healed, the link works again.
    net.set_link(4, 0, LinkFaults::default());
    let healed = Instant::now();
    while peers() < 4 {
        assert!(
            healed.elapsed() < secs(60),
            "the healed link never connected"
        );
        std::thread::sleep(Duration::from_millis(250));
    }

    let height = net.converge(tip, secs(60));
    net.assert_same_chain(height);
    net.assert_acks_kept(&acked);
    let header = net
        .block_on(full.rpc().chain_get_header(BlockId::Height(height)))
        .expect("header");
    assert!(
        header.finality.is_some(),
        "the full node keeps finality certificates"
    );

    // A node with a key nobody allowed is refused by every validator.
    let stranger = net.dir.path().join("stranger");
    std::fs::create_dir_all(&stranger).expect("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args(["keys", "new", "--out"])
        .arg(stranger.join("node.key"))
        .env("CITYCHAIN_PASSPHRASE", net.passphrase())
        .output()
        .expect("keys new");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut file = NodeFile::read(&net.node_dir(4).join("node.toml")).expect("config");
    file.data_dir = "data".into();
    file.genesis = "../genesis.json".into();
    file.key = "node.key".into();
    file.p2p_listen = crate::harness::free_addr();
    file.rpc_listen = crate::harness::free_addr();
    for (i, peer) in file.validators.iter_mut().enumerate() {
        peer.address = net.p2p_addr(i);
    }
    file.write(&stranger.join("node.toml"))
        .expect("write config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args(["node", "--config"])
        .arg(stranger.join("node.toml"))
        .env("CITYCHAIN_PASSPHRASE", net.passphrase())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(stranger.join("node.log")).expect("log"))
        .spawn()
        .expect("start the stranger");
    let client =
        citychain_client::Client::connect(&format!("http://{}", file.rpc_listen)).expect("client");
    let mut seen = None;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(100));
        if let Ok(s) = net.block_on(client.status()) {
            seen = Some(s);
            break;
        }
    }
    assert!(
        seen.is_some(),
        "the stranger node did not start: {}",
        std::fs::read_to_string(stranger.join("node.log")).unwrap_or_default()
    );
    std::thread::sleep(secs(5));
    let s = net.block_on(client.status()).expect("status");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        s.peers, 0,
        "validators accepted a key not in their allow-list"
    );
    assert_eq!(s.height, 0, "the stranger synced blocks");
}

/// A base port with `n` nodes' worth of free ports above it (`testnet init` uses base + 10 i).
fn free_base_port(n: u16) -> u16 {
    crate::harness::free_port_block(10 * n)
}

#[test]
fn testnet_up_runs_every_node_and_sigterm_stops_them_all() {
    let _exclusive = crate::network::exclusive();
    let dir = tempfile::tempdir().expect("tempdir");
    let base = free_base_port(4);
    let citychain = env!("CARGO_BIN_EXE_citychain");
    let out = Command::new(citychain)
        .args(["testnet", "init", "--dir"])
        .arg(dir.path())
        .args([
            "--base-port",
            &base.to_string(),
            "--empty-block-interval-ms",
            "200",
        ])
        .output()
        .expect("testnet init");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut up = Command::new(citychain)
        .args(["testnet", "up", "--dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("testnet up");
    let stdout = up.stdout.take().expect("stdout");
    let (lines_tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines_tx.send(line);
        }
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let clients: Vec<_> = (0..4u16)
        .map(|i| {
            citychain_client::Client::connect(&format!("http://127.0.0.1:{}", base + 10 * i + 1))
                .expect("client")
        })
        .collect();
    let started = Instant::now();
    loop {
        let statuses: Vec<_> = clients
            .iter()
            .map(|c| runtime.block_on(c.status()).ok())
            .collect();
        if statuses
            .iter()
            .all(|s| s.as_ref().is_some_and(|s| s.height >= 3 && s.peers == 3))
        {
            break;
        }
        assert!(
            started.elapsed() < secs(90),
            "the testnet did not come up: {:?}",
            statuses
                .iter()
                .map(|s| s.as_ref().map(|s| (s.height, s.peers)))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    // The city's applications were deployed at genesis: every node has the same ones.
    let genesis: citychain_types::Genesis = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("genesis.json")).expect("genesis.json"),
    )
    .expect("a genesis");
    let names: Vec<&str> = genesis.contracts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, crate::harness::APPLICATIONS);
    let credit = citychain_types::layout::genesis_contract_address(genesis.suite, "city-credit");
    let infos: Vec<_> = clients
        .iter()
        .map(|c| {
            use citychain_client::api::*;
            runtime
                .block_on(c.rpc().contract_get_info(credit))
                .expect("city-credit is deployed on every node")
        })
        .collect();
    for info in &infos {
        assert_eq!(info.code_hash, infos[0].code_hash);
        assert_eq!(
            info.metadata.as_ref().map(|m| m.name.as_str()),
            Some("token")
        );
    }
    // Without a terminal, the live status comes as a line every few seconds; its own poll
    // may still say "starting" for a line after the nodes answer, so wait for one with heights.
    let mut seen = Vec::new();
    let showing_heights =
        |l: &String| l.contains("tx/s finalized") && l.contains("node0 h") && l.contains("node3 h");
    while !seen.iter().any(showing_heights) {
        let line = lines
            .recv_timeout(secs(30))
            .unwrap_or_else(|_| panic!("no status line with every node's height: {seen:?}"));
        seen.push(line);
    }
    assert!(
        seen.iter().any(|l| l.contains("started 4 nodes")),
        "{seen:?}"
    );

    let kill = Command::new("kill")
        .args(["-TERM", &up.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let stopping = Instant::now();
    let exit = loop {
        if let Some(status) = up.try_wait().expect("wait") {
            break status;
        }
        assert!(
            stopping.elapsed() < secs(30),
            "testnet up did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(exit.success(), "testnet up exited with {exit}");
    for (i, c) in clients.iter().enumerate() {
        assert!(
            runtime.block_on(c.status()).is_err(),
            "node{i} still serves after testnet up stopped"
        );
    }
}

/// Governance across four validator processes: a member change needs more than half of the
/// four organizations (three votes), and every node ends in the same state.
#[test]
fn four_organizations_govern_across_the_validators() {
    use citychain_types::{GovAction, GovTx, Member, OrgId, Payload, Roles, TimestampMs};
    let mut net = Testnet::init(4, 0, 200);
    net.start_all();
    net.wait_for(0, 2, secs(60));
    let dave = net.account_key("dave").public_key().address();
    let head_ms = net
        .block_on(net.client(0).status())
        .expect("status")
        .head_timestamp_ms;
    let r = send(
        &net,
        "org1-admin",
        0,
        Payload::Governance {
            op: GovTx::Propose {
                title: "dave becomes a client of org2".into(),
                action: GovAction::SetMember {
                    account: dave,
                    member: Member {
                        org: OrgId::new("org2").expect("id"),
                        roles: Roles::CLIENT,
                    },
                },
                deadline_ms: TimestampMs(head_ms + 3_600_000),
            },
        },
    );
    assert!(r.is_success(), "{}", r.reason);
    let vote = Payload::Governance {
        op: GovTx::Vote {
            proposal: 0,
            approve: true,
        },
    };
    // Each organization votes through a different node; two of four is not a majority.
    for (org, node) in [("org1-admin", 1), ("org2-admin", 2)] {
        let r = send(&net, org, node, vote.clone());
        assert_eq!(r.output, [0], "{org}: still open");
    }
    let r = send(&net, "org3-admin", 3, vote);
    assert_eq!(r.output, [1], "three of four: executed");

    let height = net.converge(net.tip(None), secs(60));
    net.assert_same_chain(height);
    for i in 0..4 {
        let m = net
            .block_on(net.client(i).rpc().org_get_member(dave))
            .expect("member");
        assert_eq!(
            m.member.map(|m| m.roles),
            Some(Roles::CLIENT),
            "node {i} disagrees"
        );
    }
}

/// Signs `payload` as account `signer`, submits it through node `node` and waits for its receipt.
fn send(
    net: &Testnet,
    signer: &str,
    node: usize,
    payload: citychain_types::Payload,
) -> citychain_types::Receipt {
    // Every node first commits what the others have (the signer's previous transaction may be
    // known only to the node that answered its receipt), so `node` gives the right nonce.
    net.converge(net.tip(None), secs(60));
    let key = net.account_key(signer);
    let client = net.client(node);
    net.block_on(async {
        let info = client.chain_info().await.expect("chain info");
        let nonce = client
            .next_nonce(&key.public_key().address())
            .await
            .expect("nonce");
        let tx = citychain_types::Transaction {
            chain_id: info.chain_id,
            sender: key.public_key(),
            nonce,
            gas_limit: citychain_types::Gas(1_000_000),
            payload,
        }
        .sign(&key);
        let hash = client.submit(&tx).await.expect("admitted");
        client
            .wait_for_receipt(hash, secs(30))
            .await
            .expect("receipt")
            .receipt
    })
}

/// Proposes `action` as org1 and has org1 to org3 approve it (three of four organizations is
/// more than the two thirds validator changes need).
fn decide(net: &Testnet, proposal: u64, action: citychain_types::GovAction) {
    use citychain_types::{GovTx, Payload, TimestampMs};
    let head_ms = net
        .block_on(net.client(0).status())
        .expect("status")
        .head_timestamp_ms;
    let r = send(
        net,
        "org1-admin",
        0,
        Payload::Governance {
            op: GovTx::Propose {
                title: action.kind().to_string(),
                action,
                deadline_ms: TimestampMs(head_ms + 3_600_000),
            },
        },
    );
    assert!(r.is_success(), "{}", r.reason);
    for (i, org) in ["org1-admin", "org2-admin", "org3-admin"]
        .iter()
        .enumerate()
    {
        let r = send(
            net,
            org,
            i,
            Payload::Governance {
                op: GovTx::Vote {
                    proposal,
                    approve: true,
                },
            },
        );
        assert!(r.is_success(), "{org}: {}", r.reason);
    }
}

/// Waits until node 0's current epoch has `n` validators; returns that epoch.
fn wait_for_set_of(net: &Testnet, n: usize, limit: Duration) -> u64 {
    let start = std::time::Instant::now();
    loop {
        if let Ok(v) = net.block_on(net.client(0).rpc().chain_get_validators(None))
            && v.validators.len() == n
        {
            return v.epoch;
        }
        assert!(
            start.elapsed() < limit,
            "no epoch with {n} validators within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_validator_voted_out_stops_counting_and_one_voted_back_in_votes_again() {
    use citychain_types::{GovAction, OrgId, Validator};
    // Epochs of 20 blocks, a block every 200 ms when idle: an epoch lasts about four seconds.
    let mut net = Testnet::init_with(4, 0, 200, &["--epoch-blocks", "20"]);
    net.start_all();
    net.wait_for(0, 2, secs(60));
    let org4 = net.genesis.validators[3].clone();

    // Out: from the next epoch, three validators sign; node 3 follows without voting.
    decide(
        &net,
        0,
        GovAction::RemoveValidator {
            validator: org4.consensus_key,
        },
    );
    let out = wait_for_set_of(&net, 3, secs(60));
    assert!(out >= 1);
    let tip = net.tip(None);
    let height = net.converge(tip + 20, secs(60));
    net.assert_same_chain(height);
    let header = net
        .block_on(
            net.client(0)
                .rpc()
                .chain_get_header(BlockId::Height(height)),
        )
        .expect("header");
    let finality = header.finality.expect("a certificate");
    assert!(finality.epoch >= out);
    assert!(
        finality.signers.iter().all(|s| *s < 3),
        "signers {:?} of a three-validator epoch",
        finality.signers
    );

    // Back in: from the next epoch it votes again. With node 0 stopped, the chain only goes on
    // if node 3's votes count (three of four are needed).
    decide(
        &net,
        1,
        GovAction::AddValidator {
            org: OrgId::new("org4").expect("id"),
            validator: Validator {
                name: org4.name.clone(),
                consensus_key: org4.consensus_key,
            },
        },
    );
    let back = wait_for_set_of(&net, 4, secs(60));
    assert!(back > out);
    net.kill(0);
    let before = net.tip(Some(0));
    let after = net.converge(before + 10, secs(60));
    assert!(after >= before + 10);

    // A light client that trusts only the genesis learns every epoch's validators from proofs
    // and verifies a certificate of the last one.
    let out = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args(["query", "proof", "--verify", "--rpc", &net.rpc_url(1)])
        .arg(
            net.account_key("org1-admin")
                .public_key()
                .address()
                .to_string(),
        )
        .output()
        .expect("run query proof");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("of 4 validators of epoch"), "{stdout}");
}

/// Issue 11: a block filled to its gas limit with the dearest operations per gas must not stop
/// the chain. Four transactions of `max_tx_gas` each (together the block gas limit) spin in a
/// loop of indirect calls and shifts until they run out of gas; every validator executes them
/// and the chain goes on finalizing, fork-free.
#[test]
fn blocks_at_the_gas_limit_of_the_dearest_mix_keep_the_chain_finalizing() {
    use citychain_types::{Amount, Gas, Payload, Status, Transaction};
    let code = wat::parse_str(
        r#"(module (memory (export "memory") 1)
             (type $t (func)) (table 1 funcref) (elem (i32.const 0) $leaf) (func $leaf)
             (func (export "spin") (local $y i32)
               (loop $l
                 (call_indirect (type $t) (i32.const 0))
                 (local.set $y (i32.lt_u (i32.shl (local.get $y) (i32.const 3)) (i32.const 9)))
                 (br $l))))"#,
    )
    .expect("wat");
    let mut net = Testnet::init(4, 0, 200);
    net.start_all();
    net.wait_for(0, 2, secs(60));
    let r = send(
        &net,
        "alice",
        0,
        Payload::Deploy {
            code,
            init_args: Vec::new(),
        },
    );
    assert!(r.is_success(), "{}", r.reason);
    let contract = citychain_types::Address(r.output.clone().try_into().expect("an address"));
    net.converge(net.tip(None), secs(60));

    let params = citychain_types::ChainParams::default();
    let senders = ["alice", "org1-admin", "org2-admin", "org3-admin"];
    assert_eq!(
        params.max_tx_gas.0 * senders.len() as u64,
        params.block_gas_limit.0,
        "the four transactions fill one block"
    );
    let start = net.tip(None);
    let receipts = net.block_on(async {
        let client = net.client(0);
        let info = client.chain_info().await.expect("chain info");
        let mut hashes = Vec::new();
        for name in senders {
            let key = net.account_key(name);
            let nonce = client
                .next_nonce(&key.public_key().address())
                .await
                .expect("nonce");
            let tx = Transaction {
                chain_id: info.chain_id.clone(),
                sender: key.public_key(),
                nonce,
                gas_limit: params.max_tx_gas,
                payload: Payload::Call {
                    contract,
                    method: "spin".into(),
                    args: Vec::new(),
                    value: Amount(0),
                },
            }
            .sign(&key);
            hashes.push(client.submit(&tx).await.expect("admitted"));
        }
        let mut receipts = Vec::new();
        for hash in hashes {
            receipts.push(
                client
                    .wait_for_receipt(hash, secs(60))
                    .await
                    .expect("a receipt: the chain keeps finalizing"),
            );
        }
        receipts
    });
    for r in &receipts {
        assert_eq!(r.receipt.status, Status::OutOfGas, "{}", r.receipt.reason);
        assert_eq!(r.receipt.gas_used, Gas(params.max_tx_gas.0));
    }
    // The chain goes on past the heavy blocks, on every node alike.
    let heavy = receipts
        .iter()
        .map(|r| r.inclusion.height)
        .max()
        .expect("four");
    assert!(heavy > start);
    let height = net.converge(heavy + 5, secs(60));
    net.assert_same_chain(height);
}

fn rpc_addr(net: &Testnet) -> std::net::SocketAddr {
    net.rpc_url(0)
        .trim_start_matches("http://")
        .parse()
        .expect("an address")
}

/// Issue 10: `/health` tells the truth. With two of four validators gone the chain has no
/// quorum: the survivors answer 503 with the reason, `/live` stays 200, and once the others are
/// back they are healthy again.
#[test]
fn health_reports_a_lost_quorum_and_recovers() {
    let mut net = Testnet::init(4, 0, 200);
    net.start_all();
    net.wait_for(0, 2, secs(60));
    let (status, body) = http_get(rpc_addr(&net), "/health");
    assert_eq!(status, 200, "{body}");
    net.kill(2);
    net.kill(3);
    // The stall threshold is 10 empty-block intervals, at least 30 s.
    let start = Instant::now();
    let body = loop {
        let (status, body) = http_get(rpc_addr(&net), "/health");
        if status == 503 {
            break body;
        }
        assert!(
            start.elapsed() < secs(90),
            "still healthy without a quorum: {body}"
        );
        std::thread::sleep(secs(2));
    };
    let v: serde_json::Value = serde_json::from_str(&body).expect("JSON body");
    assert_eq!(v["healthy"], false);
    assert!(
        v["problems"].to_string().contains("no block committed"),
        "{v}"
    );
    let (live, _) = http_get(rpc_addr(&net), "/live");
    assert_eq!(live, 200);
    net.start(2);
    net.start(3);
    let height = net.converge(net.tip(None) + 2, secs(90));
    net.assert_same_chain(height);
    let (status, body) = http_get(rpc_addr(&net), "/health");
    assert_eq!(status, 200, "{body}");
}

/// Assets on four validators (RELIABILITY.md 22, real processes): issuance, an offer made on
/// one node and taken on another, a distribution claimed through a third, a regulator's
/// freeze; every node ends with the same state root and the same holders, summing to the
/// supply.
#[test]
fn asset_operations_reach_the_same_state_on_every_node() {
    use citychain_types::{
        Amount, Payload, TimestampMs,
        asset::{AssetId, AssetTx, Metadata, OfferId, TransferRule, Value},
    };
    let mut net = Testnet::init(4, 0, 200);
    net.start_all();
    net.wait_for(0, 2, secs(60));
    let addr = |name: &str| net.account_key(name).public_key().address();
    let op = |op: AssetTx| Payload::Asset { op };
    let ok = |r: citychain_types::Receipt| {
        assert!(r.is_success(), "{:?}: {}", r.status, r.reason);
        r
    };
    let r = ok(send(
        &net,
        "alice",
        0,
        op(AssetTx::Create {
            symbol: "BOND".into(),
            name: "City bond".into(),
            decimals: 2,
            supply_cap: Some(Amount(1_000_000)),
            metadata: Metadata::default(),
            rule: TransferRule::Open,
        }),
    ));
    let bond = AssetId(r.output.try_into().expect("an id"));
    for (who, node) in [("bob", 1), ("carol", 2)] {
        ok(send(
            &net,
            "alice",
            node,
            op(AssetTx::Mint {
                asset: bond,
                to: addr(who),
                amount: Amount(10_000),
            }),
        ));
    }
    let head_ms = net
        .block_on(net.client(0).status())
        .expect("status")
        .head_timestamp_ms;
    let r = ok(send(
        &net,
        "bob",
        2,
        op(AssetTx::MakeOffer {
            give: Value::Token {
                asset: bond,
                amount: Amount(4_000),
            },
            want: Value::Native {
                amount: Amount(40_000),
            },
            partial: true,
            taker: None,
            deadline_ms: TimestampMs(head_ms + 3_600_000),
        }),
    ));
    let offer = OfferId(r.output.try_into().expect("an id"));
    ok(send(
        &net,
        "dave",
        3,
        op(AssetTx::TakeOffer {
            offer,
            amount: Amount(1_000),
        }),
    ));
    let r = ok(send(
        &net,
        "alice",
        0,
        op(AssetTx::Distribute {
            asset: bond,
            total: Value::Native {
                amount: Amount(2_000_000),
            },
            claim_until_ms: TimestampMs(head_ms + 3_600_000),
        }),
    ));
    let record = u64::from_be_bytes(r.output.try_into().expect("a record"));
    ok(send(
        &net,
        "dave",
        1,
        op(AssetTx::Claim {
            asset: bond,
            record,
            holder: addr("carol"),
        }),
    ));
    ok(send(
        &net,
        "regulator",
        2,
        op(AssetTx::Freeze {
            asset: bond,
            holder: Some(addr("carol")),
            freeze: true,
        }),
    ));

    let height = net.converge(net.tip(None), secs(60));
    net.assert_same_chain(height);
    let holders: Vec<_> = (0..4)
        .map(|i| {
            let page = net
                .block_on(net.client(i).rpc().asset_get_holders(bond, None, None))
                .expect("holders");
            let sum: u128 = page.holders.iter().map(|h| h.balance.0).sum();
            assert_eq!(sum, page.supply.0, "node {i}: holdings sum to the supply");
            serde_json::to_string(&page).expect("json")
        })
        .collect();
    assert!(holders.windows(2).all(|w| w[0] == w[1]), "{holders:?}");
    let page = net
        .block_on(net.client(3).rpc().asset_get_holders(bond, None, None))
        .expect("holders");
    let of = |who: &str| {
        page.holders
            .iter()
            .find(|h| h.holder == addr(who))
            .map(|h| (h.balance.0, h.frozen))
    };
    assert_eq!(of("dave"), Some((1_000, false)));
    assert_eq!(of("bob"), Some((6_000, false)));
    assert_eq!(of("carol"), Some((10_000, true)));
}
