//! A block log damaged in any way (a torn write, flipped bits, a disk that returns garbage):
//! opening and scanning it never panics, every record the scan returns reads back with its
//! height, and a stored-block payload that decodes is canonical.
//!
//! The input is `cut (u16) || flips (u8) || flips × (offset u16, xor u8) || payload`: two
//! records holding `payload` are written through the log itself, so their checksums are right,
//! then the segment is cut to `cut` bytes (when shorter) and the flips applied, which reaches
//! the recovery paths that random bytes stop short of.
#![no_main]

use citychain_storage::{StoredBlock, blocklog::BlockLog};
use citychain_types::{Decode, Encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&[c0, c1, flips], rest)) = data.split_first_chunk::<3>() else {
        return;
    };
    let (edits, payload) = rest.split_at((usize::from(flips) * 3).min(rest.len()));
    let dir = tempfile::tempdir().expect("tempdir");
    let segment = {
        let log = BlockLog::open_with(dir.path(), 1 << 20, false).expect("a fresh log opens");
        log.append(1, payload).expect("append");
        log.append(2, payload).expect("append");
        log.segment_path(0)
    };
    let mut bytes = std::fs::read(&segment).expect("read the segment");
    bytes.truncate(usize::from(u16::from_be_bytes([c0, c1])).max(1));
    for edit in edits.chunks_exact(3) {
        let at = usize::from(u16::from_be_bytes([edit[0], edit[1]]));
        if let Some(b) = bytes.get_mut(at) {
            *b ^= edit[2];
        }
    }
    std::fs::write(&segment, &bytes).expect("write the segment");
    let Ok(log) = BlockLog::open_with(dir.path(), 1 << 20, false) else {
        return;
    };
    let Ok((records, _bad)) = log.scan_from(0, 0) else {
        return;
    };
    for record in records {
        let (height, stored) = log
            .read(record.location)
            .expect("a scanned record reads back");
        assert_eq!(height, record.height);
        if let Ok(block) = StoredBlock::decode(&stored) {
            assert_eq!(
                block.encode(),
                stored,
                "a stored block re-encodes differently"
            );
        }
    }
});
