//! Host functions: who is calling, with what value, in which block, with how much gas left.

use super::*;

pub(super) fn define(l: &mut Linker<HostState>) {
    let m = HOST_MODULE;
    let ok = "host function names are unique";
    l.func_wrap(m, "caller", |mut c: C<'_>, ptr: i32| -> Result<(), Error> {
        enter(&mut c, 0)?;
        let a = c.data().frame()?.caller;
        write(&mut c, ptr, &a.0)
    })
    .expect(ok);
    l.func_wrap(m, "origin", |mut c: C<'_>, ptr: i32| -> Result<(), Error> {
        enter(&mut c, 0)?;
        let a = c.data().env()?.origin;
        write(&mut c, ptr, &a.0)
    })
    .expect(ok);
    l.func_wrap(
        m,
        "self_address",
        |mut c: C<'_>, ptr: i32| -> Result<(), Error> {
            enter(&mut c, 0)?;
            let a = c.data().frame()?.contract;
            write(&mut c, ptr, &a.0)
        },
    )
    .expect(ok);
    l.func_wrap(m, "value", |mut c: C<'_>, ptr: i32| -> Result<(), Error> {
        enter(&mut c, 0)?;
        let v = c.data().frame()?.value;
        write(&mut c, ptr, &v.0.to_be_bytes())
    })
    .expect(ok);
    l.func_wrap(m, "block_height", |mut c: C<'_>| -> Result<i64, Error> {
        enter(&mut c, 0)?;
        Ok(c.data().env()?.height as i64)
    })
    .expect(ok);
    l.func_wrap(m, "block_time", |mut c: C<'_>| -> Result<i64, Error> {
        enter(&mut c, 0)?;
        Ok(c.data().env()?.timestamp_ms as i64)
    })
    .expect(ok);
    l.func_wrap(m, "gas_left", |mut c: C<'_>| -> Result<i64, Error> {
        enter(&mut c, 0)?;
        Ok(c.get_fuel()? as i64)
    })
    .expect(ok);
}
