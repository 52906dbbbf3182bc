//! The chain's own words for what the WASM engine reports.
//!
//! A receipt's reason is hashed into the receipts root, so it must be a function of the block
//! alone. The engine's error texts are not: they can carry process-local identifiers (store ids,
//! addresses) and change between library versions. Every engine error that can reach a receipt
//! goes through here and comes out as a fixed sentence chosen by its kind.

use wasmi::{
    Error, ValType,
    errors::{ErrorKind, InstantiationError},
};
use wasmi_core::TrapCode;

/// Why a module failed to compile or validate.
pub(crate) fn invalid_module(error: &Error) -> String {
    let why = match error.kind() {
        ErrorKind::Read(_) => "the bytes end early or cannot be read",
        ErrorKind::Wasm(_) => {
            "it is not valid WASM, or uses a feature this chain disables (floats, SIMD, threads, \
             64-bit or multiple memories)"
        }
        ErrorKind::Translation(_) | ErrorKind::Ir(_) => "the engine cannot translate its code",
        ErrorKind::UserLimits(_) => {
            "it exceeds a shape limit of this chain (functions, globals, tables, segments, \
             parameters or results; see docs/contracts.md)"
        }
        ErrorKind::ImplementationLimits(_) => "it exceeds a limit of the WASM engine",
        _ => "the engine refuses it",
    };
    format!("invalid module: {why}")
}

/// Why a module that compiled cannot be instantiated.
pub(crate) fn cannot_instantiate(error: &Error) -> String {
    let why = match error.kind() {
        ErrorKind::Instantiation(e) => match e {
            InstantiationError::ElementSegmentDoesNotFit { .. } => {
                "an element segment does not fit its table"
            }
            InstantiationError::UnexpectedStartFn { .. } => "it has a start function",
            InstantiationError::FailedToInstantiateMemory(_)
            | InstantiationError::TooManyMemories => "its memory exceeds the limit",
            InstantiationError::FailedToInstantiateTable(_) | InstantiationError::TooManyTables => {
                "its table exceeds the limit"
            }
            _ => "its imports do not match the host API",
        },
        ErrorKind::Memory(_) => {
            "a data segment does not fit its memory, or the memory exceeds the limit"
        }
        ErrorKind::Table(_) => "its table exceeds the limit",
        ErrorKind::TrapCode(TrapCode::MemoryOutOfBounds) => {
            "a data segment does not fit its memory"
        }
        ErrorKind::TrapCode(TrapCode::TableOutOfBounds) => {
            "an element segment does not fit its table"
        }
        ErrorKind::Linker(_) => "its imports do not match the host API",
        _ => "the engine refuses it",
    };
    format!("the module cannot be instantiated: {why}")
}

/// The reason of a call stopped by the engine (not by the contract or the host API).
pub(crate) fn trapped(error: &Error) -> String {
    let Some(code) = error.as_trap_code() else {
        return match error.kind() {
            ErrorKind::Instantiation(_)
            | ErrorKind::Memory(_)
            | ErrorKind::Table(_)
            | ErrorKind::Linker(_) => cannot_instantiate(error),
            ErrorKind::Fuel(_) => "out of gas".into(),
            _ => "trap: the engine stopped the call".into(),
        };
    };
    let what = match code {
        TrapCode::UnreachableCodeReached => "unreachable code reached",
        TrapCode::MemoryOutOfBounds => "memory access out of bounds",
        TrapCode::TableOutOfBounds => "table access out of bounds",
        TrapCode::IndirectCallToNull => "indirect call to a null table entry",
        TrapCode::IntegerDivisionByZero => "integer division by zero",
        TrapCode::IntegerOverflow => "integer overflow",
        TrapCode::BadConversionToInteger => "invalid conversion to integer",
        TrapCode::StackOverflow => "call stack exhausted (recursion too deep)",
        TrapCode::BadSignature => "indirect call signature mismatch",
        TrapCode::OutOfFuel => "out of gas",
        _ => "the engine stopped the call",
    };
    format!("trap: {what}")
}

/// A function type as `(i32, i32) -> (i32)`, for import errors.
pub(crate) fn function_type(params: &[ValType], results: &[ValType]) -> String {
    let list = |types: &[ValType]| {
        types
            .iter()
            .map(|t| match t {
                ValType::I32 => "i32",
                ValType::I64 => "i64",
                ValType::F32 => "f32",
                ValType::F64 => "f64",
                ValType::V128 => "v128",
                ValType::FuncRef => "funcref",
                ValType::ExternRef => "externref",
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("({}) -> ({})", list(params), list(results))
}
