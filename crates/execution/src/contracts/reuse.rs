//! Which modules may run again in an instance that an earlier call used, and the small rewrite
//! that makes it possible.
//!
//! A call behaves as if its contract were instantiated afresh. An instance that ran before
//! can be put back into exactly that condition when everything a call may change is reachable
//! from outside: its memory (restored from a copy taken right after instantiation, unless the
//! call grew it), its mutable globals (exported under names of their own by the rewrite below,
//! so they can be read and reset) and nothing else. Tables and data or element segments are
//! left as instantiation made them only if no instruction can change them, so a module with
//! `table.set`, `table.grow`, `table.fill`, `table.copy`, `table.init`, `memory.init`,
//! `data.drop` or `elem.drop`, or with passive segments, is always instantiated afresh. So is a
//! module whose memory starts larger than [`MAX_REUSED_PAGES`]: resetting writes all of it,
//! which for larger memories costs more than a fresh instance, whose zeroed pages cost nothing
//! until touched (measured: the first call of a 4-page module cost 5.4x a transfer per gas); and one with more than [`MAX_REUSED_GLOBALS`] mutable globals, whose
//! exports would make compiling and instantiating it dearer than its price.

use std::sync::Arc;
use wasmparser::{DataKind, ElementKind, Operator, Parser, Payload, TypeRef};

/// Largest initial memory, in 64 KiB pages, whose instances are reset rather than made afresh.
pub const MAX_REUSED_PAGES: u64 = 1;
/// Most mutable globals a module whose instances are reused may have (compilers use one, the
/// stack pointer).
pub const MAX_REUSED_GLOBALS: usize = 8;

/// The export name the rewrite gives mutable global `index`.
fn global_export(index: u32) -> String {
    format!("citychain:global:{index}")
}

/// How to reset a used instance of a module.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Export names of the module's mutable globals (added by the rewrite).
    pub globals: Vec<String>,
    /// Initial elements of its tables (a fresh instance's tables count against the limits).
    pub table_elements: u64,
}

/// The plan for `code` and the code to compile for calls (`code` itself, or `code` with its
/// mutable globals exported), or `None` if its instances cannot be reset exactly.
pub(crate) fn prepare(code: &[u8]) -> Option<(Arc<Plan>, Option<Vec<u8>>)> {
    let mut mutable = Vec::new();
    let mut exports = Vec::new();
    let mut table_elements = 0u64;
    for payload in Parser::new(0).parse_all(code) {
        match payload.ok()? {
            Payload::ImportSection(s) => {
                for import in s {
                    if !matches!(import.ok()?.ty, TypeRef::Func(_)) {
                        return None;
                    }
                }
            }
            Payload::GlobalSection(s) => {
                for (index, global) in s.into_iter().enumerate() {
                    if global.ok()?.ty.mutable {
                        mutable.push(index as u32);
                    }
                }
            }
            Payload::TableSection(s) => {
                for table in s {
                    table_elements = table_elements.saturating_add(table.ok()?.ty.initial);
                }
            }
            Payload::MemorySection(s) => {
                for memory in s {
                    if memory.ok()?.initial > MAX_REUSED_PAGES {
                        return None;
                    }
                }
            }
            Payload::ExportSection(s) => {
                for export in s {
                    exports.push(export.ok()?.name.to_string());
                }
            }
            Payload::DataSection(s) => {
                for data in s {
                    if matches!(data.ok()?.kind, DataKind::Passive) {
                        return None;
                    }
                }
            }
            Payload::ElementSection(s) => {
                for element in s {
                    if matches!(element.ok()?.kind, ElementKind::Passive) {
                        return None;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut ops = body.get_operators_reader().ok()?;
                while !ops.eof() {
                    if changes_more_than_memory(&ops.read().ok()?) {
                        return None;
                    }
                }
            }
            _ => {}
        }
    }
    if mutable.len() > MAX_REUSED_GLOBALS {
        return None;
    }
    let globals: Vec<String> = mutable.iter().map(|&i| global_export(i)).collect();
    if globals.iter().any(|g| exports.contains(g)) {
        return None;
    }
    let rewritten = if mutable.is_empty() {
        None
    } else {
        Some(export_globals(code, &mutable)?)
    };
    Some((
        Arc::new(Plan {
            globals,
            table_elements,
        }),
        rewritten,
    ))
}

/// Instructions that change an instance's tables or segments.
fn changes_more_than_memory(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::TableSet { .. }
            | Operator::TableGrow { .. }
            | Operator::TableFill { .. }
            | Operator::TableCopy { .. }
            | Operator::TableInit { .. }
            | Operator::ElemDrop { .. }
            | Operator::MemoryInit { .. }
            | Operator::DataDrop { .. }
    )
}

const EXPORT_SECTION: u8 = 7;
const GLOBAL_KIND: u8 = 3;

/// `code` with an export added for each of the `globals`; `None` if it has no export section
/// (a contract always has one: it exports its memory).
fn export_globals(code: &[u8], globals: &[u32]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(code.len() + globals.len() * 24);
    out.extend_from_slice(code.get(..8)?);
    let mut at = 8;
    let mut done = false;
    while at < code.len() {
        let id = code[at];
        let (size, body_at) = leb_u32(code, at + 1)?;
        let end = body_at.checked_add(size as usize)?;
        let body = code.get(body_at..end)?;
        if id == EXPORT_SECTION {
            let (count, entries_at) = leb_u32(body, 0)?;
            let mut section = Vec::with_capacity(body.len() + globals.len() * 24);
            push_leb(&mut section, count.checked_add(globals.len() as u32)?);
            section.extend_from_slice(&body[entries_at..]);
            for &index in globals {
                let name = global_export(index);
                push_leb(&mut section, name.len() as u32);
                section.extend_from_slice(name.as_bytes());
                section.push(GLOBAL_KIND);
                push_leb(&mut section, index);
            }
            out.push(EXPORT_SECTION);
            push_leb(&mut out, section.len() as u32);
            out.extend_from_slice(&section);
            done = true;
        } else {
            out.extend_from_slice(&code[at..end]);
        }
        at = end;
    }
    done.then_some(out)
}

/// The unsigned LEB128 number at `at` and the offset after it.
fn leb_u32(bytes: &[u8], mut at: usize) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= u32::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
    }
    None
}

