//! What `citychain bench` prints: one run's report, or a side-by-side comparison.

use super::{Workload, phase::Phase, yardstick::Ceiling};
use crate::output;
use serde::Serialize;
use std::collections::BTreeMap;

/// The numbers a run produces.
#[derive(Serialize)]
struct Report {
    workload: Workload,
    txs: usize,
    accounts: usize,
    committed: usize,
    rejected: usize,
    rejections: BTreeMap<String, usize>,
    elapsed_secs: f64,
    committed_per_sec: f64,
    /// Operations committed per second, where a transaction carries several (rides in a
    /// batch); `committed_per_sec` otherwise.
    operations_per_sec: f64,
    submit_per_sec: f64,
    latency_p50_ms: f64,
    latency_p99_ms: f64,
    latency_max_ms: f64,
    blocks: usize,
    max_block_txs: usize,
    /// Receipts of committed transactions checked at the end, and how many of them failed.
    receipts_checked: usize,
    receipts_failed: usize,
    /// What this machine's cores do for the same signatures.
    ceiling: Ceiling,
    /// `committed_per_sec` over the verification rate of every core.
    ratio_to_all_cores: f64,
    /// `committed_per_sec` over the verification rate of one core.
    ratio_to_one_core: f64,
}

impl Report {
    fn new(workload: Workload, accounts: usize, phase: &Phase, ceiling: Ceiling) -> Report {
        let committed_per_sec = phase.committed_per_sec();
        Report {
            workload,
            txs: phase.sent,
            accounts,
            committed: phase.committed(),
            rejected: phase.rejected,
            rejections: phase.rejections.clone(),
            elapsed_secs: phase.elapsed_secs,
            committed_per_sec,
            operations_per_sec: committed_per_sec * workload.operations_per_tx() as f64,
            submit_per_sec: phase.sent as f64 / phase.submit_secs.max(1e-9),
            latency_p50_ms: phase.latency_ms(0.50),
            latency_p99_ms: phase.latency_ms(0.99),
            latency_max_ms: phase.latency_ms(1.0),
            blocks: phase.blocks,
            max_block_txs: phase.max_block_txs,
            receipts_checked: phase.receipts_checked,
            receipts_failed: phase.receipts_failed,
            ceiling,
            ratio_to_all_cores: committed_per_sec / ceiling.all_cores_per_sec.max(1e-9),
            ratio_to_one_core: committed_per_sec / ceiling.one_core_per_sec.max(1e-9),
        }
    }
}

/// Prints one run's report.
pub(super) fn single(
    workload: Workload,
    accounts: usize,
    phase: &Phase,
    ceiling: Ceiling,
    json: bool,
) -> anyhow::Result<()> {
    let report = Report::new(workload, accounts, phase, ceiling);
    if json {
        return output::json(&report);
    }
    if phase.timed_out {
        println!("timed out waiting for commits");
    }
    print_report(&report);
    Ok(())
}

/// Two workloads compared in one run.
#[derive(Serialize)]
struct Comparison {
    workload: Workload,
    versus: Workload,
    /// Every phase, in the order it ran.
    phases: Vec<Report>,
    /// The median committed tx/s of each workload's phases.
    median_per_sec: f64,
    versus_median_per_sec: f64,
    /// `median_per_sec / versus_median_per_sec`.
    ratio: f64,
    /// The median over the rounds of each round's ratio (the two phases of a round ran back to
    /// back, so they saw the most similar machine).
    median_round_ratio: f64,
}

