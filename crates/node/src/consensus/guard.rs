//! Never sign twice: a record of the newest view this validator voted in, kept outside the
//! consensus journal, and an engine that abstains when the journal lost votes.
//!
//! Simplex journals every vote it signs and replays the journal on restart, so a restarted
//! validator does not sign a second, conflicting vote in a view it already voted in. If the
//! journal is lost or damaged (removed by hand, or a corrupted block that replay silently cuts
//! off), the validator would re-enter those views with no memory of its votes. The vote record
//! is a second, independent witness: before a vote leaves the node (after simplex has synced it
//! to its journal), the record holds its epoch and view. At an engine's start, a record newer
//! than every vote the journal kept means votes were lost; the validator then runs the epoch
//! without signing until the network has finalized a view past the record, and only then votes
//! again, in views it never voted in before.

use super::{ConsensusDigest, ConsensusKey, Scheme};
use commonware_actor::{Feedback, Unreliable};
use commonware_consensus::{
    Viewable as _,
    simplex::types::{Activity, Artifact, Vote},
};
use commonware_cryptography::{Hasher as _, Sha256, certificate::Verifier as _};
use commonware_p2p::{CheckedSender, LimitedSender, Recipients};
use commonware_runtime::{IoBufs, Metrics, ReadOptions, Storage, buffer::paged::CacheRef};
use commonware_storage::journal::segmented::variable::{Config as JournalConfig, Journal};
use futures::channel::mpsc;
use parking_lot::Mutex;
use std::{
    fs::File,
    io::{Read as _, Seek as _, SeekFrom, Write as _},
    num::NonZeroUsize,
    path::{Path, PathBuf},
    sync::Arc,
    time::SystemTime,
};
use tracing::error;

/// File name of the vote record in a node's data directory.
pub const VOTE_RECORD_FILE: &str = "vote-record";

/// Bytes of the record: epoch and view (u64, big-endian), then the first 8 bytes of their
/// SHA-256, so a torn or damaged record is recognized instead of trusted.
const RECORD_LEN: usize = 24;

/// The newest (epoch, view) this validator sent a vote in, on disk.
#[derive(Clone)]
pub struct VoteRecord(Arc<Mutex<RecordFile>>);

struct RecordFile {
    path: PathBuf,
    file: File,
    newest: Option<(u64, u64)>,
    sync: bool,
}

impl VoteRecord {
    /// Opens (or creates) the record at `path`. `sync` makes every update durable before the
    /// vote it covers is sent; only simulations, whose disk never loses a write, pass `false`.
    pub fn open(path: &Path, sync: bool) -> Result<Self, String> {
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| format!("cannot open the vote record {}: {e}", path.display()))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read the vote record {}: {e}", path.display()))?;
        let newest = match decode(&bytes) {
            Ok(newest) => newest,
            Err(problem) => {
                return Err(format!(
                    "the vote record {} is damaged ({problem}). It says which view this \
                     validator last voted in, so that it never votes twice in one view. If the \
                     consensus journal ({}) is intact, remove the record and start again; \
                     otherwise restore both from a backup",
                    path.display(),
                    path.with_file_name("consensus").display()
                ));
            }
        };
        Ok(VoteRecord(Arc::new(Mutex::new(RecordFile {
            path: path.to_path_buf(),
            file,
            newest,
            sync,
        }))))
    }

    pub fn path(&self) -> PathBuf {
        self.0.lock().path.clone()
    }

    /// The newest (epoch, view) recorded, if any.
    pub fn newest(&self) -> Option<(u64, u64)> {
        self.0.lock().newest
    }

    /// Records a vote in `view` of `epoch` (a no-op unless it is newer than the record).
    pub fn record(&self, epoch: u64, view: u64) -> Result<(), String> {
        let mut inner = self.0.lock();
        if inner.newest.is_some_and(|newest| newest >= (epoch, view)) {
            return Ok(());
        }
        let bytes = encode(epoch, view);
        let written = inner
            .file
            .seek(SeekFrom::Start(0))
            .and_then(|_| inner.file.write_all(&bytes));
        let synced = written.and_then(|()| {
            if inner.sync {
                inner.file.sync_data()
            } else {
                Ok(())
            }
        });
        synced.map_err(|e| {
            format!(
                "cannot update the vote record {}: {e}",
                inner.path.display()
            )
        })?;
        inner.newest = Some((epoch, view));
        Ok(())
    }
}