fn push_leb(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wat(text: &str) -> Vec<u8> {
        wat::parse_str(text).expect("test WAT parses")
    }

    #[test]
    fn mutable_globals_are_exported_and_the_module_stays_valid() {
        let code = wat(r#"(module
            (memory (export "memory") 1)
            (global $sp (mut i32) (i32.const 1024))
            (global $k i32 (i32.const 7))
            (global $n (mut i64) (i64.const 0))
            (func (export "run") (global.set $n (i64.const 1))))"#);
        let (plan, rewritten) = prepare(&code).expect("reusable");
        assert_eq!(
            plan.globals,
            vec!["citychain:global:0", "citychain:global:2"]
        );
        let rewritten = rewritten.expect("rewritten");
        let mut names = Vec::new();
        for payload in Parser::new(0).parse_all(&rewritten) {
            if let Payload::ExportSection(s) = payload.expect("parses") {
                for e in s {
                    let e = e.expect("export");
                    names.push((e.name.to_string(), e.kind, e.index));
                }
            }
        }
        use wasmparser::ExternalKind::{Func, Global, Memory};
        assert_eq!(
            names,
            vec![
                ("memory".into(), Memory, 0),
                ("run".into(), Func, 0),
                ("citychain:global:0".into(), Global, 0),
                ("citychain:global:2".into(), Global, 2),
            ]
        );
        wasmi::Module::new(&wasmi::Engine::default(), &rewritten)
            .expect("the rewritten module compiles");
    }

    #[test]
    fn a_module_without_mutable_globals_is_not_rewritten() {
        let code = wat(r#"(module (memory (export "memory") 1) (func (export "run")))"#);
        let (plan, rewritten) = prepare(&code).expect("reusable");
        assert!(plan.globals.is_empty());
        assert!(rewritten.is_none());
    }

    #[test]
    fn modules_that_change_tables_or_segments_are_not_reused() {
        let cases = [
            r#"(table 2 funcref) (func (export "run") (table.set 0 (i32.const 0) (ref.null func)))"#,
            r#"(table 2 funcref) (func (export "run") (drop (table.grow 0 (ref.null func) (i32.const 1))))"#,
            r#"(data $d "abc") (func (export "run") (data.drop $d))"#,
            r#"(data $d "abc") (func (export "run") (memory.init $d (i32.const 0) (i32.const 0) (i32.const 1)))"#,
            r#"(table 2 funcref) (elem $e func $f) (func $f) (func (export "run") (elem.drop $e))"#,
        ];
        for body in cases {
            let code = wat(&format!(r#"(module (memory (export "memory") 1) {body})"#));
            assert!(prepare(&code).is_none(), "{body}");
        }
    }

    #[test]
    fn many_mutable_globals_are_not_reused() {
        let module = |n: usize| {
            let globals = "(global (mut i32) (i32.const 0))".repeat(n);
            wat(&format!(
                r#"(module (memory (export "memory") 1) {globals})"#
            ))
        };
        assert!(prepare(&module(MAX_REUSED_GLOBALS)).is_some());
        assert!(prepare(&module(MAX_REUSED_GLOBALS + 1)).is_none());
    }

    #[test]
    fn large_memories_are_not_reused() {
        let module = |pages: u64| wat(&format!(r#"(module (memory (export "memory") {pages}))"#));
        assert!(prepare(&module(MAX_REUSED_PAGES)).is_some());
        assert!(prepare(&module(MAX_REUSED_PAGES + 1)).is_none());
    }

    #[test]
    fn table_elements_are_counted() {
        let code = wat(r#"(module (memory (export "memory") 1) (table 5 funcref)
               (elem (i32.const 0) $f) (func $f) (func (export "run") (call_indirect (i32.const 0))))"#);
        assert_eq!(prepare(&code).expect("reusable").0.table_elements, 5);
    }

    #[test]
    fn a_contract_exporting_a_reserved_name_is_not_reused() {
        let code = wat(r#"(module (memory (export "memory") 1)
            (global (mut i32) (i32.const 0))
            (func (export "citychain:global:0")))"#);
        assert!(prepare(&code).is_none());
    }

    #[test]
    fn leb_round_trips() {
        for v in [0u32, 1, 127, 128, 300, 16_384, u32::MAX] {
            let mut b = Vec::new();
            push_leb(&mut b, v);
            assert_eq!(leb_u32(&b, 0), Some((v, b.len())));
        }
        assert_eq!(leb_u32(&[0x80, 0x80], 0), None);
    }
}
