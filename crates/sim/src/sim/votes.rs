//! Catching a validator that signs twice: every vote any node's consensus sees, and the votes
//! a damaged journal lost.

use super::*;

/// Votes seen by every node's consensus, to catch an honest validator signing twice.
#[derive(Clone, Default)]
pub(super) struct VoteBook {
    pub(super) votes: Arc<Mutex<BTreeMap<VoteSlot, ConsensusDigest>>>,
    pub(super) conflicts: Arc<Mutex<BTreeSet<VoteSlot>>>,
    pub(super) byzantine: Arc<BTreeSet<ConsensusKey>>,
    /// Per epoch, whose votes the consensus of nodes that follow governance accepted.
    pub(super) voters: Arc<Mutex<BTreeMap<u64, BTreeSet<ConsensusKey>>>>,
    /// Validators whose journal a fault damaged, with the views of an epoch they voted in
    /// before (their vote record): they must not vote in any of those again.
    pub(super) lost: Arc<Mutex<Vec<LostVotes>>>,
}

/// A validator restarted without the votes it had signed in `epoch` up to view `through`.
#[derive(Clone, Debug)]
pub(super) struct LostVotes {
    pub(super) key: ConsensusKey,
    pub(super) epoch: u64,
    pub(super) through: u64,
    /// Armed when the node restarts (votes sent before the damage may still be in flight).
    pub(super) armed: bool,
    /// Votes it signed again in those views (must stay empty).
    pub(super) revotes: BTreeSet<(&'static str, u64)>,
    /// The newest (epoch, view) past the lost ones it voted in after restarting.
    pub(super) voted_after: Option<(u64, u64)>,
}

/// Who voted for what, and where: (validator, vote kind, epoch, view).
pub(super) type VoteSlot = (ConsensusKey, &'static str, u64, u64);

/// One node's view into the vote book: it resolves signer indices with the validator set of
/// each vote's epoch, as its consensus does.
#[derive(Clone)]
pub(super) struct NodeVotes {
    pub(super) book: VoteBook,
    pub(super) schemes: EpochSchemes,
}

impl VoteBook {
    /// Notes a vote against the views whose votes a validator lost.
    pub(super) fn check_lost(&self, key: &ConsensusKey, kind: &'static str, epoch: u64, view: u64) {
        for lost in self.lost.lock().iter_mut() {
            if !lost.armed || lost.key != *key {
                continue;
            }
            if (epoch, view) <= (lost.epoch, lost.through) {
                if epoch == lost.epoch {
                    lost.revotes.insert((kind, view));
                }
            } else {
                lost.voted_after = lost.voted_after.max(Some((epoch, view)));
            }
        }
    }

    pub(super) fn record(&self, slot: VoteSlot, payload: ConsensusDigest) {
        if self.byzantine.contains(&slot.0) {
            return;
        }
        let mut votes = self.votes.lock();
        match votes.get(&slot) {
            Some(previous) if *previous != payload => {
                self.conflicts.lock().insert(slot);
            }
            Some(_) => {}
            None => {
                votes.insert(slot, payload);
            }
        }
    }
}

impl Reporter for NodeVotes {
    type Activity = Activity<Scheme, ConsensusDigest>;

    fn report(&mut self, activity: Self::Activity) -> Feedback {
        let (signer, kind, round, payload) = match &activity {
            Activity::Notarize(n) => (
                n.attestation.signer.get(),
                "notarize",
                n.proposal.round,
                n.proposal.payload,
            ),
            Activity::Finalize(f) => (
                f.attestation.signer.get(),
                "finalize",
                f.proposal.round,
                f.proposal.payload,
            ),
            Activity::Nullify(n) => {
                let epoch = n.round.epoch().get();
                if let Some(key) = self
                    .schemes
                    .participants(epoch)
                    .and_then(|p| p.get(n.attestation.signer.get() as usize).cloned())
                {
                    self.book
                        .check_lost(&key, "nullify", epoch, n.round.view().get());
                }
                return Feedback::Ok;
            }
            _ => return Feedback::Ok,
        };
        let epoch = round.epoch().get();
        if let Some(key) = self
            .schemes
            .participants(epoch)
            .and_then(|p| p.get(signer as usize).cloned())
        {
            self.book
                .voters
                .lock()
                .entry(epoch)
                .or_default()
                .insert(key.clone());
            self.book.check_lost(&key, kind, epoch, round.view().get());
            self.book
                .record((key, kind, epoch, round.view().get()), payload);
        }
        Feedback::Ok
    }
}
