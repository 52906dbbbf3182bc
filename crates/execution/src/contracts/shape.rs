//! The shape of a module: what its instantiation and compilation cost grows with, counted from
//! the bytes before the engine sees them, and the limits this chain puts on each.
//!
//! The engine's own work is linear in these counts, but with factors the gas table cannot
//! price per byte (an export costs far more to instantiate than a byte of code). Bounding them
//! makes "gas per byte of code" an honest price for loading and instantiating any module.

use wasmparser::{Operator, Parser, Payload};

/// Most entry points (exported functions) a contract may have.
pub const MAX_EXPORTS: usize = 256;
/// Most functions a contract may define.
pub const MAX_FUNCTIONS: usize = 4_096;
/// Most globals a contract may define.
pub const MAX_GLOBALS: usize = 256;
/// Most data segments (initial memory contents) a contract may have.
pub const MAX_DATA_SEGMENTS: usize = 64;
/// Most element segments (initial table contents) a contract may have.
pub const MAX_ELEMENT_SEGMENTS: usize = 16;
/// Most locals one function may declare.
pub const MAX_FUNCTION_LOCALS: usize = 1_024;
/// Most targets one `br_table` instruction may have.
pub const MAX_BR_TABLE_TARGETS: usize = 1_024;

/// What instantiating and compiling a module is priced by, besides its length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub functions: u64,
    pub exports: u64,
    pub globals: u64,
    /// Initial pages of its memory.
    pub memory_pages: u64,
    /// Bytes of its data segments (copied into memory at every instantiation).
    pub data_bytes: u64,
    /// Items of its element segments (written into its table at every instantiation).
    pub elements: u64,
}

/// Counts what instantiating `code` does: functions, exports, globals, initial memory pages,
/// data bytes and table elements (zero for sections that do not parse).
pub fn count(code: &[u8]) -> Counts {
    let mut counts = Counts::default();
    for payload in Parser::new(0).parse_all(code) {
        match payload {
            Ok(Payload::FunctionSection(s)) => counts.functions = u64::from(s.count()),
            Ok(Payload::ExportSection(s)) => counts.exports = u64::from(s.count()),
            Ok(Payload::GlobalSection(s)) => counts.globals = u64::from(s.count()),
            Ok(Payload::DataSection(s)) => {
                for data in s.into_iter().flatten() {
                    counts.data_bytes += data.data.len() as u64;
                }
            }
            Ok(Payload::ElementSection(s)) => {
                for element in s.into_iter().flatten() {
                    counts.elements += u64::from(match element.items {
                        wasmparser::ElementItems::Functions(f) => f.count(),
                        wasmparser::ElementItems::Expressions(_, e) => e.count(),
                    });
                }
            }
            Ok(Payload::MemorySection(s)) => {
                if let Some(Ok(memory)) = s.into_iter().next() {
                    counts.memory_pages = memory.initial;
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    counts
}

/// Checks `code` against the shape limits; the reason names the limit and the value.
///
/// Bytes that do not parse are left to the engine's validation, which refuses them with its
/// own (chain-worded) reason; this pass only counts.
pub fn check(code: &[u8]) -> Result<(), String> {
    let over = |what: &str, count: usize, max: usize| {
        Err(format!("the module has {count} {what}; the limit is {max}"))
    };
    for payload in Parser::new(0).parse_all(code) {
        let Ok(payload) = payload else {
            return Ok(());
        };
        match payload {
            Payload::FunctionSection(s) if s.count() as usize > MAX_FUNCTIONS => {
                return over("functions", s.count() as usize, MAX_FUNCTIONS);
            }
            Payload::GlobalSection(s) if s.count() as usize > MAX_GLOBALS => {
                return over("globals", s.count() as usize, MAX_GLOBALS);
            }
            Payload::DataSection(s) if s.count() as usize > MAX_DATA_SEGMENTS => {
                return over("data segments", s.count() as usize, MAX_DATA_SEGMENTS);
            }
            Payload::ElementSection(s) if s.count() as usize > MAX_ELEMENT_SEGMENTS => {
                return over("element segments", s.count() as usize, MAX_ELEMENT_SEGMENTS);
            }
            Payload::ExportSection(s) if s.count() as usize > MAX_EXPORTS + 1 => {
                // One more for the memory export.
                return over("exports", s.count() as usize, MAX_EXPORTS + 1);
            }
            Payload::StartSection { .. } => {
                return Err(
                    "the module has a start function; code runs only when an entry point is \
                     called"
                        .into(),
                );
            }
            Payload::CodeSectionEntry(body) => {
                check_body(&body)?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_body(body: &wasmparser::FunctionBody<'_>) -> Result<(), String> {
    let Ok(locals) = body.get_locals_reader() else {
        return Ok(());
    };
    let mut declared: u64 = 0;
    for entry in locals {
        let Ok((count, _)) = entry else {
            return Ok(());
        };
        declared += u64::from(count);
        if declared > MAX_FUNCTION_LOCALS as u64 {
            return Err(format!(
                "a function declares at least {declared} locals; the limit is {}",
                MAX_FUNCTION_LOCALS
            ));
        }
    }
    let Ok(mut ops) = body.get_operators_reader() else {
        return Ok(());
    };
    while !ops.eof() {
        match ops.read() {
            Ok(Operator::BrTable { targets }) if targets.len() as usize > MAX_BR_TABLE_TARGETS => {
                return Err(format!(
                    "a br_table has {} targets; the limit is {}",
                    targets.len(),
                    MAX_BR_TABLE_TARGETS
                ));
            }
            Ok(_) => {}
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}
