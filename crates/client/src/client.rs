//! A connection to a node's API.

use citychain_crypto::{Address, Hash, SecretKey};
use citychain_rpc::{
    client::*,
    types::{ReceiptInfo, StatusInfo},
};
use citychain_types::{
    Amount, ChainId, Encode, Gas, Nonce, Payload, SignedTransaction, Suite, Transaction,
};
use jsonrpsee_http_client::{HttpClient, HttpClientBuilder};
use jsonrpsee_ws_client::{WsClient, WsClientBuilder};
use std::time::Duration;

/// Errors talking to a node.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach the node at {url}: {detail}")]
    /// The node did not answer.
    Connect {
        /// The node's URL.
        url: String,
        /// What the transport said.
        detail: String,
    },
    #[error("the node rejected the transaction ({code}): {message}")]
    /// The node refused a transaction (`-32010`).
    Rejected {
        /// The stable rejection code (§3 of `docs/protocol.md`).
        code: String,
        /// What was wrong, with the values involved.
        message: String,
    },
    #[error("{0}")]
    /// Any other JSON-RPC error, as the node reported it.
    Rpc(String),
    #[error("no receipt for {hash} after {waited:?}; the transaction may still be pending")]
    /// A transaction was not committed in time.
    Timeout {
        /// The transaction.
        hash: Hash,
        /// How long the client waited.
        waited: Duration,
    },
    #[error("{0}")]
    /// Anything else (a malformed answer, a local error).
    Other(String),
}

impl From<jsonrpsee_http_client::transport::Error> for ClientError {
    fn from(e: jsonrpsee_http_client::transport::Error) -> Self {
        ClientError::Rpc(e.to_string())
    }
}

impl From<citychain_rpc::jsonrpsee::core::client::Error> for ClientError {
    fn from(e: citychain_rpc::jsonrpsee::core::client::Error) -> Self {
        use citychain_rpc::jsonrpsee::core::client::Error as E;
        match e {
            E::Call(obj) if obj.code() == citychain_rpc::error::TX_REJECTED => {
                let rejected = obj.data().and_then(|d| {
                    serde_json::from_str::<citychain_rpc::types::Rejected>(d.get()).ok()
                });
                match rejected {
                    Some(r) => ClientError::Rejected {
                        code: r.code,
                        message: r.message,
                    },
                    None => ClientError::Rpc(obj.message().to_string()),
                }
            }
            E::Call(obj) => ClientError::Rpc(format!("{} (code {})", obj.message(), obj.code())),
            E::Transport(t) => ClientError::Rpc(format!("transport: {t}")),
            other => ClientError::Rpc(other.to_string()),
        }
    }
}

/// What a client needs to know about the chain to sign transactions for it.
#[derive(Clone, Debug)]
pub struct ChainInfo {
    /// The chain id transactions are signed for.
    pub chain_id: ChainId,
    /// The chain's signature suite.
    pub suite: Suite,
}

/// A node's API, over HTTP (requests) and WebSocket (subscriptions).
#[derive(Clone)]
pub struct Client {
    url: String,
    http: HttpClient,
}

impl Client {
    /// Connects lazily: the first request reports an unreachable node.
    pub fn connect(url: &str) -> Result<Self, ClientError> {
        let http = HttpClientBuilder::default()
            .request_timeout(Duration::from_secs(60))
            .max_request_size(64 << 20)
            .max_response_size(64 << 20)
            .build(url)
            .map_err(|e| ClientError::Connect {
                url: url.into(),
                detail: e.to_string(),
            })?;
        Ok(Client {
            url: url.into(),
            http,
        })
    }

    /// The node's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The typed JSON-RPC methods.
    pub fn rpc(&self) -> &HttpClient {
        &self.http
    }

    /// A WebSocket connection to the same node, for subscriptions.
    pub async fn ws(&self) -> Result<WsClient, ClientError> {
        let ws_url = if let Some(rest) = self.url.strip_prefix("http://") {
            format!("ws://{rest}")
        } else if let Some(rest) = self.url.strip_prefix("https://") {
            format!("wss://{rest}")
        } else {
            self.url.clone()
        };
        WsClientBuilder::default()
            .request_timeout(Duration::from_secs(60))
            .max_request_size(64 << 20)
            .max_response_size(64 << 20)
            .build(&ws_url)
            .await
            .map_err(|e| ClientError::Connect {
                url: ws_url,
                detail: e.to_string(),
            })
    }

