//! The digital-assets story on a running `citychain dev` through the CLI: alice (an issuer)
//! creates a city bond and a collection of car-park spaces, locks a space in a vault of
//! 1,000,000 shares, swaps 100 shares for 5,000 bond units with bob (delivery versus payment),
//! pays the space's income pro rata, and dave buys the space out; balances, the owner and the
//! vault are proven and verified locally.

use crate::harness::{DevNode, citychain_json};
use std::process::Command;

/// The 20-byte id in a creating transaction's receipt output.
fn created(receipt: &serde_json::Value) -> String {
    let out = receipt["receipt"]["output"].as_str().expect("an output");
    assert_eq!(out.len(), 42, "a 20-byte id: {receipt}");
    out.to_string()
}

#[test]
fn tokenize_split_swap_distribute_and_buy_out_through_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &[]);
    let rpc = node.banner.rpc_url.clone();
    let genesis = node.dir.join("genesis.json");
    let genesis = genesis.to_str().expect("utf-8");
    let key = |name: &str| {
        node.account(name)
            .key_file
            .to_str()
            .expect("utf-8")
            .to_string()
    };
    let addr = |name: &str| node.account(name).address.to_string();
    let send = |who: &str, args: &[&str]| -> serde_json::Value {
        let k = key(who);
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--rpc", &rpc, "--key", &k]);
        citychain_json(&all)
    };

    let bond = created(&send(
        "alice",
        &[
            "asset",
            "create",
            "--symbol",
            "BOND-26",
            "--name",
            "City bond 2026",
            "--decimals",
            "2",
            "--cap",
            "1000000",
        ],
    ));
    send(
        "alice",
        &[
            "asset",
            "mint",
            &bond,
            "--to",
            &addr("bob"),
            "--amount",
            "10000",
        ],
    );
    let deeds = created(&send(
        "alice",
        &[
            "nft",
            "create",
            "--symbol",
            "PARK",
            "--name",
            "Car park spaces",
        ],
    ));
    send(
        "alice",
        &[
            "nft",
            "mint",
            &deeds,
            "17",
            "--to",
            &addr("alice"),
            "--uri",
            "https://city.example/park/17",
        ],
    );
    let vault = created(&send(
        "alice",
        &[
            "vault",
            "create",
            "--content",
            &format!("item:{deeds}:17"),
            "--shares",
            "1000000",
            "--symbol",
            "PARK17",
            "--name",
            "Car park space 17",
            "--reserve",
            "native:3000000",
        ],
    ));

    // Alice offers 100 shares for 5,000 bond units; bob takes it in one transaction.
    let offer = created(&send(
        "alice",
        &[
            "offer",
            "make",
            "--give",
            &format!("token:{vault}:100"),
            "--want",
            &format!("token:{bond}:5000"),
        ],
    ));
    let listed = citychain_json(&["offer", "list", "--maker", &addr("alice"), "--rpc", &rpc]);
    assert_eq!(listed["offers"][0]["id"], offer.as_str());
    send("bob", &["offer", "take", &offer]);
    let balance = |asset: &str, who: &str| -> String {
        citychain_json(&["asset", "balance", asset, &addr(who), "--rpc", &rpc])["balance"]
            .as_str()
            .expect("a decimal string")
            .to_string()
    };
    assert_eq!(balance(&vault, "bob"), "100");
    assert_eq!(balance(&bond, "alice"), "5000");
    assert_eq!(balance(&bond, "bob"), "5000");
    assert_eq!(balance(&vault, "alice"), "999900");

    // A transfer that would fail is refused before anything is signed.
    let out = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args([
            "asset",
            "transfer",
            &bond,
            "--to",
            &addr("carol"),
            "--amount",
            "5001",
            "--rpc",
            &rpc,
            "--key",
            &key("bob"),
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not sent") && stderr.contains("insufficient_balance"),
        "{stderr}"
    );
    let check = citychain_json(&[
        "asset",
        "check",
        &bond,
        "--from",
        &addr("bob"),
        "--to",
        &addr("carol"),
        "--amount",
        "5000",
        "--rpc",
        &rpc,
    ]);
    assert_eq!(check["ok"], true);

    // The space earns 1,000,000 of rent; bob's 100 shares are owed 100.
    let made = send(
        "carol",
        &[
            "asset",
            "distribute",
            &vault,
            "--pay",
            "native:1000000",
            "--claim-days",
            "30",
        ],
    );
    let record = u64::from_str_radix(
        made["receipt"]["output"]
            .as_str()
            .expect("output")
            .trim_start_matches("0x"),
        16,
    )
    .expect("a record number");
    let claimed = send(
        "dave",
        &[
            "asset",
            "claim",
            &vault,
            &record.to_string(),
            "--holder",
            &addr("bob"),
        ],
    );
    let paid = claimed["receipt"]["output"].as_str().expect("output");
    assert_eq!(
        u128::from_str_radix(paid.trim_start_matches("0x"), 16).expect("amount"),
        100
    );

    // Bob's shares, the space's owner and the vault, proven against a finalized header.
    let proven = citychain_json(&[
        "query",
        "holding",
        &vault,
        &addr("bob"),
        "--verify",
        "--genesis",
        genesis,
        "--rpc",
        &rpc,
    ]);
    assert_eq!(proven["value"]["balance"], "100");
    assert_eq!(
        proven["genesis_source"]
            .as_str()
            .map(|s| s.contains("your file")),
        Some(true)
    );
    let item = citychain_json(&[
        "query",
        "item",
        &deeds,
        "17",
        "--verify",
        "--genesis",
        genesis,
        "--rpc",
        &rpc,
    ]);
    assert_eq!(
        item["value"]["owner"],
        vault.as_str(),
        "the vault holds the space"
    );

    // Dave buys the space out at the reserve price; bob claims his part of the proceeds.
    send("dave", &["vault", "buyout", &vault]);
    let item = citychain_json(&["nft", "show", &deeds, "17", "--rpc", &rpc]);
    assert_eq!(item["owner"], addr("dave"));
    let claimed = send(
        "carol",
        &["vault", "claim", &vault, "--holder", &addr("bob")],
    );
    let paid = claimed["receipt"]["output"].as_str().expect("output");
    assert_eq!(
        u128::from_str_radix(paid.trim_start_matches("0x"), 16).expect("amount"),
        300
    );
    let proven = citychain_json(&[
        "query",
        "vault",
        &vault,
        "--verify",
        "--genesis",
        genesis,
        "--rpc",
        &rpc,
    ]);
    assert_eq!(proven["value"]["status"], "bought_out");
    assert_eq!(proven["value"]["buyer"], addr("dave"));
    let history = citychain_json(&["nft", "history", &deeds, "17", "--rpc", &rpc]);
    let kinds: Vec<&str> = history
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["mint", "transfer", "transfer"]);
}