fn encode(epoch: u64, view: u64) -> [u8; RECORD_LEN] {
    let mut out = [0u8; RECORD_LEN];
    out[..8].copy_from_slice(&epoch.to_be_bytes());
    out[8..16].copy_from_slice(&view.to_be_bytes());
    let checksum = Sha256::hash(&[&out[..16]]);
    out[16..].copy_from_slice(&checksum.0[..8]);
    out
}

fn decode(bytes: &[u8]) -> Result<Option<(u64, u64)>, String> {
    if bytes.is_empty() {
        return Ok(None);
    }
    if bytes.len() != RECORD_LEN {
        return Err(format!("{} bytes, not {RECORD_LEN}", bytes.len()));
    }
    let epoch = u64::from_be_bytes(bytes[..8].try_into().expect("8 bytes"));
    let view = u64::from_be_bytes(bytes[8..16].try_into().expect("8 bytes"));
    if encode(epoch, view) != bytes {
        return Err("its checksum does not match".into());
    }
    Ok(Some((epoch, view)))
}

/// The newest view in which `partition`'s journal holds a vote of this validator (simplex
/// journals only its own votes, beside certificates). Replaying repairs a torn tail exactly as
/// simplex's own replay would, so running this first changes nothing.
pub async fn newest_journaled_vote<E: Storage + Metrics>(
    context: E,
    partition: &str,
    scheme: &Scheme,
    page_cache: CacheRef,
    buffer: NonZeroUsize,
) -> Result<Option<u64>, String> {
    let journal = Journal::<E, Artifact<Scheme, ConsensusDigest>>::init(
        context,
        JournalConfig {
            partition: partition.to_string(),
            compression: None,
            codec_config: scheme.certificate_codec_config(),
            page_cache,
            write_buffer: buffer,
        },
    )
    .await
    .map_err(|e| format!("cannot open the consensus journal {partition}: {e}"))?;
    let mut replay = journal
        .replay(0, 0, buffer, ReadOptions::DONT_CACHE)
        .await
        .map_err(|e| format!("cannot read the consensus journal {partition}: {e}"))?;
    let mut newest = None;
    while let Some(item) = replay.next().await {
        let (_, _, _, artifact) =
            item.map_err(|e| format!("cannot read the consensus journal {partition}: {e}"))?;
        if matches!(
            artifact,
            Artifact::Notarize(_) | Artifact::Nullify(_) | Artifact::Finalize(_)
        ) {
            newest = newest.max(Some(artifact.view().get()));
        }
    }
    replay
        .finish()
        .map_err(|e| format!("cannot read the consensus journal {partition}: {e}"))?;
    Ok(newest)
}

/// The view up to which the journal of `epoch` lost this validator's votes, if it did: the
/// record saw a vote in a view newer than every vote the journal kept.
pub fn lost_votes(record: Option<(u64, u64)>, epoch: u64, journaled: Option<u64>) -> Option<u64> {
    match record {
        Some((e, view)) if e == epoch && journaled.is_none_or(|j| j < view) => Some(view),
        _ => None,
    }
}

/// A vote sender that records each vote's view before the vote leaves the node, and sends
/// nothing it could not record.
#[derive(Clone)]
pub struct RecordingSender<S> {
    pub inner: S,
    pub epoch: u64,
    pub record: VoteRecord,
}

impl<S: LimitedSender<PublicKey = ConsensusKey>> LimitedSender for RecordingSender<S> {
    type PublicKey = ConsensusKey;
    type Checked<'a>
        = RecordingChecked<S::Checked<'a>>
    where
        S: 'a;

