//! Reading every node's committed chain at the end of a run.

use super::*;

/// Epoch boundaries each honest node cannot prove: the last block of epoch `e - 1` records
/// epoch `e`'s validators, and a light client needs that block's own certificate (of epoch
/// `e - 1`) to learn them. Returns (node, height) pairs.
pub(super) async fn unprovable_epochs(world: &World, slots: &[Slot]) -> Vec<(String, u64)> {
    let blocks = world.genesis.epoch_blocks;
    let mut missing = Vec::new();
    for slot in slots
        .iter()
        .filter(|s| s.side.is_none() && world.scenario.stale != Some(s.validator))
    {
        let Some(r) = &slot.running else { continue };
        let head = r.chain.store.head().map_or(0, |h| h.height.0);
        let mut epoch = 1;
        while epoch * blocks - 1 <= head {
            let height = epoch * blocks - 1;
            let own = r
                .marshal
                .get_finalization(commonware_consensus::types::Height::new(height))
                .await
                .is_some_and(|f| commonware_consensus::Epochable::epoch(&f).get() == epoch - 1);
            if !own {
                missing.push((slot.label.clone(), height));
            }
            epoch += 1;
        }
    }
    missing
}

pub(super) fn observe(
    context: &Ctx,
    world: &World,
    slots: &[Slot],
    acks: &Acks,
    blocked: &[(ConsensusKey, ConsensusKey)],
) -> Observations {
    let label = |key: &ConsensusKey| {
        slots
            .iter()
            .find(|s| world.keys[s.validator].public_key() == *key)
            .map_or_else(|| "?".to_string(), |s| s.label.clone())
    };
    let mut nodes = Vec::new();
    for slot in slots {
        let Some(r) = &slot.running else { continue };
        let (mut blocks, mut timestamps) = (Vec::new(), Vec::new());
        let head = r.chain.store.head().map_or(0, |h| h.height.0);
        for h in 0..=head {
            if let Ok(Some(b)) = r.chain.store.block(Height(h)) {
                timestamps.push(b.header.timestamp.0);
                blocks.push((
                    b.hash(),
                    b.header.state_root,
                    b.transactions.iter().map(|t| t.hash()).collect(),
                ));
            }
        }
        nodes.push(NodeChain {
            label: slot.label.clone(),
            honest: slot.side.is_none() && world.scenario.stale != Some(slot.validator),
            blocks,
            timestamps,
        });
    }
    let final_height = nodes
        .iter()
        .filter(|n| n.honest)
        .map(|n| n.height())
        .min()
        .unwrap_or(0);
    let conflicts = world.votes.conflicts.lock().clone();
    let vote_conflicts = conflicts
        .into_iter()
        .map(|(key, kind, epoch, view)| {
            let v = world
                .keys
                .iter()
                .position(|k| k.public_key() == key)
                .unwrap_or(usize::MAX);
            (format!("v{v}"), kind, epoch, view)
        })
        .collect();
    let lost_votes = world
        .votes
        .lost
        .lock()
        .iter()
        .map(|l| crate::check::LostVotes {
            validator: label(&l.key),
            epoch: l.epoch,
            through: l.through,
            revotes: l.revotes.iter().cloned().collect(),
            voted_after: l.voted_after,
        })
        .collect();
    // Only a liar whose corrupt answers actually reached the full node must be blocked.
    let corrupted = world.corrupted.load(std::sync::atomic::Ordering::Relaxed);
    tracing::info!(
        corrupted,
        "liar messages corrupted on the way to the full node"
    );
    let must_block = world
        .scenario
        .liar
        .filter(|_| world.scenario.full_node_joins.is_some() && corrupted > 0)
        .map(|v| ("full".to_string(), format!("v{v}")));
    let voters = world
        .votes
        .voters
        .lock()
        .iter()
        .map(|(epoch, keys)| (*epoch, keys.iter().map(label).collect()))
        .collect();
    // The epoch sets as the furthest honest node's state records them.
    let mut epoch_sets = BTreeMap::new();
    if let Some(r) = slots
        .iter()
        .filter(|s| s.side.is_none())
        .filter_map(|s| s.running.as_ref())
        .max_by_key(|r| r.chain.store.head().map_or(0, |h| h.height.0))
    {
        let mut epoch = 0;
        while let Some(keys) = epochs::epoch_participants(&r.chain.store, epoch) {
            epoch_sets.insert(epoch, keys.iter().map(label).collect());
            epoch += 1;
        }
    }
    let asset_books = if world.scenario.assets {
        asset_books(world, slots)
    } else {
        Vec::new()
    };
    Observations {
        asset_books,
        unprovable_epochs: Vec::new(),
        voters,
        epoch_sets,
        nodes,
        acked: acks.acked.clone(),
        blocked: blocked.iter().map(|(a, b)| (label(a), label(b))).collect(),
        must_block: must_block.into_iter().collect(),
        vote_conflicts,
        lost_votes,
        final_height,
        audit: context.auditor().state(),
    }
}

/// Per honest node, the load asset's supply and the sum of its holdings, read from the node's
/// committed state.
fn asset_books(world: &World, slots: &[Slot]) -> Vec<(String, Option<(u128, u128)>)> {
    use citychain_execution::read::assets as r;
    let asset = load_asset(&world.scenario);
    slots
        .iter()
        .filter(|s| s.side.is_none() && world.scenario.stale != Some(s.validator))
        .filter_map(|s| s.running.as_ref().map(|r| (s, r)))
        .map(|(slot, running)| {
            let head = running.chain.store.head().map(|h| h.height.0);
            let view =
                citychain_state::StateView::committed(running.chain.store.state().clone(), head);
            let book = r::asset_class(&view, &asset).ok().flatten().map(|class| {
                let sum = r::holders(&view, &asset, None, usize::MAX)
                    .map(|hs| hs.iter().map(|(_, h)| h.balance.0).sum())
                    .unwrap_or(u128::MAX);
                (class.supply.0, sum)
            });
            (slot.label.clone(), book)
        })
        .collect()
}
