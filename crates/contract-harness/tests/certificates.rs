//! The e-certificates registry (`contracts/certificates`): agencies registered by the admin
//! issue certificates that commit to salted hashes of their fields; holders disclose fields one
//! by one; issuers suspend, reinstate, revoke and renew; transferable types change holder. Every
//! abuse is refused with a reason and changes nothing.

use citychain_contract_harness::{TestChain, args, contract_code};
use citychain_types::{Address, Status, codec::Reader};

/// `H(salt || u32 len || name || u32 len || value)`: what the issuer commits to per field.
fn commitment(chain: &TestChain, salt: &[u8; 32], name: &str, value: &str) -> [u8; 32] {
    let bytes = args(|w| {
        w.raw(salt).string(name).string(value);
    });
    chain.suite().hash(&bytes).0
}

struct Cert {
    issuer: Address,
    holder: Address,
    type_id: String,
    valid_until_ms: u64,
    status: u8,
    reason: String,
    fields: Vec<(String, [u8; 32])>,
}

fn certificate(chain: &TestChain, registry: &Address, id: u64) -> Option<Cert> {
    let q = chain.query(
        &chain.address(0),
        registry,
        "certificate",
        &id.to_be_bytes(),
    );
    assert_eq!(q.status, Status::Success, "{}", q.reason);
    let mut r = Reader::new(&q.output);
    if r.u8("option").expect("tag") == 0 {
        return None;
    }
    let issuer = Address(r.array("issuer").expect("issuer"));
    let holder = Address(r.array("holder").expect("holder"));
    let type_id = r.string("type", 64).expect("type");
    let _issued_at = r.u64("issued").expect("issued");
    let _from = r.u64("from").expect("from");
    let valid_until_ms = r.u64("until").expect("until");
    let status = r.u8("status").expect("status");
    let reason = r.string("reason", 256).expect("reason");
    let _changed = r.u64("changed").expect("changed");
    let fields = r
        .list("fields", 32, |r| {
            Ok((r.string("name", 64)?, r.array::<32>("commitment")?))
        })
        .expect("fields");
    r.finish("certificate").expect("nothing left");
    Some(Cert {
        issuer,
        holder,
        type_id,
        valid_until_ms,
        status,
        reason,
        fields,
    })
}

/// A registry deployed by alice (its admin), bob registered as an issuer with the types
/// `degree` (not transferable) and `parking-space` (transferable).
fn registry() -> (TestChain, Address) {
    let mut chain = TestChain::new();
    let registry = chain
        .deploy(0, &contract_code("certificates"), &[])
        .unwrap_or_else(|r| panic!("deploys: {r:?}"));
    let bob = chain.address(1);
    let r = chain.call(
        0,
        &registry,
        "register_issuer",
        &args(|w| {
            w.raw(&bob.0).string("Municipal Education Bureau");
        }),
        0,
    );
    assert!(r.is_success(), "{}", r.reason);
    for (type_id, transferable) in [("degree", false), ("parking-space", true)] {
        let r = chain.call(
            1,
            &registry,
            "define_type",
            &args(|w| {
                w.string(type_id).string(type_id).bool(transferable);
            }),
            0,
        );
        assert!(r.is_success(), "{}", r.reason);
    }
    (chain, registry)
}

fn issue_args(holder: &Address, type_id: &str, fields: &[(&str, [u8; 32])]) -> Vec<u8> {
    args(|w| {
        w.raw(&holder.0)
            .string(type_id)
            .u64(1_000)
            .u64(9_000_000_000_000)
            .list(fields, |w, (n, c)| {
                w.string(n).raw(c);
            });
    })
}

