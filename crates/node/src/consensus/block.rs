//! The block as consensus sees it: a citychain block with its digest and consensus context.

use super::{ConsensusDigest, ConsensusKey, Context};
use bytes::{Buf as _, BufMut};
use citychain_types::{Block, Decode, Encode};
use commonware_codec::{Buf, EncodeSize, Error as CodecError, Read, ReadExt, Write, varint::UInt};
use commonware_consensus::{
    BoundedBlock, CertifiableBlock, Heightable,
    types::{Epoch, Height, Round, View},
};
use commonware_cryptography::Digestible;
use std::sync::Arc;

/// Largest encoded block accepted from the network.
pub const MAX_BLOCK_BYTES: usize = 32 << 20;

/// A block with everything consensus derives from it computed once.
///
/// On the wire (gossip, backfill) it is `varint(len) || block`, where `block` is the canonical
/// encoding of `docs/protocol.md`; the length prefix lets it sit inside consensus messages.
#[derive(Clone, Debug)]
pub struct ConsensusBlock {
    block: Arc<Block>,
    digest: ConsensusDigest,
    leader: ConsensusKey,
}

impl PartialEq for ConsensusBlock {
    fn eq(&self, other: &Self) -> bool {
        self.digest == other.digest
    }
}
impl Eq for ConsensusBlock {}

impl ConsensusBlock {
    /// Wraps a block; fails if its proposer is not a valid consensus key.
    pub fn new(block: Block) -> Result<Self, String> {
        let leader = super::consensus_key(&block.header.proposer).ok_or_else(|| {
            format!(
                "proposer {} is not a valid Ed25519 key",
                block.header.proposer
            )
        })?;
        let digest = super::digest_of(block.hash());
        Ok(ConsensusBlock {
            block: Arc::new(block),
            digest,
            leader,
        })
    }

    pub fn block(&self) -> &Block {
        &self.block
    }

    pub fn shared(&self) -> Arc<Block> {
        self.block.clone()
    }

    pub fn hash(&self) -> citychain_crypto::Hash {
        citychain_crypto::Hash(self.digest.0)
    }
}

impl Heightable for ConsensusBlock {
    fn height(&self) -> Height {
        Height::new(self.block.header.height.0)
    }
}

impl Digestible for ConsensusBlock {
    type Digest = ConsensusDigest;

    fn digest(&self) -> ConsensusDigest {
        self.digest
    }
}

impl commonware_consensus::Block for ConsensusBlock {
    fn parent(&self) -> ConsensusDigest {
        super::digest_of(self.block.header.parent)
    }
}

impl CertifiableBlock for ConsensusBlock {
    type Context = Context;

    fn context(&self) -> Context {
        let h = &self.block.header;
        Context {
            round: Round::new(Epoch::new(h.epoch), View::new(h.view)),
            leader: self.leader.clone(),
            parent: (View::new(h.parent_view), super::digest_of(h.parent)),
        }
    }
}

impl Write for ConsensusBlock {
    fn write(&self, buf: &mut impl BufMut) {
        let bytes = self.block.encode();
        UInt(bytes.len() as u64).write(buf);
        buf.put_slice(&bytes);
    }
}

impl EncodeSize for ConsensusBlock {
    fn encode_size(&self) -> usize {
        let len = self.block.encode().len();
        UInt(len as u64).encode_size() + len
    }
}

impl Read for ConsensusBlock {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, CodecError> {
        let len = UInt::<u64>::read(buf)?.0;
        let len = usize::try_from(len).map_err(|_| CodecError::InvalidLength(usize::MAX))?;
        if len > MAX_BLOCK_BYTES {
            return Err(CodecError::InvalidLength(len));
        }
        if buf.remaining() < len {
            return Err(CodecError::EndOfBuffer);
        }
        let bytes = buf.copy_to_bytes(len);
        let block = Block::decode(&bytes)
            .map_err(|_| CodecError::Invalid("ConsensusBlock", "not a canonical block"))?;
        ConsensusBlock::new(block)
            .map_err(|_| CodecError::Invalid("ConsensusBlock", "invalid proposer key"))
    }
}

impl BoundedBlock for ConsensusBlock {
    fn max_encode_size(_: &()) -> usize {
        MAX_BLOCK_BYTES + 10
    }
}