/// `citychain bench` drives the asset workloads (transfers, offers made and taken, claims) and
/// certificate and invoice issuance and transit ride batches on a dev node, every transaction committed and every
/// sampled receipt a success, and reports its yardstick: this machine's signature verification
/// rate, and committed tx/s as a ratio to it.
#[test]
fn bench_runs_the_asset_workloads_and_reports_its_yardstick() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &[]);
    let rpc = node.banner.rpc_url.clone();
    let key = node
        .account("alice")
        .key_file
        .to_str()
        .expect("utf-8")
        .to_string();
    for (workload, txs) in [
        ("asset", "400"),
        ("offer", "400"),
        ("claim", "100"),
        ("cert", "100"),
        ("invoice", "100"),
        ("rides", "40"),
    ] {
        let report = citychain_json(&[
            "bench",
            "--rpc",
            &rpc,
            "--key",
            &key,
            "--accounts",
            "20",
            "--txs",
            txs,
            "--batch",
            "50",
            "--workload",
            workload,
        ]);
        let txs: u64 = txs.parse().expect("a number");
        assert_eq!(report["committed"], txs, "{workload}: {report}");
        assert_eq!(report["rejected"], 0, "{workload}: {report}");
        assert!(
            report["receipts_checked"].as_u64() > Some(0),
            "{workload}: {report}"
        );
        if workload != "offer" {
            // A take can reach a block before the offer it takes (the load pairs them by
            // nonce); every other workload's receipts all succeed.
            assert_eq!(report["receipts_failed"], 0, "{workload}: {report}");
        }
        let per_tx = if workload == "rides" { 100.0 } else { 1.0 };
        // The same rate, up to floating-point rounding (the two are divided separately).
        let ops = report["operations_per_sec"]
            .as_f64()
            .expect("operations_per_sec");
        let committed = report["committed_per_sec"]
            .as_f64()
            .expect("committed_per_sec");
        assert!(
            (ops - committed * per_tx).abs() <= 1e-9 * ops.abs().max(1.0),
            "{report}"
        );
        let ceiling = &report["ceiling"];
        assert!(ceiling["one_core_per_sec"].as_f64() > Some(0.0), "{report}");
        assert!(
            ceiling["all_cores_per_sec"].as_f64() > Some(0.0),
            "{report}"
        );
        let ratio = report["ratio_to_one_core"].as_f64().expect("a ratio");
        let expected = report["committed_per_sec"].as_f64().expect("a rate")
            / ceiling["one_core_per_sec"].as_f64().expect("a rate");
        assert!((ratio - expected).abs() < 1e-9 && ratio > 0.0, "{report}");
    }
}