#[test]
fn a_degree_is_issued_disclosed_field_by_field_suspended_renewed_and_revoked() {
    let (mut chain, registry) = registry();
    let carol = chain.address(2);
    let salts = [[1u8; 32], [2u8; 32], [3u8; 32]];
    let values = [
        ("name", "Carol Chen"),
        ("degree", "BSc Civil Engineering"),
        ("grade", "first"),
    ];
    let fields: Vec<(&str, [u8; 32])> = values
        .iter()
        .zip(&salts)
        .map(|((n, v), s)| (*n, commitment(&chain, s, n, v)))
        .collect();
    let r = chain.call(
        1,
        &registry,
        "issue",
        &issue_args(&carol, "degree", &fields),
        0,
    );
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(
        r.output,
        0u64.to_be_bytes(),
        "the first certificate is id 0"
    );
    assert_eq!(r.events[0].topic, "issued");

    let cert = certificate(&chain, &registry, 0).expect("issued");
    assert_eq!((cert.issuer, cert.holder), (chain.address(1), carol));
    assert_eq!(cert.type_id, "degree");
    assert_eq!(cert.status, 0);
    // Carol discloses only her degree: its salt and value match the stored commitment, and a
    // changed value does not.
    let (name, stored) = &cert.fields[1];
    assert_eq!(name, "degree");
    assert_eq!(
        *stored,
        commitment(&chain, &salts[1], "degree", "BSc Civil Engineering")
    );
    assert_ne!(
        *stored,
        commitment(&chain, &salts[1], "degree", "MSc Civil Engineering")
    );

    // A degree does not change holder.
    let r = chain.call(
        2,
        &registry,
        "transfer",
        &args(|w| {
            w.u64(0).raw(&chain.address(3).0);
        }),
        0,
    );
    assert_eq!(r.status, Status::Reverted);
    assert!(r.reason.contains("cannot change holder"), "{}", r.reason);

    // Suspended, reinstated, renewed, revoked; revoked is final.
    let call = |chain: &mut TestChain, from: usize, method: &str, a: Vec<u8>| {
        chain.call(from, &registry, method, &a, 0)
    };
    let r = call(
        &mut chain,
        1,
        "suspend",
        args(|w| {
            w.u64(0).string("under review");
        }),
    );
    assert!(r.is_success(), "{}", r.reason);
    let cert = certificate(&chain, &registry, 0).expect("there");
    assert_eq!((cert.status, cert.reason.as_str()), (1, "under review"));
    let r = call(&mut chain, 1, "reinstate", 0u64.to_be_bytes().to_vec());
    assert!(r.is_success(), "{}", r.reason);
    let r = call(
        &mut chain,
        1,
        "renew",
        args(|w| {
            w.u64(0).u64(9_500_000_000_000);
        }),
    );
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(
        certificate(&chain, &registry, 0)
            .expect("there")
            .valid_until_ms,
        9_500_000_000_000
    );
    let r = call(
        &mut chain,
        1,
        "revoke",
        args(|w| {
            w.u64(0).string("issued in error");
        }),
    );
    assert!(r.is_success(), "{}", r.reason);
    let cert = certificate(&chain, &registry, 0).expect("there");
    assert_eq!((cert.status, cert.reason.as_str()), (2, "issued in error"));
    for (method, a) in [
        ("reinstate", 0u64.to_be_bytes().to_vec()),
        (
            "renew",
            args(|w| {
                w.u64(0).u64(9_900_000_000_000);
            }),
        ),
        (
            "suspend",
            args(|w| {
                w.u64(0).string("again");
            }),
        ),
    ] {
        let r = call(&mut chain, 1, method, a);
        assert_eq!(r.status, Status::Reverted, "{method}");
    }
}

#[test]
fn a_transferable_certificate_changes_holder_only_by_its_holder() {
    let (mut chain, registry) = registry();
    let (carol, dave) = (chain.address(2), chain.address(3));
    let fields = [("space", commitment(&chain, &[9; 32], "space", "P2-017"))];
    let r = chain.call(
        1,
        &registry,
        "issue",
        &issue_args(&carol, "parking-space", &fields),
        0,
    );
    assert!(r.is_success(), "{}", r.reason);
    let give = |to: &Address| {
        args(|w| {
            w.u64(0).raw(&to.0);
        })
    };
    let r = chain.call(3, &registry, "transfer", &give(&dave), 0);
    assert!(
        r.reason.contains("only certificate 0's holder"),
        "{}",
        r.reason
    );
    let r = chain.call(2, &registry, "transfer", &give(&dave), 0);
    assert!(r.is_success(), "{}", r.reason);
    assert_eq!(
        certificate(&chain, &registry, 0).expect("there").holder,
        dave
    );
    assert_eq!(r.events[0].topic, "transferred");
}

