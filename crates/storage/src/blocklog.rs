//! An append-only, checksummed log of finalized blocks.
//!
//! The log is a directory of segment files `seg-NNNNNNNN.log`. Each record is
//!
//! ```text
//! magic "CCBL" (4) | height u64 BE (8) | payload length u32 BE (4) | CRC-32 u32 BE (4) | payload
//! ```
//!
//! where the CRC-32 (IEEE) covers height, length and payload. A record is appended and the file
//! synced before the block is acknowledged, so the log is the durable record of the chain; every
//! read re-checks the checksum, so corrupt bytes are reported (with file and offset), never served.

use crate::{Error, Result};
use parking_lot::{Mutex, RwLock};
use std::{
    fs::{self, File, OpenOptions},
    io::{Read, Seek, SeekFrom, Write},
    os::unix::fs::FileExt,
    path::{Path, PathBuf},
    sync::Arc,
};

const MAGIC: &[u8; 4] = b"CCBL";
/// Bytes before the payload.
pub const HEADER_LEN: u64 = 20;
/// Largest payload accepted when reading (a block is bounded far below this).
const MAX_PAYLOAD: u32 = 512 << 20;

/// Where a record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub segment: u32,
    /// Offset of the record header in the segment.
    pub offset: u64,
    pub payload_len: u32,
}

impl Location {
    /// Offset just past the record.
    pub fn end(&self) -> u64 {
        self.offset + HEADER_LEN + u64::from(self.payload_len)
    }

    pub fn to_bytes(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..4].copy_from_slice(&self.segment.to_be_bytes());
        out[4..12].copy_from_slice(&self.offset.to_be_bytes());
        out[12..].copy_from_slice(&self.payload_len.to_be_bytes());
        out
    }

    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        if b.len() != 16 {
            return None;
        }
        Some(Location {
            segment: u32::from_be_bytes(b[..4].try_into().ok()?),
            offset: u64::from_be_bytes(b[4..12].try_into().ok()?),
            payload_len: u32::from_be_bytes(b[12..].try_into().ok()?),
        })
    }
}

/// A record found while scanning.
#[derive(Debug)]
pub struct Scanned {
    pub height: u64,
    pub location: Location,
}

/// Where and why a scan stopped before the end of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRecord {
    pub file: PathBuf,
    pub offset: u64,
    pub problem: String,
}

struct Writer {
    segment: u32,
    file: File,
    len: u64,
}

/// The block log.
pub struct BlockLog {
    dir: PathBuf,
    max_segment_bytes: u64,
    /// Whether appends are synced to disk (always, except in simulations).
    sync: bool,
    readers: RwLock<Vec<Arc<File>>>,
    writer: Mutex<Writer>,
}

fn segment_path(dir: &Path, segment: u32) -> PathBuf {
    dir.join(format!("seg-{segment:08}.log"))
}

fn crc(height: u64, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&height.to_be_bytes());
    h.update(&(payload.len() as u32).to_be_bytes());
    h.update(payload);
    h.finalize()
}

impl BlockLog {
    /// Opens (or creates) the log in `dir`.
    pub fn open(dir: &Path, max_segment_bytes: u64) -> Result<Self> {
        Self::open_with(dir, max_segment_bytes, true)
    }

