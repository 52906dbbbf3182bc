//! Error codes. JSON-RPC's own codes (-32700 parse error, -32600 invalid request, -32601 unknown
//! method, -32602 invalid params, -32603 internal) keep their meaning; citychain adds:

use jsonrpsee::types::ErrorObjectOwned;

/// The requested block, transaction or state version does not exist (here).
pub const NOT_FOUND: i32 = -32001;
/// A submitted transaction was rejected; `data` is `{ "code": <stable code>, "message": … }`.
pub const TX_REJECTED: i32 = -32010;
/// The node cannot serve the request right now (starting, overloaded).
pub const UNAVAILABLE: i32 = -32020;
/// Invalid method parameters.
pub const INVALID_PARAMS: i32 = -32602;
/// The node failed internally (storage error); the message says what.
pub const INTERNAL: i32 = -32603;

pub fn not_found(what: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(NOT_FOUND, what.into(), None::<()>)
}

pub fn invalid_params(what: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(INVALID_PARAMS, what.into(), None::<()>)
}

pub fn internal(what: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(INTERNAL, what.into(), None::<()>)
}

pub fn unavailable(what: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(UNAVAILABLE, what.into(), None::<()>)
}

pub fn rejected(code: &str, message: impl Into<String>) -> ErrorObjectOwned {
    let message = message.into();
    ErrorObjectOwned::owned(
        TX_REJECTED,
        format!("transaction rejected: {message}"),
        Some(crate::types::Rejected {
            code: code.into(),
            message,
        }),
    )
}
