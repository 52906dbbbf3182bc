//! Contract metadata, written at compile time into the custom section `citychain:metadata`
//! by [`contract!`](crate::contract), [`events!`](crate::events), [`require!`](crate::require),
//! [`fail!`](crate::fail) and [`revert!`](crate::revert): the contract's name and version,
//! every method, event and revert reason (format in `docs/contracts.md`).
//!
//! Each macro places one record in its own static; the linker concatenates every static of the
//! section, in no promised order, which the format allows. Nothing here runs: the records are
//! built by `const fn`s, and a record the chain would refuse (a documentation line too long)
//! fails the build instead of the deployment.

/// Longest documentation line, type or revert reason the chain accepts.
pub const MAX_TEXT: usize = 512;

/// The byte length of a record with `fields`.
pub const fn record_len(fields: &[&str]) -> usize {
    let mut n = 2;
    let mut i = 0;
    while i < fields.len() {
        n += 4 + fields[i].len();
        i += 1;
    }
    n
}

/// A record: `kind`, the field count, then each field as a `u32` big-endian length and UTF-8.
pub const fn record<const N: usize>(kind: u8, fields: &[&str]) -> [u8; N] {
    assert!(
        fields.len() < 256,
        "a metadata record has at most 255 fields"
    );
    let mut out = [0u8; N];
    out[0] = kind;
    out[1] = fields.len() as u8;
    let mut at = 2;
    let mut i = 0;
    while i < fields.len() {
        let bytes = fields[i].as_bytes();
        assert!(
            bytes.len() <= MAX_TEXT,
            "a contract's documentation line, type or revert reason is at most 512 bytes"
        );
        let mut c = 0;
        while c < bytes.len() {
            let b = bytes[c];
            assert!(
                (b >= 0x20 && b != 0x7f) || b == b'\n' || b == b'\r' || b == b'\t',
                "a contract's metadata (a name, type or revert reason) may not contain control \
                 characters other than whitespace"
            );
            c += 1;
        }
        let len = (bytes.len() as u32).to_be_bytes();
        let mut k = 0;
        while k < 4 {
            out[at + k] = len[k];
            k += 1;
        }
        at += 4;
        let mut j = 0;
        while j < bytes.len() {
            // A long type's text may span lines: whitespace is whitespace to every reader.
            out[at + j] = match bytes[j] {
                b'\n' | b'\r' | b'\t' => b' ',
                other => other,
            };
            j += 1;
        }
        at += bytes.len();
        i += 1;
    }
    assert!(at == N, "record length mismatch");
    out
}

/// The first line of a documentation comment, trimmed: up to its first control character.
pub const fn first_line(doc: &str) -> &str {
    let bytes = doc.trim_ascii_start().as_bytes();
    let mut end = 0;
    while end < bytes.len() && bytes[end] >= 0x20 && bytes[end] != 0x7f {
        end += 1;
    }
    let (line, _) = bytes.split_at(end);
    match core::str::from_utf8(line.trim_ascii_end()) {
        Ok(s) => s,
        Err(_) => "",
    }
}

/// Record kinds.
pub const CONTRACT: u8 = 1;
/// A method.
pub const METHOD: u8 = 2;
/// An event.
pub const EVENT: u8 = 3;
/// A revert reason.
pub const REVERT: u8 = 4;

/// Places one record (`kind`, then the `&str` fields) in the metadata section.
#[doc(hidden)]
#[macro_export]
macro_rules! __metadata_record {
    ($kind:expr, [$($field:expr),* $(,)?]) => {
        const _: () = {
            const FIELDS: &[&str] = &[$($field),*];
            const LEN: usize = $crate::metadata::record_len(FIELDS);
            #[cfg(target_arch = "wasm32")]
            #[allow(unsafe_code)]
            #[unsafe(link_section = "citychain:metadata")]
            #[used]
            static RECORD: [u8; LEN] = $crate::metadata::record::<LEN>($kind, FIELDS);
        };
    };
}

/// The first of some documentation literals (a comment's first line), or `""`.
#[doc(hidden)]
#[macro_export]
macro_rules! __first_doc {
    () => {
        ""
    };
    ($first:expr $(, $rest:expr)*) => {
        $crate::metadata::first_line($first)
    };
}

/// A method's return type as written, or `()`.
#[doc(hidden)]
#[macro_export]
macro_rules! __returns {
    () => {
        "()"
    };
    ($ret:ty) => {
        stringify!($ret)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_laid_out_as_the_chain_reads_them() {
        const F: &[&str] = &["transfer", "", "u128"];
        const R: [u8; record_len(F)] = record::<{ record_len(F) }>(METHOD, F);
        let mut want = alloc::vec![METHOD, 3];
        for f in F {
            want.extend_from_slice(&(f.len() as u32).to_be_bytes());
            want.extend_from_slice(f.as_bytes());
        }
        assert_eq!(R.as_slice(), want.as_slice());
        const T: &[&str] = &["f", "", "(\n    u8,\tu16)"];
        const S: [u8; record_len(T)] = record::<{ record_len(T) }>(METHOD, T);
        assert!(S.ends_with(b"(     u8, u16)"), "line breaks become spaces");
    }

    #[test]
    fn the_first_line_of_a_comment_is_its_documentation() {
        assert_eq!(first_line(" Moves tokens.  "), "Moves tokens.");
        assert_eq!(first_line("\n  A block\n comment"), "A block");
        assert_eq!(first_line(" tab\there"), "tab");
        assert_eq!(first_line(""), "");
    }
}
