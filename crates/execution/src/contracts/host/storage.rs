//! Host functions: the contract's own storage.

use super::*;

pub(super) fn define(l: &mut Linker<HostState>) {
    let m = HOST_MODULE;
    let ok = "host function names are unique";
    l.func_wrap(
        m,
        "storage_read",
        |mut c: C<'_>, kp: i32, kl: i32| -> Result<i32, Error> {
            let p = c.data().params.clone();
            let key = read_bounded(&c, kp, kl, p.max_key_bytes as usize, "storage key")?;
            let contract = c.data().frame()?.contract;
            let value = {
                let s = c.data_mut();
                match s
                    .overlay()?
                    .get(&layout::contract_storage_key(&contract, &key))
                {
                    Ok(v) => v,
                    Err(e) => return Err(s.fail(e)),
                }
            };
            let len = value.as_ref().map_or(0, Vec::len);
            enter(
                &mut c,
                byte_cost(p.storage_read_gas, p.storage_read_byte_gas, key.len() + len),
            )?;
            Ok(match value {
                None => -1,
                Some(v) => to_register(&mut c, v),
            })
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "storage_write",
        |mut c: C<'_>, kp: i32, kl: i32, vp: i32, vl: i32| -> Result<(), Error> {
            let p = c.data().params.clone();
            let key = read_bounded(&c, kp, kl, p.max_key_bytes as usize, "storage key")?;
            let value = read_bounded(&c, vp, vl, p.max_value_bytes as usize, "storage value")?;
            enter(
                &mut c,
                byte_cost(
                    p.storage_write_gas,
                    p.storage_write_byte_gas,
                    key.len() + value.len(),
                ),
            )?;
            let contract = c.data().frame()?.contract;
            c.data_mut()
                .overlay()?
                .set(layout::contract_storage_key(&contract, &key), value);
            Ok(())
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "storage_remove",
        |mut c: C<'_>, kp: i32, kl: i32| -> Result<(), Error> {
            let p = c.data().params.clone();
            let key = read_bounded(&c, kp, kl, p.max_key_bytes as usize, "storage key")?;
            enter(
                &mut c,
                byte_cost(p.storage_write_gas, p.storage_write_byte_gas, key.len()),
            )?;
            let contract = c.data().frame()?.contract;
            c.data_mut()
                .overlay()?
                .remove(layout::contract_storage_key(&contract, &key));
            Ok(())
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "storage_next",
        |mut c: C<'_>, pp: i32, pl: i32, ap: i32, al: i32| -> Result<i32, Error> {
            let p = c.data().params.clone();
            let prefix = read_bounded(&c, pp, pl, p.max_key_bytes as usize, "storage prefix")?;
            let after = if al == -1 {
                None
            } else {
                Some(read_bounded(
                    &c,
                    ap,
                    al,
                    p.max_key_bytes as usize,
                    "storage key",
                )?)
            };
            enter(&mut c, p.storage_read_gas.0)?;
            let contract = c.data().frame()?.contract;
            let full_prefix = layout::contract_storage_key(&contract, &prefix);
            let full_after = after.map(|a| layout::contract_storage_key(&contract, &a));
            // Every deletion of this block stepped over is paid for; the scan stops where the
            // gas left would run out.
            let step = p.storage_step_gas.0.max(1);
            let max_skips = c.get_fuel()? / step;
            let scan = {
                let s = c.data_mut();
                match s
                    .overlay()?
                    .scan(&full_prefix, full_after.as_deref(), max_skips)
                {
                    Ok(v) => v,
                    Err(e) => return Err(s.fail(e)),
                }
            };
            charge(&mut c, scan.skipped.saturating_mul(step))?;
            if !scan.complete {
                charge(&mut c, step)?;
            }
            let Some((key, value)) = scan.found else {
                return Ok(-1);
            };
            let key = &key[21..];
            enter(
                &mut c,
                p.storage_read_byte_gas
                    .0
                    .saturating_mul((key.len() + value.len()) as u64),
            )?;
            let mut out = Vec::with_capacity(4 + key.len() + value.len());
            out.extend_from_slice(&(key.len() as u32).to_be_bytes());
            out.extend_from_slice(key);
            out.extend_from_slice(&value);
            Ok(to_register(&mut c, out))
        },
    )
    .expect(ok);
}
