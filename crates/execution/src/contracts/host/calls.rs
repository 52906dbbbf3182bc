//! Host functions: calling another contract.

use super::*;

pub(super) fn define(l: &mut Linker<HostState>) {
    let m = HOST_MODULE;
    let ok = "host function names are unique";
    l.func_wrap(
        m,
        "call",
        |mut c: C<'_>,
         ap: i32,
         mp: i32,
         ml: i32,
         argp: i32,
         argl: i32,
         vp: i32,
         gas: i64|
         -> Result<i32, Error> {
            let p = c.data().params.clone();
            let contract = Address(read_array::<20>(&c, ap)?);
            let method = read_bounded(
                &c,
                mp,
                ml,
                citychain_types::transaction::MAX_METHOD_LEN,
                "method name",
            )?;
            let method = String::from_utf8(method).map_err(|_| trap("method name is not UTF-8"))?;
            let args = read_bounded(&c, argp, argl, p.max_value_bytes as usize, "call arguments")?;
            let value = Amount(u128::from_be_bytes(read_array::<16>(&c, vp)?));
            enter(&mut c, p.call_gas.0)?;
            let caller_address = c.data().frame()?.contract;
            // Forward what was asked for (all that is left when 0 or too much).
            let available = c.get_fuel()?;
            let forwarded = match u64::try_from(gas) {
                Ok(g) if g > 0 && g <= available => g,
                _ => available,
            };
            c.set_fuel(forwarded)?;
            let result = invoke::invoke(
                &mut c,
                CallRequest {
                    contract,
                    caller: caller_address,
                    method,
                    input: args,
                    value,
                    deploying: false,
                },
            );
            let left = c.get_fuel()?;
            c.set_fuel(available - forwarded + left)?;
            let (status, data) = match result {
                CallResult::Fatal => return Err(Error::host(Abort::Fatal)),
                CallResult::Done {
                    status,
                    output,
                    reason,
                } => {
                    if status == Status::Success {
                        (status, output)
                    } else {
                        (status, reason.into_bytes())
                    }
                }
            };
            to_register(&mut c, data);
            Ok(i32::from(status.code()))
        },
    )
    .expect(ok);
}
