//! Applying a scheduled fault: partitions, crashes and restarts, damaged storage, twins.

use super::*;

pub(super) async fn apply(context: &Ctx, world: &Arc<World>, slots: &mut [Slot], fault: &Fault) {
    info!(?fault, time = ?context.current(), "fault");
    let s = &world.scenario;
    match fault {
        Fault::Partition(groups) => {
            let group_of = |v: usize| groups.iter().position(|g| g.contains(&v));
            link_all(world, s, slots, Some(&|a, b| group_of(a) != group_of(b))).await;
        }
        Fault::OneWay { from, to } => {
            let _ = world
                .oracle
                .remove_link(world.keys[*from].public_key(), world.keys[*to].public_key())
                .await;
        }
        Fault::Heal => link_all(world, s, slots, None).await,
        Fault::Loss(delivery) => {
            let mut spec = s.clone();
            spec.link.delivery = *delivery;
            link_all(world, &spec, slots, None).await;
        }
        Fault::Crash(v) => {
            for slot in slots.iter_mut().filter(|x| x.validator == *v) {
                crash(slot).await;
            }
        }
        Fault::CrashAll => {
            for slot in slots.iter_mut() {
                crash(slot).await;
            }
        }
        Fault::Restart(v) => {
            let key = world.keys[*v].public_key();
            for lost in world.votes.lost.lock().iter_mut() {
                lost.armed |= lost.key == key;
            }
            start_validator(context, world, slots, *v).await
        }
        Fault::CorruptJournal(v) => {
            for slot in slots
                .iter_mut()
                .filter(|x| x.validator == *v && x.side.is_none())
            {
                crash(slot).await;
                let record = VoteRecord::open(&slot.dir.join(VOTE_RECORD_FILE), false)
                    .expect("read the vote record");
                let Some((epoch, through)) = record.newest() else {
                    continue;
                };
                let partition = epochs::journal_partition(&slot.label, epoch);
                let damaged = damage_blobs(context, &partition).await;
                info!(node = %slot.label, epoch, through, damaged, "damaged the consensus journal");
                world.votes.lost.lock().push(LostVotes {
                    key: world.keys[*v].public_key(),
                    epoch,
                    through,
                    armed: false,
                    revotes: BTreeSet::new(),
                    voted_after: None,
                });
            }
        }
        Fault::RestartAll => {
            for v in 0..world.scenario.nodes() {
                if slots
                    .iter()
                    .any(|x| x.validator == v && x.started && x.running.is_none())
                {
                    start_validator(context, world, slots, v).await;
                }
            }
        }
        Fault::Skew { node, millis } => {
            for slot in slots.iter_mut().filter(|x| x.validator == *node) {
                slot.skew_ms = *millis;
                if let Some(r) = &slot.running {
                    r.chain.set_clock_skew_ms(*millis);
                }
            }
        }
        Fault::CommitCrash { node, point } => {
            for slot in slots.iter_mut().filter(|x| x.validator == *node) {
                *slot.commit_crash.lock() = Some(*point);
            }
        }
        Fault::AddValidator(node) => govern(
            world,
            GovAction::AddValidator {
                org: OrgId::new("city").expect("valid id"),
                validator: Validator {
                    name: format!("node{node}"),
                    consensus_key: consensus::validator_key(&world.keys[*node].public_key()),
                },
            },
        ),
        Fault::RemoveValidator(node) => govern(
            world,
            GovAction::RemoveValidator {
                validator: consensus::validator_key(&world.keys[*node].public_key()),
            },
        ),
    }
}

/// Overwrites the second half of every blob in `partition` with garbage, as a damaged disk
/// would; returns how many blobs it damaged.
pub(super) async fn damage_blobs(context: &Ctx, partition: &str) -> usize {
    use commonware_runtime::{Blob as _, BlobVersion, Storage as _, WriteOptions};
    let names = context.scan(partition).await.unwrap_or_default();
    for name in &names {
        let (blob, size, _) = context
            .open_versioned(
                partition,
                name,
                BlobVersion::new(0)..=BlobVersion::new(u16::MAX),
            )
            .await
            .expect("open a journal blob");
        let half = size / 2;
        blob.write_at(half, vec![0xA5; (size - half) as usize], WriteOptions::SYNC)
            .await
            .expect("damage a journal blob");
    }
    names.len()
}

pub(super) async fn crash(slot: &mut Slot) {
    if let Some(r) = slot.running.take() {
        r.root.abort();
        let _ = r.root.await;
        // The root's descendants are dropped as the runtime next polls them; the node is gone
        // (its storage unlocked) once nothing else holds its chain. Something that never lets
        // go would be a task outliving its node.
        for _ in 0..1_000 {
            if Arc::strong_count(&r.chain) == 1 {
                return;
            }
            commonware_runtime::utils::reschedule().await;
        }
        panic!(
            "{}: {} references to the chain outlive the crashed node",
            slot.label,
            Arc::strong_count(&r.chain) - 1
        );
    }
}

/// Restarts nodes whose root task ended (a commit crash); with `all`, also crashed ones.
pub(super) async fn restart_dead(context: &Ctx, world: &Arc<World>, slots: &mut [Slot], all: bool) {
    for v in 0..world.scenario.nodes() {
        let mut restart = false;
        for slot in slots.iter_mut().filter(|s| s.validator == v) {
            if slot
                .running
                .as_ref()
                .is_some_and(|r| r.stopped.load(Ordering::Acquire))
            {
                crash(slot).await;
                restart = true;
            }
            restart |= all && slot.started && slot.running.is_none();
        }
        if restart {
            start_validator(context, world, slots, v).await;
        }
    }
}
