//! Host functions: native balances and transfers.

use super::*;

pub(super) fn define(l: &mut Linker<HostState>) {
    let m = HOST_MODULE;
    let ok = "host function names are unique";
    l.func_wrap(
        m,
        "balance",
        |mut c: C<'_>, ap: i32, out: i32| -> Result<(), Error> {
            let read_gas = c.data().params.storage_read_gas.0;
            enter(&mut c, read_gas)?;
            let who = Address(read_array::<20>(&c, ap)?);
            let balance = {
                let s = c.data_mut();
                match s.overlay()?.account(&who) {
                    Ok(a) => a.balance,
                    Err(e) => return Err(s.fail(e)),
                }
            };
            write(&mut c, out, &balance.0.to_be_bytes())
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "transfer",
        |mut c: C<'_>, tp: i32, ap: i32| -> Result<i32, Error> {
            let p = c.data().params.clone();
            enter(&mut c, p.storage_write_gas.0.saturating_mul(2))?;
            let to = Address(read_array::<20>(&c, tp)?);
            let amount = Amount(u128::from_be_bytes(read_array::<16>(&c, ap)?));
            let from = c.data().frame()?.contract;
            let s = c.data_mut();
            match invoke::move_value(s.overlay()?, &from, &to, amount) {
                Ok(Ok(())) => Ok(0),
                Ok(Err(Status::InsufficientBalance)) => Ok(1),
                Ok(Err(_)) => Ok(2),
                Err(e) => Err(s.fail(e)),
            }
        },
    )
    .expect(ok);
}
