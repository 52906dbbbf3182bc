//! `tx_*`: submission (single and batch share `wiring::submit`), lookups, receipts.

use super::*;

impl NodeService {
    fn submit_results(results: Vec<Result<Hash, citychain_mempool::Rejection>>) -> Vec<BatchEntry> {
        results
            .into_iter()
            .map(|r| match r {
                Ok(hash) => BatchEntry {
                    hash: Some(hash),
                    error: None,
                },
                Err(e) => BatchEntry {
                    hash: None,
                    error: Some(Rejected {
                        code: e.code().into(),
                        message: e.to_string(),
                    }),
                },
            })
            .collect()
    }
}

#[async_trait]
impl TxApiServer for NodeService {
    async fn tx_submit(&self, tx: String) -> RpcResult<SubmitResult> {
        let raw = decode_hex("transaction", &tx)?;
        let mut results = crate::wiring::submit(&self.chain, &self.relay, vec![raw]).await;
        match results.pop().expect("one result per transaction") {
            Ok(hash) => Ok(SubmitResult { hash }),
            Err(e) => Err(error::rejected(e.code(), e.to_string())),
        }
    }

    async fn tx_submit_batch(&self, txs: TxBatch) -> RpcResult<Vec<BatchEntry>> {
        let txs = txs.0;
        let mut raws = Vec::with_capacity(txs.len());
        let mut bad = Vec::new();
        for (i, t) in txs.iter().enumerate() {
            match citychain_crypto::hex::decode_prefixed(t) {
                Ok(raw) => raws.push(raw),
                Err(e) => {
                    bad.push((i, e.to_string()));
                    raws.push(Vec::new());
                }
            }
        }
        let results = crate::wiring::submit(&self.chain, &self.relay, raws).await;
        let mut entries = Self::submit_results(results);
        for (i, message) in bad {
            entries[i] = BatchEntry {
                hash: None,
                error: Some(Rejected {
                    code: "malformed".into(),
                    message,
                }),
            };
        }
        Ok(entries)
    }

    async fn tx_get(&self, hash: Hash) -> RpcResult<Option<TxInfo>> {
        if let Some((inclusion, stored)) = self.inclusion(&hash)? {
            let tx = stored.block.transactions[inclusion.index as usize].clone();
            return Ok(Some(TxInfo {
                hash,
                status: "committed".into(),
                transaction: tx,
                inclusion: Some(inclusion),
            }));
        }
        Ok(self.chain.mempool.get(&hash).map(|t| TxInfo {
            hash,
            status: "pending".into(),
            transaction: (*t).clone(),
            inclusion: None,
        }))
    }

    async fn tx_get_receipt(&self, hash: Hash) -> RpcResult<Option<ReceiptInfo>> {
        self.receipt_info(&hash)
    }

    async fn tx_list_by_account(
        &self,
        address: Address,
        before: Option<TxPosition>,
        limit: Option<u32>,
    ) -> RpcResult<AccountTxPage> {
        let limit = limit.unwrap_or(ACCOUNT_TXS_DEFAULT);
        if limit == 0 || limit > ACCOUNT_TXS_MAX {
            return Err(error::invalid_params(format!(
                "limit must be 1 to {ACCOUNT_TXS_MAX}"
            )));
        }
        let store = &self.chain.store;
        let unavailable = || {
            error::unavailable(
                "this node keeps no account index (account_index = false in its configuration, or `citychain dev --no-account-index`)",
            )
        };
        let indexed_from = Self::storage(store.account_index_from())?.ok_or_else(unavailable)?;
        let before = before.map(|p| (Height(p.height), p.index));
        // One more than asked says whether there is a next page.
        let mut found = Self::storage(store.account_txs(&address, before, limit as usize + 1))?
            .ok_or_else(unavailable)?;
        let more = found.len() > limit as usize;
        found.truncate(limit as usize);
        let next = more.then(|| found.last()).flatten().map(|last| TxPosition {
            height: last.height.0,
            index: last.index,
        });
        Ok(AccountTxPage {
            address,
            transactions: found
                .into_iter()
                .map(|t| AccountTxEntry {
                    hash: t.hash,
                    height: t.height.0,
                    index: t.index,
                })
                .collect(),
            next,
            indexed_from: indexed_from.0,
        })
    }

    async fn tx_subscribe_receipt(
        &self,
        pending: PendingSubscriptionSink,
        hash: Hash,
    ) -> SubscriptionResult {
        // Subscribe first, then look: a commit in between is seen by one or the other.
        let mut events = self.chain.subscribe(SUBSCRIBER_BACKLOG);
        let sink = pending.accept().await?;
        if let Ok(Some(info)) = self.receipt_info(&hash) {
            deliver(&sink, serde_json::value::to_raw_value(&info)?).await?;
            return Ok(());
        }
        while let Some(FinalizedBlock { block, receipts }) =
            next_or_closed(&mut events, &sink).await
        {
            if let Some(index) = block.transactions.iter().position(|t| t.hash() == hash) {
                let info = ReceiptInfo {
                    tx_hash: hash,
                    receipt: receipts[index].clone(),
                    inclusion: Inclusion {
                        height: block.header.height.0,
                        index: index as u32,
                        block_hash: block.hash(),
                    },
                };
                deliver(&sink, serde_json::value::to_raw_value(&info)?).await?;
                break;
            }
        }
        Ok(())
    }
}