    /// The node's `chain_status`.
    pub async fn status(&self) -> Result<StatusInfo, ClientError> {
        self.http.chain_status().await.map_err(|e| match e {
            citychain_rpc::jsonrpsee::core::client::Error::Transport(t) => ClientError::Connect {
                url: self.url.clone(),
                detail: t.to_string(),
            },
            other => other.into(),
        })
    }

    /// The chain id and suite, asked once and then remembered.
    pub async fn chain_info(&self) -> Result<ChainInfo, ClientError> {
        let s = self.status().await?;
        Ok(ChainInfo {
            chain_id: ChainId::new(s.chain_id).map_err(ClientError::Other)?,
            suite: s.suite,
        })
    }

    /// The account's next nonce at the latest committed height.
    /// Extends `trust` with the validator sets of every epoch up to `epoch`, each checked
    /// against a finalized header of the epoch before (fetched in batches of
    /// [`MAX_EPOCH_RECORDS`](citychain_rpc::types::MAX_EPOCH_RECORDS)). `progress` is told each
    /// epoch as it is learned.
    pub async fn learn_epochs(
        &self,
        trust: &mut crate::verify::TrustRoot,
        epoch: u64,
        mut progress: impl FnMut(u64),
    ) -> Result<(), ClientError> {
        while trust.latest_epoch() < epoch {
            let next = trust.latest_epoch() + 1;
            let wanted = (epoch - next + 1).min(u64::from(citychain_rpc::types::MAX_EPOCH_RECORDS));
            let records = self
                .rpc()
                .chain_get_epoch_records(next, Some(wanted as u32))
                .await?;
            if records.is_empty() {
                return Err(ClientError::Other(format!(
                    "the node has no record of epoch {next}'s validators yet"
                )));
            }
            for record in records {
                trust
                    .learn_epoch(record.epoch, &record.header, &record.proof)
                    .map_err(|e| {
                        ClientError::Other(format!(
                            "the validator set of epoch {} does not verify: {e}",
                            record.epoch
                        ))
                    })?;
                progress(record.epoch);
            }
        }
        Ok(())
    }

    /// The nonce `address`'s next transaction must carry (its committed nonce).
    pub async fn next_nonce(&self, address: &Address) -> Result<Nonce, ClientError> {
        Ok(Nonce(self.http.state_get_account(*address).await?.nonce))
    }

    /// Submits a signed transaction; returns its hash.
    pub async fn submit(&self, tx: &SignedTransaction) -> Result<Hash, ClientError> {
        let hex = citychain_crypto::hex::encode(tx.encode());
        Ok(self.http.tx_submit(hex).await?.hash)
    }

    /// Waits for a transaction's receipt (subscribing over WebSocket, or polling if that fails).
    pub async fn wait_for_receipt(
        &self,
        hash: Hash,
        timeout: Duration,
    ) -> Result<ReceiptInfo, ClientError> {
        let wait = async {
            if let Ok(ws) = self.ws().await
                && let Ok(mut sub) = ws.tx_subscribe_receipt(hash).await
                && let Some(Ok(info)) = sub.next().await
            {
                return Ok(info);
            }
            loop {
                if let Some(info) = self.http.tx_get_receipt(hash).await? {
                    return Ok(info);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| ClientError::Timeout {
                hash,
                waited: timeout,
            })?
    }

    /// Builds, signs and submits a transfer; returns the signed transaction.
    pub async fn transfer(
        &self,
        key: &SecretKey,
        to: Address,
        amount: Amount,
        gas_limit: Gas,
    ) -> Result<SignedTransaction, ClientError> {
        let info = self.chain_info().await?;
        let nonce = self.next_nonce(&key.public_key().address()).await?;
        let tx = Transaction {
            chain_id: info.chain_id,
            sender: key.public_key(),
            nonce,
            gas_limit,
            payload: Payload::Transfer { to, amount },
        }
        .sign(key);
        self.submit(&tx).await?;
        Ok(tx)
    }
}
