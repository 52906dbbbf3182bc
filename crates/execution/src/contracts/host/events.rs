//! Host functions: emitting events.

use super::*;

pub(super) fn define(l: &mut Linker<HostState>) {
    let m = HOST_MODULE;
    let ok = "host function names are unique";
    l.func_wrap(
        m,
        "emit",
        |mut c: C<'_>, tp: i32, tl: i32, dp: i32, dl: i32| -> Result<(), Error> {
            let p = c.data().params.clone();
            let topic = read_bounded(&c, tp, tl, MAX_TOPIC_LEN, "event topic")?;
            let data = read_bounded(&c, dp, dl, MAX_EVENT_DATA_LEN, "event data")?;
            enter(
                &mut c,
                byte_cost(p.event_gas, p.event_byte_gas, topic.len() + data.len()),
            )?;
            let topic = String::from_utf8(topic).map_err(|_| trap("event topic is not UTF-8"))?;
            let emitter = c.data().frame()?.contract;
            let s = c.data_mut();
            if s.events.len() >= MAX_EVENTS {
                return Err(trap(format!(
                    "more than {MAX_EVENTS} events in one transaction"
                )));
            }
            s.events.push(Event {
                emitter,
                topic,
                data,
            });
            Ok(())
        },
    )
    .expect(ok);
}
