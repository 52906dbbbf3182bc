//! Host functions: native assets a contract holds, receives with a call, and moves (under the
//! same transfer rules and freezes as any holder's).

use super::*;
use crate::native::assets::{self, AssetError};
use citychain_types::asset::{AssetId, CollectionId, Value};

/// What `asset_transfer` and `item_transfer` return.
fn code(result: std::result::Result<(), AssetError>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => match e.status() {
            Status::InsufficientBalance => 1,
            Status::AssetFrozen => 2,
            Status::AssetRestricted => 3,
            _ => 4,
        },
    }
}

/// Moves `value` from the calling contract, recording the move's events with the
/// transaction's.
fn move_from_contract(c: &mut C<'_>, to: &Address, value: &Value) -> Result<i32, Error> {
    let from = c.data().frame()?.contract;
    let height = citychain_types::Height(c.data().env()?.height);
    let s = c.data_mut();
    if s.events.len() >= MAX_EVENTS {
        return Err(Error::host(Abort::Trap(format!(
            "more than {MAX_EVENTS} events in one transaction"
        ))));
    }
    let mut events = Vec::with_capacity(1);
    let result = match assets::move_value(s.overlay()?, height, &from, to, value, &mut events) {
        Ok(r) => r,
        Err(e) => return Err(s.fail(e)),
    };
    if result.is_ok() {
        s.events.extend(events);
    }
    Ok(code(result))
}

pub(super) fn define(l: &mut Linker<HostState>) {
    let m = HOST_MODULE;
    let ok = "host function names are unique";
    l.func_wrap(
        m,
        "asset_balance",
        |mut c: C<'_>, asset: i32, holder: i32, out: i32| -> Result<(), Error> {
            let read_gas = c.data().params.storage_read_gas.0;
            enter(&mut c, read_gas)?;
            let asset = AssetId(read_array::<20>(&c, asset)?);
            let holder = Address(read_array::<20>(&c, holder)?);
            let balance = {
                let s = c.data_mut();
                match crate::read::assets::holding(s.overlay()?, &asset, &holder) {
                    Ok(h) => h.balance,
                    Err(e) => return Err(s.fail(e)),
                }
            };
            write(&mut c, out, &balance.0.to_be_bytes())
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "asset_transfer",
        |mut c: C<'_>, asset: i32, to: i32, amount: i32| -> Result<i32, Error> {
            let gas = c.data().params.storage_write_gas.0.saturating_mul(2);
            enter(&mut c, gas)?;
            let value = Value::Token {
                asset: AssetId(read_array::<20>(&c, asset)?),
                amount: Amount(u128::from_be_bytes(read_array::<16>(&c, amount)?)),
            };
            let to = Address(read_array::<20>(&c, to)?);
            if value.amount() == Amount::ZERO {
                return Ok(4);
            }
            move_from_contract(&mut c, &to, &value)
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "item_owner",
        |mut c: C<'_>, collection: i32, item: i64, out: i32| -> Result<i32, Error> {
            let read_gas = c.data().params.storage_read_gas.0;
            enter(&mut c, read_gas)?;
            let collection = CollectionId(read_array::<20>(&c, collection)?);
            let owner = {
                let s = c.data_mut();
                match crate::read::assets::item(s.overlay()?, &collection, item as u64) {
                    Ok(i) => i.map(|i| i.owner).filter(|o| *o != Address::ZERO),
                    Err(e) => return Err(s.fail(e)),
                }
            };
            match owner {
                Some(o) => write(&mut c, out, &o.0).map(|()| 0),
                None => Ok(1),
            }
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "item_transfer",
        |mut c: C<'_>, collection: i32, item: i64, to: i32| -> Result<i32, Error> {
            let gas = c.data().params.storage_write_gas.0.saturating_mul(3);
            enter(&mut c, gas)?;
            let value = Value::Item {
                collection: CollectionId(read_array::<20>(&c, collection)?),
                item: item as u64,
            };
            let to = Address(read_array::<20>(&c, to)?);
            move_from_contract(&mut c, &to, &value)
        },
    )
    .expect(ok);
    l.func_wrap(m, "attached_assets", |mut c: C<'_>| -> Result<i32, Error> {
        enter(&mut c, 0)?;
        // Only the call the transaction made receives the attachment; nested calls see none.
        let attached = if c.data().frames.len() == 1 {
            c.data().env()?.attached.clone()
        } else {
            Vec::new()
        };
        let mut w = citychain_types::codec::Writer::new();
        w.list(&attached, |w, v| {
            w.put(v);
        });
        Ok(to_register(&mut c, w.into_bytes()))
    })
    .expect(ok);
}
