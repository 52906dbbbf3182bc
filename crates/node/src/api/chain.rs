//! `chain_*`: blocks, headers with their finality, validators, epoch records, genesis.

use super::*;

#[async_trait]
impl ChainApiServer for NodeService {
    async fn chain_status(&self) -> RpcResult<StatusInfo> {
        let head = self
            .chain
            .store
            .head()
            .ok_or_else(|| error::unavailable("the node has no committed block yet"))?;
        let cached = *self.head_time.lock();
        let head_timestamp_ms = match cached {
            Some((height, ms)) if height == head.height.0 => ms,
            _ => {
                let ms = self.header_at(head.height)?.timestamp.0;
                *self.head_time.lock() = Some((head.height.0, ms));
                ms
            }
        };
        Ok(StatusInfo {
            chain_id: self.chain.genesis.chain_id.to_string(),
            suite: self.chain.genesis.suite,
            genesis_hash: self.genesis_hash,
            height: head.height.0,
            head_hash: head.hash,
            state_root: head.state_root,
            head_timestamp_ms,
            finalized_tip: self
                .finalized_tip
                .load(Ordering::Relaxed)
                .max(head.height.0),
            pending_txs: self.chain.mempool.len(),
            validators: self
                .validator_set(Some(self.current_epoch()))?
                .map_or(0, |v| v.len()),
            peers: (self.peers)(),
            node_version: env!("CARGO_PKG_VERSION").into(),
        })
    }

    async fn chain_get_block(&self, block: BlockId, full: Option<bool>) -> RpcResult<BlockInfo> {
        let height = self.resolve(block)?;
        let stored = self.block_at(height)?;
        let hash = stored.block.hash();
        let header = stored.block.header.clone();
        Ok(if full.unwrap_or(false) {
            BlockInfo {
                hash,
                header,
                transactions: stored.block.transactions.clone(),
                tx_hashes: Vec::new(),
                receipts: Some(stored.receipts.as_ref().clone()),
            }
        } else {
            BlockInfo {
                hash,
                header,
                tx_hashes: stored.block.transactions.iter().map(|t| t.hash()).collect(),
                transactions: Vec::new(),
                receipts: None,
            }
        })
    }

    async fn chain_get_header(&self, block: BlockId) -> RpcResult<HeaderInfo> {
        let height = self.resolve(block)?;
        let header = self.header_at(height)?;
        let hash = header.hash();
        // The block's own finalization, or the nearest descendant's with the linking headers.
        let mut finality = None;
        let mut descendants = Vec::new();
        let head = self.chain.store.head().map_or(0, |h| h.height.0);
        for h in height.0..=head.min(height.0 + MAX_FINALITY_SEARCH) {
            if h > height.0 {
                descendants.push(self.header_at(Height(h))?);
            }
            if let Some(f) = self.marshal.get_finalization(CHeight::new(h)).await {
                finality = Some(self.finality_info(&f, h, std::mem::take(&mut descendants)));
                break;
            }
        }
        Ok(HeaderInfo {
            hash,
            header_bytes: citychain_crypto::hex::encode(header.encode()),
            header,
            finality,
        })
    }

    async fn chain_get_validators(&self, epoch: Option<u64>) -> RpcResult<EpochValidators> {
        let blocks = self.chain.genesis.epoch_blocks;
        let current = self.current_epoch();
        let epoch = epoch.unwrap_or(current);
        let validators = self.validator_set(Some(epoch))?.ok_or_else(|| {
            error::not_found(format!(
                "epoch {epoch} has not started (the current epoch is {current})"
            ))
        })?;
        let next = self.validator_set(None)?.unwrap_or_default();
        Ok(EpochValidators {
            epoch,
            first_height: epoch.saturating_mul(blocks),
            last_height: epoch.saturating_add(1).saturating_mul(blocks) - 1,
            validators,
            next,
        })
    }

    async fn chain_get_epoch_records(
        &self,
        from: u64,
        count: Option<u32>,
    ) -> RpcResult<Vec<EpochRecord>> {
        if from == 0 {
            return Err(error::invalid_params(
                "epoch 0's validators are the genesis document's; records start at epoch 1",
            ));
        }
        let count = count.unwrap_or(MAX_EPOCH_RECORDS);
        if count == 0 || count > MAX_EPOCH_RECORDS {
            return Err(error::invalid_params(format!(
                "count is 1 to {MAX_EPOCH_RECORDS} epochs per request, not {count}"
            )));
        }
        let blocks = self.chain.genesis.epoch_blocks;
        let head = self.chain.store.head().map_or(0, |h| h.height.0);
        let mut records = Vec::new();
        for epoch in from..from.saturating_add(u64::from(count)) {
            let Some(height) = epoch.checked_mul(blocks).and_then(|h| h.checked_sub(1)) else {
                break;
            };
            if height > head {
                break;
            }
            records.push(EpochRecord {
                epoch,
                header: self.chain_get_header(BlockId::Height(height)).await?,
                proof: self.proof(layout::epoch_validators_key(epoch), Some(height))?,
            });
        }
        Ok(records)
    }

    async fn chain_get_genesis(&self) -> RpcResult<Genesis> {
        Ok(self.chain.genesis.clone())
    }

    async fn chain_subscribe_finalized(
        &self,
        pending: PendingSubscriptionSink,
    ) -> SubscriptionResult {
        let mut events = self.chain.subscribe(SUBSCRIBER_BACKLOG);
        let sink = pending.accept().await?;
        while let Some(FinalizedBlock { block, .. }) = next_or_closed(&mut events, &sink).await {
            let item = FinalizedHeader {
                hash: block.hash(),
                header: block.header.clone(),
            };
            let msg = serde_json::value::to_raw_value(&item)?;
            deliver(&sink, msg).await?;
        }
        Ok(())
    }
}