    /// Opens the log; with `sync` false, appends are not synced (for simulations only).
    pub fn open_with(dir: &Path, max_segment_bytes: u64, sync: bool) -> Result<Self> {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut segments: Vec<u32> = Vec::new();
        for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if let Some(n) = name
                .strip_prefix("seg-")
                .and_then(|s| s.strip_suffix(".log"))
                && let Ok(n) = n.parse::<u32>()
            {
                segments.push(n);
            }
        }
        segments.sort_unstable();
        if segments.is_empty() {
            segments.push(0);
        }
        for (i, s) in segments.iter().enumerate() {
            if *s as usize != i {
                return Err(Error::Corrupt {
                    file: segment_path(dir, i as u32),
                    offset: 0,
                    problem:
                        "segment file is missing (segments must be numbered from 0 without gaps)"
                            .into(),
                });
            }
        }
        let mut readers = Vec::new();
        for s in &segments {
            let path = segment_path(dir, *s);
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| Error::io(&path, e))?;
            readers.push(Arc::new(file));
        }
        let last = *segments.last().expect("at least one segment");
        let path = segment_path(dir, last);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let len = file
            .seek(SeekFrom::End(0))
            .map_err(|e| Error::io(&path, e))?;
        Ok(BlockLog {
            dir: dir.to_path_buf(),
            max_segment_bytes,
            sync,
            readers: RwLock::new(readers),
            writer: Mutex::new(Writer {
                segment: last,
                file,
                len,
            }),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends a record and syncs it to disk before returning.
    pub fn append(&self, height: u64, payload: &[u8]) -> Result<Location> {
        let payload_len = u32::try_from(payload.len())
            .ok()
            .filter(|l| *l <= MAX_PAYLOAD)
            .ok_or_else(|| Error::Decode {
                what: "block record",
                detail: format!("{} bytes is too large", payload.len()),
            })?;
        let mut w = self.writer.lock();
        if w.len > 0 && w.len + HEADER_LEN + u64::from(payload_len) > self.max_segment_bytes {
            let next = w.segment + 1;
            let path = segment_path(&self.dir, next);
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|e| Error::io(&path, e))?;
            // Make the new file's directory entry durable too.
            File::open(&self.dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| Error::io(&self.dir, e))?;
            self.readers
                .write()
                .push(Arc::new(file.try_clone().map_err(|e| Error::io(&path, e))?));
            *w = Writer {
                segment: next,
                file,
                len: 0,
            };
        }
        let mut record = Vec::with_capacity(HEADER_LEN as usize + payload.len());
        record.extend_from_slice(MAGIC);
        record.extend_from_slice(&height.to_be_bytes());
        record.extend_from_slice(&payload_len.to_be_bytes());
        record.extend_from_slice(&crc(height, payload).to_be_bytes());
        record.extend_from_slice(payload);
        let path = segment_path(&self.dir, w.segment);
        w.file.write_all(&record).map_err(|e| Error::io(&path, e))?;
        if self.sync {
            w.file.sync_data().map_err(|e| Error::io(&path, e))?;
        }
        let location = Location {
            segment: w.segment,
            offset: w.len,
            payload_len,
        };
        w.len += record.len() as u64;
        Ok(location)
    }

    /// Reads and checks the record at `location`, returning its height and payload.
    pub fn read(&self, location: Location) -> Result<(u64, Vec<u8>)> {
        let file = self
            .readers
            .read()
            .get(location.segment as usize)
            .cloned()
            .ok_or_else(|| Error::Corrupt {
                file: segment_path(&self.dir, location.segment),
                offset: location.offset,
                problem: "the index points into a segment that does not exist".into(),
            })?;
        let path = segment_path(&self.dir, location.segment);
        let corrupt = |problem: String| Error::Corrupt {
            file: path.clone(),
            offset: location.offset,
            problem,
        };
        let mut header = [0u8; HEADER_LEN as usize];
        file.read_exact_at(&mut header, location.offset)
            .map_err(|e| corrupt(format!("cannot read record header: {e}")))?;
        let (height, len, stored_crc) = parse_header(&header).map_err(corrupt)?;
        if len != location.payload_len {
            return Err(corrupt(format!(
                "record length {len} does not match the index ({})",
                location.payload_len
            )));
        }
        let mut payload = vec![0u8; len as usize];
        file.read_exact_at(&mut payload, location.offset + HEADER_LEN)
            .map_err(|e| corrupt(format!("cannot read {len} payload bytes: {e}")))?;
        if crc(height, &payload) != stored_crc {
            return Err(corrupt(format!(
                "checksum mismatch in the record of height {height}"
            )));
        }
        Ok((height, payload))
    }

    /// Scans records from `(segment, offset)` to the end of the log.
    ///
    /// Returns the good records and, if the scan stopped at a bad or incomplete record, where.
    pub fn scan_from(
        &self,
        segment: u32,
        offset: u64,
    ) -> Result<(Vec<Scanned>, Option<BadRecord>)> {
        let mut out = Vec::new();
        let segments = self.readers.read().len() as u32;
        let mut seg = segment;
        let mut pos = offset;
        while seg < segments {
            let path = segment_path(&self.dir, seg);
            let mut file = File::open(&path).map_err(|e| Error::io(&path, e))?;
            let file_len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
            file.seek(SeekFrom::Start(pos))
                .map_err(|e| Error::io(&path, e))?;
            let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
            while pos < file_len {
                let bad = |problem: String| BadRecord {
                    file: path.clone(),
                    offset: pos,
                    problem,
                };
                if file_len - pos < HEADER_LEN {
                    return Ok((
                        out,
                        Some(bad(format!(
                            "truncated record header ({} of {HEADER_LEN} bytes)",
                            file_len - pos
                        ))),
                    ));
                }
                let mut header = [0u8; HEADER_LEN as usize];
                reader
                    .read_exact(&mut header)
                    .map_err(|e| Error::io(&path, e))?;
                let (height, len, stored_crc) = match parse_header(&header) {
                    Ok(h) => h,
                    Err(problem) => return Ok((out, Some(bad(problem)))),
                };
                if file_len - pos - HEADER_LEN < u64::from(len) {
                    return Ok((
                        out,
                        Some(bad(format!(
                            "truncated record of height {height}: {len} payload bytes expected, {} present",
                            file_len - pos - HEADER_LEN
                        ))),
                    ));
                }
                let mut payload = vec![0u8; len as usize];
                reader
                    .read_exact(&mut payload)
                    .map_err(|e| Error::io(&path, e))?;
                if crc(height, &payload) != stored_crc {
                    return Ok((
                        out,
                        Some(bad(format!(
                            "checksum mismatch in the record of height {height}"
                        ))),
                    ));
                }
                out.push(Scanned {
                    height,
                    location: Location {
                        segment: seg,
                        offset: pos,
                        payload_len: len,
                    },
                });
                pos += HEADER_LEN + u64::from(len);
            }
            seg += 1;
            pos = 0;
        }
        Ok((out, None))
    }

    /// Cuts the log at `(segment, offset)`, deleting everything after it.
    pub fn truncate(&self, segment: u32, offset: u64) -> Result<()> {
        let mut w = self.writer.lock();
        let mut readers = self.readers.write();
        while readers.len() as u32 > segment + 1 {
            let last = readers.len() as u32 - 1;
            readers.pop();
            let path = segment_path(&self.dir, last);
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
        let path = segment_path(&self.dir, segment);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        file.set_len(offset).map_err(|e| Error::io(&path, e))?;
        file.sync_all().map_err(|e| Error::io(&path, e))?;
        let mut file = file;
        file.seek(SeekFrom::End(0))
            .map_err(|e| Error::io(&path, e))?;
        *w = Writer {
            segment,
            file,
            len: offset,
        };
        Ok(())
    }

    /// Path of a segment, for messages.
    pub fn segment_path(&self, segment: u32) -> PathBuf {
        segment_path(&self.dir, segment)
    }
}

fn parse_header(
    header: &[u8; HEADER_LEN as usize],
) -> std::result::Result<(u64, u32, u32), String> {
    if &header[..4] != MAGIC {
        return Err("bad record magic (expected \"CCBL\")".into());
    }
    let height = u64::from_be_bytes(header[4..12].try_into().expect("8 bytes"));
    let len = u32::from_be_bytes(header[12..16].try_into().expect("4 bytes"));
    let crc = u32::from_be_bytes(header[16..20].try_into().expect("4 bytes"));
    if len > MAX_PAYLOAD {
        return Err(format!(
            "record length {len} exceeds the maximum {MAX_PAYLOAD}"
        ));
    }
    Ok((height, len, crc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_read_and_scan() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = BlockLog::open(dir.path(), 100).expect("open");
        let a = log.append(1, b"first").expect("append");
        let b = log.append(2, &[7u8; 90]).expect("append"); // rolls to segment 1
        assert_eq!(b.segment, 1);
        assert_eq!(log.read(a).expect("read"), (1, b"first".to_vec()));
        assert_eq!(log.read(b).expect("read").1.len(), 90);
        let (records, bad) = log.scan_from(0, 0).expect("scan");
        assert!(bad.is_none());
        assert_eq!(
            records.iter().map(|r| r.height).collect::<Vec<_>>(),
            vec![1, 2]
        );

        drop(log);
        let log = BlockLog::open(dir.path(), 100).expect("reopen");
        let c = log.append(3, b"third").expect("append after reopen");
        assert_eq!(c.segment, 2);
        assert_eq!(log.scan_from(0, 0).expect("scan").0.len(), 3);
    }

    #[test]
    fn corruption_is_located_and_never_served() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = BlockLog::open(dir.path(), 1 << 20).expect("open");
        let a = log.append(1, b"aaaa").expect("append");
        let b = log.append(2, b"bbbb").expect("append");
        drop(log);
        let path = dir.path().join("seg-00000000.log");
        let mut bytes = fs::read(&path).expect("read");
        let flip = (b.offset + HEADER_LEN + 1) as usize;
        bytes[flip] ^= 0xff;
        fs::write(&path, &bytes).expect("write");

        let log = BlockLog::open(dir.path(), 1 << 20).expect("open");
        assert_eq!(log.read(a).expect("intact").1, b"aaaa");
        match log.read(b) {
            Err(Error::Corrupt {
                file,
                offset,
                problem,
            }) => {
                assert_eq!(file, path);
                assert_eq!(offset, b.offset);
                assert!(problem.contains("checksum"), "{problem}");
            }
            other => panic!("expected corruption, got {other:?}"),
        }
        let (good, bad) = log.scan_from(0, 0).expect("scan");
        assert_eq!(good.len(), 1);
        let bad = bad.expect("stopped at the bad record");
        assert_eq!(bad.offset, b.offset);
    }

    #[test]
    fn a_torn_tail_is_found_and_can_be_cut() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = BlockLog::open(dir.path(), 1 << 20).expect("open");
        log.append(1, b"one").expect("append");
        let two = log.append(2, b"two-two-two").expect("append");
        drop(log);
        let path = dir.path().join("seg-00000000.log");
        let len = fs::metadata(&path).expect("meta").len();
        OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open")
            .set_len(len - 4)
            .expect("truncate");

        let log = BlockLog::open(dir.path(), 1 << 20).expect("open");
        let (good, bad) = log.scan_from(0, 0).expect("scan");
        assert_eq!(good.len(), 1);
        let bad = bad.expect("torn");
        assert_eq!(bad.offset, two.offset);
        assert!(
            bad.problem.contains("truncated record of height 2"),
            "{}",
            bad.problem
        );
        log.truncate(0, bad.offset).expect("cut");
        let again = log.append(2, b"two").expect("append");
        assert_eq!(again.offset, two.offset);
        assert_eq!(log.scan_from(0, 0).expect("scan").0.len(), 2);
    }
}
