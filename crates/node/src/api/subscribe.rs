//! Delivering subscription notifications without letting a slow or vanished client hold
//! memory.

use crate::app::FinalizedBlock;
use futures::StreamExt;

/// Blocks a subscription may fall behind by before the node drops it.
pub(super) const SUBSCRIBER_BACKLOG: usize = 256;
/// How long a notification may wait for a client that does not read before the subscription
/// is closed (with a notification saying why, when the connection can still carry one).
const SLOW_SUBSCRIBER: std::time::Duration = std::time::Duration::from_secs(10);

/// The next finalized block for a subscription, or `None` once it fell too far behind (the
/// chain dropped it) or its client went away: either way the subscription ends and frees what
/// it held.
pub(super) async fn next_or_closed(
    events: &mut futures::channel::mpsc::Receiver<FinalizedBlock>,
    sink: &citychain_rpc::jsonrpsee::SubscriptionSink,
) -> Option<FinalizedBlock> {
    let closed = Box::pin(sink.closed());
    match futures::future::select(events.next(), closed).await {
        futures::future::Either::Left((event, _)) => event,
        futures::future::Either::Right(_) => None,
    }
}

/// Sends one notification, ending the subscription if the client does not read it in time.
pub(super) async fn deliver(
    sink: &citychain_rpc::jsonrpsee::SubscriptionSink,
    msg: Box<serde_json::value::RawValue>,
) -> Result<(), citychain_rpc::jsonrpsee::core::SubscriptionError> {
    use citychain_rpc::jsonrpsee::core::server::SendTimeoutError;
    match sink.send_timeout(msg, SLOW_SUBSCRIBER).await {
        Ok(()) | Err(SendTimeoutError::Closed(_)) => Ok(()),
        Err(SendTimeoutError::Timeout(_)) => Err(format!(
            "subscription closed: the client read no notification for {} s",
            SLOW_SUBSCRIBER.as_secs()
        )
        .into()),
    }
}
