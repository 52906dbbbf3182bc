//! A block-log segment holding any bytes (a torn write, a disk that returns garbage): opening
//! and scanning the log never panics, every record it returns reads back, and a stored block
//! payload that decodes is canonical.
#![no_main]

use citychain_storage::{StoredBlock, blocklog::BlockLog};
use citychain_types::{Decode, Encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("tempdir");
    let segment = {
        let log = BlockLog::open(dir.path(), 1 << 20).expect("a fresh log opens");
        log.segment_path(0)
    };
    std::fs::write(&segment, data).expect("write the segment");
    let Ok(log) = BlockLog::open(dir.path(), 1 << 20) else {
        return;
    };
    let Ok((records, _bad)) = log.scan_from(0, 0) else {
        return;
    };
    for record in records {
        let (height, payload) = log.read(record.location).expect("a scanned record reads back");
        assert_eq!(height, record.height);
        if let Ok(stored) = StoredBlock::decode(&payload) {
            assert_eq!(stored.encode(), payload, "a stored block re-encodes differently");
        }
    }
});