    fn check(
        &mut self,
        recipients: Recipients<ConsensusKey>,
    ) -> Result<Self::Checked<'_>, SystemTime> {
        let (epoch, record) = (self.epoch, self.record.clone());
        self.inner.check(recipients).map(|inner| RecordingChecked {
            inner,
            epoch,
            record,
        })
    }
}

pub struct RecordingChecked<C> {
    inner: C,
    epoch: u64,
    record: VoteRecord,
}

impl<C: CheckedSender<PublicKey = ConsensusKey>> CheckedSender for RecordingChecked<C> {
    type PublicKey = ConsensusKey;

    fn recipients(&self) -> Vec<ConsensusKey> {
        self.inner.recipients()
    }

    fn send(self, message: impl Into<IoBufs> + Send, priority: bool) -> Unreliable<Feedback> {
        let message = message.into();
        let view = match <Vote<Scheme, ConsensusDigest> as commonware_codec::ReadExt>::read(
            &mut message.clone(),
        ) {
            Ok(vote) => vote.view().get(),
            Err(e) => {
                error!(error = %e, "not sending a vote that does not decode");
                return Unreliable::Rejected;
            }
        };
        if let Err(e) = self.record.record(self.epoch, view) {
            error!(error = %e, "not sending a vote that could not be recorded");
            return Unreliable::Rejected;
        }
        self.inner.send(message, priority)
    }
}

/// Tells the orchestrator once the network finalized a view past `view` (the engine that
/// abstains waits for it).
#[derive(Clone)]
pub struct FinalizedPast {
    pub view: u64,
    pub notify: mpsc::UnboundedSender<u64>,
}

impl commonware_consensus::Reporter for FinalizedPast {
    type Activity = Activity<Scheme, ConsensusDigest>;

    fn report(&mut self, activity: Self::Activity) -> Feedback {
        if let Activity::Finalization(f) = &activity
            && f.view().get() > self.view
        {
            let _ = self.notify.unbounded_send(f.view().get());
        }
        Feedback::Ok
    }
}

/// Why this validator does not vote although it is one (or why consensus stopped), for
/// `/health` and the node's exit message.
#[derive(Clone, Default)]
pub struct VotingProblem(Arc<Mutex<Option<String>>>);

impl VotingProblem {
    pub fn set(&self, why: Option<String>) {
        *self.0.lock() = why;
    }

    pub fn get(&self) -> Option<String> {
        self.0.lock().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_keeps_the_newest_view_and_survives_reopening() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join(VOTE_RECORD_FILE);
        let record = VoteRecord::open(&path, true).expect("open the record");
        assert_eq!(record.newest(), None);
        record.record(2, 10).expect("record a vote");
        record.record(2, 7).expect("record a vote");
        assert_eq!(record.newest(), Some((2, 10)));
        record.record(3, 1).expect("record a vote");
        drop(record);
        assert_eq!(
            VoteRecord::open(&path, true)
                .expect("open the record")
                .newest(),
            Some((3, 1))
        );
    }

    #[test]
    fn a_damaged_record_is_refused_with_the_file_and_the_remedy() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join(VOTE_RECORD_FILE);
        let mut bytes = encode(1, 5);
        bytes[9] ^= 1;
        std::fs::write(&path, bytes).expect("write the record");
        let Err(e) = VoteRecord::open(&path, true) else {
            panic!("a damaged record was accepted");
        };
        assert!(e.contains("vote-record is damaged"), "{e}");
        assert!(e.contains("checksum"), "{e}");
    }

    #[test]
    fn votes_are_lost_only_when_the_record_is_newer_than_the_journal_in_its_epoch() {
        assert_eq!(lost_votes(None, 3, None), None);
        assert_eq!(lost_votes(Some((3, 40)), 3, Some(40)), None);
        assert_eq!(lost_votes(Some((3, 40)), 3, Some(41)), None);
        assert_eq!(lost_votes(Some((3, 40)), 3, Some(39)), Some(40));
        assert_eq!(lost_votes(Some((3, 40)), 3, None), Some(40));
        // A record of an earlier epoch says nothing about this one.
        assert_eq!(lost_votes(Some((2, 40)), 3, None), None);
    }
}
