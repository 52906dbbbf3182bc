//! Host functions: hashing and signature checks.

use super::*;

pub(super) fn define(l: &mut Linker<HostState>) {
    let m = HOST_MODULE;
    let ok = "host function names are unique";
    l.func_wrap(
        m,
        "hash",
        |mut c: C<'_>, ptr: i32, len: i32, out: i32| -> Result<(), Error> {
            let p = c.data().params.clone();
            let data = read_bounded(&c, ptr, len, p.max_value_bytes as usize, "hash input")?;
            enter(&mut c, byte_cost(p.hash_gas, p.hash_byte_gas, data.len()))?;
            let h = c.data().env()?.suite.hash(&data);
            write(&mut c, out, &h.0)
        },
    )
    .expect(ok);
    l.func_wrap(
        m,
        "verify",
        |mut c: C<'_>, kp: i32, kl: i32, mp: i32, ml: i32, sp: i32| -> Result<i32, Error> {
            let p = c.data().params.clone();
            let key = read_bounded(&c, kp, kl, 64, "public key")?;
            let msg = read_bounded(&c, mp, ml, p.max_value_bytes as usize, "signed message")?;
            let sig = read_array::<SIGNATURE_LEN>(&c, sp)?;
            enter(&mut c, byte_cost(p.verify_gas, p.hash_byte_gas, msg.len()))?;
            let Ok(key) = PublicKey::decode(&key) else {
                return Ok(0);
            };
            Ok(i32::from(key.verify(
                CONTRACT_MESSAGE_NAMESPACE,
                &msg,
                &Sig(sig),
            )))
        },
    )
    .expect(ok);
}