#[test]
fn abuse_is_refused_with_a_reason_and_changes_nothing() {
    let (mut chain, registry) = registry();
    let carol = chain.address(2);
    let field = [("name", [7u8; 32])];
    let ok_issue = issue_args(&carol, "degree", &field);
    let r = chain.call(1, &registry, "issue", &ok_issue, 0);
    assert!(r.is_success(), "{}", r.reason);
    let before = certificate(&chain, &registry, 0).expect("issued").fields;

    let dave = chain.address(3);
    let cases: Vec<(usize, &str, Vec<u8>, &str)> = vec![
        // Carol is not a registered issuer.
        (2, "issue", ok_issue.clone(), "is not a registered issuer"),
        // Only the admin registers issuers.
        (
            1,
            "register_issuer",
            args(|w| {
                w.raw(&dave.0).string("Fake Bureau");
            }),
            "only the registry's admin",
        ),
        // Bob is registered already.
        (
            0,
            "register_issuer",
            args(|w| {
                w.raw(&chain.address(1).0).string("again");
            }),
            "registered already",
        ),
        // A type bob never defined.
        (
            1,
            "issue",
            issue_args(&carol, "pilot-licence", &field),
            "defines no type pilot-licence",
        ),
        // Fields: none, twice the same name, too many.
        (
            1,
            "issue",
            issue_args(&carol, "degree", &[]),
            "1 to 32 fields",
        ),
        (
            1,
            "issue",
            issue_args(&carol, "degree", &[("a", [1; 32]), ("a", [2; 32])]),
            "field a appears twice",
        ),
        (
            1,
            "issue",
            issue_args(
                &carol,
                "degree",
                &(0..33).map(|_| ("x", [0u8; 32])).collect::<Vec<_>>(),
            ),
            "1 to 32 fields",
        ),
        // Validity that ends before it starts.
        (
            1,
            "issue",
            args(|w| {
                w.raw(&carol.0)
                    .string("degree")
                    .u64(5)
                    .u64(5)
                    .list(&field, |w, (n, c)| {
                        w.string(n).raw(c);
                    });
            }),
            "must end after it starts",
        ),
        // Another issuer's certificate, or none.
        (
            0,
            "revoke",
            args(|w| {
                w.u64(0).string("mine now");
            }),
            "only certificate 0's issuer",
        ),
        (
            1,
            "revoke",
            args(|w| {
                w.u64(42).string("gone");
            }),
            "no certificate 42",
        ),
        // A revocation needs a reason.
        (
            1,
            "revoke",
            args(|w| {
                w.u64(0).string("");
            }),
            "a reason of 1 to 256 bytes",
        ),
        // A renewal that shortens.
        (
            1,
            "renew",
            args(|w| {
                w.u64(0).u64(2_000);
            }),
            "must end later than",
        ),
        // Garbage arguments.
        (1, "issue", vec![1, 2, 3], "cannot decode argument"),
    ];
    for (from, method, a, why) in cases {
        let root = chain.state_root();
        let r = chain.call(from, &registry, method, &a, 0);
        assert_eq!(r.status, Status::Reverted, "{method}: {}", r.reason);
        assert!(
            r.reason.contains(why),
            "{method}: {:?} does not say {why:?}",
            r.reason
        );
        assert_ne!(
            chain.state_root(),
            root,
            "the failed call still paid its nonce"
        );
        let count = chain.query(&chain.address(0), &registry, "count", &[]);
        assert_eq!(
            count.output,
            1u64.to_be_bytes(),
            "{method} issued something"
        );
        let cert = certificate(&chain, &registry, 0).expect("still there");
        assert_eq!(
            (cert.status, &cert.fields),
            (0, &before),
            "{method} changed the certificate"
        );
    }
    assert!(
        certificate(&chain, &registry, 1).is_none(),
        "nothing else was issued"
    );

    // A retired issuer issues no more; what it issued stays valid.
    let r = chain.call(
        0,
        &registry,
        "retire_issuer",
        &args(|w| {
            w.raw(&chain.address(1).0)
                .string("merged into another bureau");
        }),
        0,
    );
    assert!(r.is_success(), "{}", r.reason);
    let r = chain.call(1, &registry, "issue", &ok_issue, 0);
    assert!(r.reason.contains("is retired"), "{}", r.reason);
    assert_eq!(certificate(&chain, &registry, 0).expect("there").status, 0);
}