/// Prints the comparison of `workload` with `versus` over `phases` (rounds of one of each).
pub(super) fn comparison(
    workload: Workload,
    versus: Workload,
    accounts: usize,
    phases: &[(Workload, Phase)],
    ceiling: Ceiling,
    json: bool,
) -> anyhow::Result<()> {
    let reports: Vec<Report> = phases
        .iter()
        .map(|(w, p)| Report::new(*w, accounts, p, ceiling))
        .collect();
    let rates_of = |which: Workload| -> Vec<f64> {
        reports
            .iter()
            .filter(|r| r.workload == which)
            .map(|r| r.committed_per_sec)
            .collect()
    };
    let (a, b) = (median(rates_of(workload)), median(rates_of(versus)));
    let round_ratios = reports
        .chunks(2)
        .map(|round| {
            let rate = |which| {
                round
                    .iter()
                    .find(|r| r.workload == which)
                    .map_or(0.0, |r| r.committed_per_sec)
            };
            rate(workload) / rate(versus).max(1e-9)
        })
        .collect();
    let c = Comparison {
        workload,
        versus,
        phases: reports,
        median_per_sec: a,
        versus_median_per_sec: b,
        ratio: a / b.max(1e-9),
        median_round_ratio: median(round_ratios),
    };
    if json {
        return output::json(&c);
    }
    let complete = c
        .phases
        .iter()
        .all(|r| r.committed == r.txs && r.receipts_failed == 0);
    output::rows(&[
        (
            "medians",
            format!(
                "{workload} {a:.0} committed tx/s, {versus} {b:.0} ({} phases of {} each)",
                c.phases.len(),
                c.phases.first().map_or(0, |r| r.txs)
            ),
        ),
        (
            "ratio",
            format!(
                "{workload} / {versus} = {:.0}% (median of the rounds' own ratios {:.0}%)",
                c.ratio * 100.0,
                c.median_round_ratio * 100.0
            ),
        ),
        (
            "yardstick",
            format!(
                "{:.0} signatures/s verified on {} cores, {:.0} on one",
                ceiling.all_cores_per_sec, ceiling.cores, ceiling.one_core_per_sec
            ),
        ),
        (
            "complete",
            if complete {
                "every transaction committed, no sampled receipt failed".into()
            } else {
                "NO: some phase lost transactions or had failed receipts (see above)".into()
            },
        ),
    ]);
    Ok(())
}

/// One line per phase of a comparison, as it finishes.
pub(super) fn print_phase(round: usize, workload: Workload, phase: &Phase) {
    println!(
        "  round {round}  {:<8}  {:>7.0} committed tx/s  {} of {} committed, {} rejected, \
         p50 {:.0} ms, {} of {} sampled receipts failed",
        format!("{workload}"),
        phase.committed_per_sec(),
        phase.committed(),
        phase.sent,
        phase.rejected,
        phase.latency_ms(0.5),
        phase.receipts_failed,
        phase.receipts_checked
    );
}

fn median(mut xs: Vec<f64>) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let mid = xs.len() / 2;
    if xs.len().is_multiple_of(2) {
        (xs[mid - 1] + xs[mid]) / 2.0
    } else {
        xs[mid]
    }
}

fn print_report(report: &Report) {
    output::rows(&[
        (
            "committed",
            format!(
                "{} of {} ({} rejected)",
                report.committed, report.txs, report.rejected
            ),
        ),
        (
            "throughput",
            match report.workload.operations_per_tx() {
                1 => format!(
                    "{:.0} committed tx/s over {:.2}s",
                    report.committed_per_sec, report.elapsed_secs
                ),
                n => format!(
                    "{:.0} committed tx/s over {:.2}s, {n} {} each: {:.0}/s",
                    report.committed_per_sec,
                    report.elapsed_secs,
                    report.workload.operation(),
                    report.operations_per_sec
                ),
            },
        ),
        (
            "yardstick",
            format!(
                "{:.0} signatures/s verified on {} cores, {:.0} on one (this run's {}, batches \
                 as admission checks them)",
                report.ceiling.all_cores_per_sec,
                report.ceiling.cores,
                report.ceiling.one_core_per_sec,
                report.ceiling.signatures
            ),
        ),
        (
            "ratio",
            format!(
                "committed = {:.0}% of every core's verification rate, {:.0}% of one core's",
                report.ratio_to_all_cores * 100.0,
                report.ratio_to_one_core * 100.0
            ),
        ),
        ("submission", format!("{:.0} tx/s", report.submit_per_sec)),
        (
            "latency",
            format!(
                "p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (submit to finalized)",
                report.latency_p50_ms, report.latency_p99_ms, report.latency_max_ms
            ),
        ),
        (
            "blocks",
            format!("{} (largest {} txs)", report.blocks, report.max_block_txs),
        ),
        (
            "receipts",
            format!(
                "{} of {} sampled failed",
                report.receipts_failed, report.receipts_checked
            ),
        ),
    ]);
    for (code, n) in &report.rejections {
        println!("  rejected {n} × {code}");
    }
}
