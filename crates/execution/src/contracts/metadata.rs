//! A contract's metadata read from its code (the custom section
//! [`citychain_types::metadata::SECTION`]), checked against the code, and completed with what
//! only the code can tell: which entry points can change state.
//!
//! "Can change state" is found, not declared: an entry point writes if any function it can
//! reach calls a host function that writes (storage, events, value, assets, other contracts).
//! A `call_indirect` may reach any function in the module's table, so it counts as calling all
//! of them. The author cannot get it wrong, and a reader of the metadata cannot be misled.

use super::host;
use citychain_types::metadata::{ContractMetadata, SECTION};
use std::collections::HashMap;
use wasmparser::{ElementItems, ExternalKind, Operator, Parser, Payload, TypeRef};

/// The metadata `code` carries, checked and with each method's `writes` filled in; `None` if
/// it carries none. An error says what is wrong with it (code with malformed metadata is not
/// deployed).
pub fn read(code: &[u8]) -> Result<Option<ContractMetadata>, String> {
    let mut section: Option<&[u8]> = None;
    // Per function (imports first, as WASM numbers them): does it write by itself?
    let mut writes_itself: Vec<bool> = Vec::new();
    let mut imported = 0usize;
    let mut calls: Vec<(u32, u32)> = Vec::new();
    let mut indirect_callers: Vec<u32> = Vec::new();
    let mut in_table: Vec<u32> = Vec::new();
    let mut exports: HashMap<&str, u32> = HashMap::new();
    let mut next_defined = 0u32;
    for payload in Parser::new(0).parse_all(code) {
        let payload = payload.map_err(|e| format!("the code does not parse: {e}"))?;
        match payload {
            Payload::ImportSection(s) => {
                for import in s {
                    let import = import.map_err(|e| e.to_string())?;
                    if let TypeRef::Func(_) = import.ty {
                        writes_itself.push(host::writes_state(import.name));
                        imported += 1;
                    }
                }
            }
            Payload::FunctionSection(s) => {
                writes_itself.extend(std::iter::repeat_n(false, s.count() as usize));
            }
            Payload::ExportSection(s) => {
                for export in s {
                    let export = export.map_err(|e| e.to_string())?;
                    if export.kind == ExternalKind::Func {
                        exports.insert(export.name, export.index);
                    }
                }
            }
            Payload::ElementSection(s) => {
                for element in s {
                    let element = element.map_err(|e| e.to_string())?;
                    match element.items {
                        ElementItems::Functions(fs) => {
                            for f in fs {
                                in_table.push(f.map_err(|e| e.to_string())?);
                            }
                        }
                        ElementItems::Expressions(_, exprs) => {
                            for expr in exprs {
                                let expr = expr.map_err(|e| e.to_string())?;
                                let mut ops = expr.get_operators_reader();
                                while !ops.eof() {
                                    if let Operator::RefFunc { function_index } =
                                        ops.read().map_err(|e| e.to_string())?
                                    {
                                        in_table.push(function_index);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let caller = imported as u32 + next_defined;
                next_defined += 1;
                let mut ops = body.get_operators_reader().map_err(|e| e.to_string())?;
                while !ops.eof() {
                    match ops.read().map_err(|e| e.to_string())? {
                        Operator::Call { function_index }
                        | Operator::ReturnCall { function_index } => {
                            calls.push((caller, function_index));
                        }
                        Operator::CallIndirect { .. }
                        | Operator::ReturnCallIndirect { .. }
                        | Operator::CallRef { .. }
                        | Operator::ReturnCallRef { .. } => indirect_callers.push(caller),
                        _ => {}
                    }
                }
            }
            Payload::CustomSection(c) if c.name() == SECTION => {
                if section.is_some() {
                    return Err(format!("the code has two {SECTION} sections"));
                }
                section = Some(c.data());
            }
            _ => {}
        }
    }
    let Some(bytes) = section else {
        return Ok(None);
    };
    let mut meta = ContractMetadata::parse(bytes)?;
    let writes = reaches_a_write(&writes_itself, &calls, &indirect_callers, &in_table);
    for method in &mut meta.methods {
        let Some(&index) = exports.get(method.name.as_str()) else {
            return Err(format!(
                "the metadata describes method {}, which the code does not export",
                method.name
            ));
        };
        method.writes = Some(writes.get(index as usize).copied().unwrap_or(true));
    }
    Ok(Some(meta))
}

/// Which functions can reach one that writes: a walk back from the writers along the calls,
/// with one extra node standing for "any function in the table" (linear in the calls).
fn reaches_a_write(
    writes_itself: &[bool],
    calls: &[(u32, u32)],
    indirect_callers: &[u32],
    in_table: &[u32],
) -> Vec<bool> {
    let n = writes_itself.len();
    let table = n; // the extra node
    let mut callers: Vec<Vec<usize>> = vec![Vec::new(); n + 1];
    let mut edge = |from: usize, to: usize| {
        if from <= n && to <= n {
            callers[to].push(from);
        }
    };
    for &(from, to) in calls {
        edge(from as usize, to as usize);
    }
    for &f in indirect_callers {
        edge(f as usize, table);
    }
    for &f in in_table {
        edge(table, f as usize);
    }
    let mut writes: Vec<bool> = writes_itself.to_vec();
    writes.push(false);
    let mut todo: Vec<usize> = (0..n).filter(|&f| writes[f]).collect();
    while let Some(f) = todo.pop() {
        for &c in &callers[f] {
            if !writes[c] {
                writes[c] = true;
                todo.push(c);
            }
        }
    }
    writes.truncate(n);
    writes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writing_is_found_through_direct_and_table_calls() {
        // 0: a writing import; 1: a reading import; 2 calls 0; 3 calls 2; 4 calls 1;
        // 5 calls through the table, which holds 4 and then 2.
        let itself = [true, false, false, false, false, false];
        let calls = [(2, 0), (3, 2), (4, 1)];
        let w = reaches_a_write(&itself, &calls, &[5], &[4]);
        assert_eq!(w, [true, false, true, true, false, false]);
        let w = reaches_a_write(&itself, &calls, &[5], &[4, 2]);
        assert_eq!(w, [true, false, true, true, false, true]);
        // Out-of-range indices (the engine refuses such code anyway) are ignored, not a panic.
        let w = reaches_a_write(&itself, &[(9, 0), (2, 99)], &[], &[77]);
        assert_eq!(w, [true, false, false, false, false, false]);
    }
}
