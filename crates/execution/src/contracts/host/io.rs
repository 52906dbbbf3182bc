//! Host functions: input, the register, output and revert.

use super::*;

pub(super) fn define(l: &mut Linker<HostState>) {
    let m = HOST_MODULE;
    let ok = "host function names are unique";
    l.func_wrap(m, "input", |mut c: C<'_>| -> Result<i32, Error> {
        let input = c.data().frame()?.input.clone();
        enter(&mut c, input.len() as u64 / 32)?;
        Ok(to_register(&mut c, input))
    })
    .expect(ok);
    l.func_wrap(
        m,
        "read_register",
        |mut c: C<'_>, ptr: i32| -> Result<(), Error> {
            let bytes = std::mem::take(&mut c.data_mut().register);
            enter(&mut c, bytes.len() as u64 / 32)?;
            let result = write(&mut c, ptr, &bytes);
            c.data_mut().register = bytes;
            result
        },
    )
    .expect(ok);
    l.func_wrap(m, "register_len", |mut c: C<'_>| -> Result<i32, Error> {
        enter(&mut c, 0)?;
        Ok(c.data().register.len() as i32)
    })
    .expect(ok);
    l.func_wrap(
        m,
        "set_output",
        |mut c: C<'_>, ptr: i32, len: i32| -> Result<(), Error> {
            enter(&mut c, len.max(0) as u64 / 32)?;
            let max = c.data().params.max_output_bytes as usize;
            let out = read_bounded(&c, ptr, len, max, "output")?;
            if let Some(f) = c.data_mut().frames.last_mut() {
                f.output = out;
            }
            Ok(())
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "revert",
        |mut c: C<'_>, ptr: i32, len: i32| -> Result<(), Error> {
            enter(&mut c, 0)?;
            let max = c.data().params.max_output_bytes as usize;
            let reason = read_bounded(&c, ptr, len, max, "revert reason")?;
            Err(Error::host(Abort::Revert(
                String::from_utf8_lossy(&reason).into_owned(),
            )))
        },
    )
    .expect(ok);
}
