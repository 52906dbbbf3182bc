//! Relays transactions submitted to this node to its peers, so every validator's mempool holds
//! them: any leader can include them, and verifying a block finds their signatures already
//! checked.
//!
//! Transactions admitted through the API are batched (for a few milliseconds or until a batch
//! is full) and sent to every connected peer as `list<bytes>` in the canonical encoding. A
//! received batch goes through the same admission as the API; it is not relayed again (the
//! origin already sent it to everyone).

use crate::consensus::ConsensusKey;
use citychain_mempool::Mempool;
use citychain_types::{
    codec::{Reader, Writer},
    transaction::MAX_TX_BYTES_HARD,
};
use commonware_macros::select;
use commonware_p2p::{Receiver, Recipients, Sender};
use commonware_parallel::Strategy;
use commonware_runtime::{Clock, IoBuf};
use futures::{StreamExt, channel::mpsc};
use std::{sync::Arc, time::Duration};
use tracing::debug;

/// Most transactions in one relayed batch.
pub const MAX_BATCH_TXS: usize = 2_048;
/// Most bytes in one relayed batch.
const MAX_BATCH_BYTES: usize = 1 << 20;
/// How long an admitted transaction may wait for others to share its batch.
const LINGER: Duration = Duration::from_millis(5);

/// Where the API hands admitted transactions for relaying.
#[derive(Clone)]
pub struct RelayHandle {
    queue: mpsc::UnboundedSender<Vec<Vec<u8>>>,
}

impl RelayHandle {
    pub fn new() -> (Self, mpsc::UnboundedReceiver<Vec<Vec<u8>>>) {
        let (queue, rx) = mpsc::unbounded();
        (RelayHandle { queue }, rx)
    }

    /// Queues admitted raw transactions for relaying (dropped if the relay has stopped).
    pub fn forward(&self, txs: Vec<Vec<u8>>) {
        if !txs.is_empty() {
            let _ = self.queue.unbounded_send(txs);
        }
    }
}

/// Encodes a relayed batch: a list of transactions, each as length-prefixed bytes.
pub fn encode_batch(txs: &[Vec<u8>]) -> Vec<u8> {
    let mut w = Writer::with_capacity(txs.iter().map(|t| t.len() + 4).sum::<usize>() + 4);
    w.list(txs, |w, t| {
        w.bytes(t);
    });
    w.into_bytes()
}

/// Decodes a relayed batch with the same bounds as the API.
pub fn decode_batch(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut r = Reader::new(bytes);
    let txs = r
        .list("relayed transactions", MAX_BATCH_TXS, |r| {
            r.bytes("transaction", MAX_TX_BYTES_HARD)
                .map(<[u8]>::to_vec)
        })
        .ok()?;
    r.finish("relayed batch").ok()?;
    Some(txs)
}

/// Runs the relay until the API side and the network both close.
pub async fn run<E, T, S, R>(
    runtime: E,
    mempool: Arc<Mempool<T>>,
    mut queue: mpsc::UnboundedReceiver<Vec<Vec<u8>>>,
    (mut sender, mut receiver): (S, R),
) where
    E: Clock,
    T: Strategy,
    S: Sender<PublicKey = ConsensusKey>,
    R: Receiver<PublicKey = ConsensusKey>,
{
    let mut pending: Vec<Vec<u8>> = Vec::new();
    let mut pending_bytes = 0usize;
    let mut flush = |pending: &mut Vec<Vec<u8>>, pending_bytes: &mut usize| {
        if pending.is_empty() {
            return;
        }
        let message = encode_batch(pending);
        let sent = sender.send(Recipients::All, IoBuf::from(message), false);
        debug!(
            txs = pending.len(),
            peers = sent.len(),
            "relayed transactions"
        );
        pending.clear();
        *pending_bytes = 0;
    };
    loop {
        let linger = runtime.sleep(if pending.is_empty() {
            Duration::from_secs(3600)
        } else {
            LINGER
        });
        select! {
            batch = queue.next() => {
                let Some(batch) = batch else { return };
                for tx in batch {
                    pending_bytes += tx.len();
                    pending.push(tx);
                    if pending.len() >= MAX_BATCH_TXS || pending_bytes >= MAX_BATCH_BYTES {
                        flush(&mut pending, &mut pending_bytes);
                    }
                }
            },
            _ = linger => flush(&mut pending, &mut pending_bytes),
            message = receiver.recv() => {
                let Ok((peer, bytes)) = message else { return };
                match decode_batch(bytes.as_ref()) {
                    Some(txs) => {
                        let admitted = mempool.submit(txs).await.iter().filter(|r| r.is_ok()).count();
                        debug!(%peer, admitted, "admitted relayed transactions");
                    }
                    None => debug!(%peer, "ignored a malformed transaction batch"),
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_round_trip_and_are_bounded() {
        let txs = vec![vec![1u8, 2, 3], vec![], vec![9u8; 100]];
        assert_eq!(decode_batch(&encode_batch(&txs)).expect("valid"), txs);
        let mut w = Writer::new();
        w.u32(u32::MAX);
        assert!(
            decode_batch(&w.into_bytes()).is_none(),
            "a huge count is refused before allocating"
        );
        let mut bytes = encode_batch(&txs);
        bytes.push(0);
        assert!(decode_batch(&bytes).is_none(), "trailing bytes");
    }
}