/// `citychain bench --versus` runs two workloads side by side on one node: rounds of one phase
/// each, alternating which goes first, every phase committed in full; claims in the second
/// phase claim the next distributions (a wrong record point would fail their receipts). The
/// medians and the ratio are the phases' own, and a comparison the phases cannot make is
/// refused before anything is sent.
#[test]
fn bench_compares_two_workloads_side_by_side() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &[]);
    let rpc = node.banner.rpc_url.clone();
    let key = node
        .account("alice")
        .key_file
        .to_str()
        .expect("utf-8")
        .to_string();
    let bench = |extra: &[&str]| {
        let mut args = vec!["bench", "--rpc", &rpc, "--key", &key, "--batch", "50"];
        args.extend_from_slice(extra);
        args.iter().map(|a| a.to_string()).collect::<Vec<_>>()
    };
    let args = bench(&[
        "--accounts",
        "20",
        "--txs",
        "200",
        "--workload",
        "claim",
        "--versus",
        "asset",
        "--rounds",
        "2",
    ]);
    let report = citychain_json(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let phases = report["phases"].as_array().expect("phases");
    let order: Vec<&str> = phases
        .iter()
        .map(|p| p["workload"].as_str().expect("workload"))
        .collect();
    assert_eq!(order, ["claim", "asset", "asset", "claim"], "{report}");
    for p in phases {
        assert_eq!(p["committed"], 200, "{p}");
        assert_eq!(p["rejected"], 0, "{p}");
        assert!(p["receipts_checked"].as_u64() > Some(0), "{p}");
        assert_eq!(p["receipts_failed"], 0, "{p}");
    }
    let rate = |i: usize| phases[i]["committed_per_sec"].as_f64().expect("a rate");
    let claims = (rate(0) + rate(3)) / 2.0;
    let assets = (rate(1) + rate(2)) / 2.0;
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6 * b.max(1.0);
    assert!(
        close(report["median_per_sec"].as_f64().expect("median"), claims),
        "{report}"
    );
    assert!(
        close(
            report["versus_median_per_sec"].as_f64().expect("median"),
            assets
        ),
        "{report}"
    );
    assert!(
        close(report["ratio"].as_f64().expect("ratio"), claims / assets),
        "{report}"
    );

    // Custody hand-overs: every round ships, then receives, whatever the alternation.
    let args = bench(&[
        "--accounts",
        "10",
        "--txs",
        "20",
        "--workload",
        "ship",
        "--versus",
        "receive",
        "--rounds",
        "2",
    ]);
    let report = citychain_json(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let phases = report["phases"].as_array().expect("phases");
    let order: Vec<&str> = phases
        .iter()
        .map(|p| p["workload"].as_str().expect("workload"))
        .collect();
    assert_eq!(order, ["ship", "receive", "ship", "receive"], "{report}");
    for p in phases {
        assert_eq!(
            (&p["committed"], &p["receipts_failed"]),
            (&20.into(), &0.into()),
            "{p}"
        );
    }

    // Comparisons that cannot be made fairly are refused with the reason.
    for (extra, why) in [
        (
            &["--txs", "30", "--accounts", "20", "--versus", "asset"][..],
            "must be a multiple of --accounts",
        ),
        (
            &["--workload", "asset", "--versus", "asset"][..],
            "two different ones",
        ),
        (
            &["--workload", "receive"][..],
            "--workload ship --versus receive",
        ),
        (
            &["--workload", "ship", "--versus", "transfer"][..],
            "--workload ship --versus receive",
        ),
        (
            &[
                "--txs",
                "20",
                "--accounts",
                "20",
                "--workload",
                "offer",
                "--versus",
                "transfer",
            ][..],
            "offers come in pairs",
        ),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_citychain"))
            .args(bench(extra))
            .output()
            .expect("run citychain");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(why),
            "{extra:?}: {stderr}"
        );
    }
}
