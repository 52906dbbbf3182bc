//! Contract metadata: what the SDK's macros write into every contract, what the chain finds in
//! the code (which methods can change state), and metadata the chain refuses at deployment.

use citychain_contract_harness::{TestChain, contract_code};
use citychain_execution::contracts::{entry_points, metadata};
use citychain_types::{
    Status,
    metadata::{ContractMetadata, SECTION, Ty, build},
};

/// `code` with one more custom section.
fn with_section(mut code: Vec<u8>, name: &str, data: &[u8]) -> Vec<u8> {
    fn leb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
    let mut body = Vec::new();
    leb(name.len(), &mut body);
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(data);
    code.push(0);
    leb(body.len(), &mut code);
    code.extend_from_slice(&body);
    code
}

fn read(code: &[u8]) -> ContractMetadata {
    metadata::read(code)
        .expect("the metadata is well formed")
        .expect("the code carries metadata")
}

#[test]
fn every_sdk_contract_describes_every_entry_point_event_and_reason() {
    for name in [
        "token",
        "notary",
        "approval",
        "asset_escrow",
        "probe",
        "certificates",
    ] {
        let code = contract_code(name);
        let meta = read(&code);
        assert_eq!(meta.name, name);
        assert_eq!(meta.version, "0.1.0");
        let exported = entry_points(
            &citychain_execution::contracts::Vm::for_params(&Default::default())
                .validate(&code)
                .expect("valid"),
        );
        let described: Vec<&str> = meta.methods.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            described, exported,
            "{name}: every entry point is described"
        );
        assert!(
            meta.methods.iter().all(|m| m.writes.is_some()),
            "{name}: the chain filled in every writes flag"
        );
    }

    let token = read(&contract_code("token"));
    let transfer = token.method("transfer").expect("transfer");
    assert_eq!(
        transfer
            .args
            .iter()
            .map(|a| (a.name.as_str(), a.ty.clone()))
            .collect::<Vec<_>>(),
        [("to", Ty::Address), ("amount", Ty::U128)]
    );
    assert_eq!(
        transfer.returns,
        Ty::Unit,
        "Result<(), Error> outputs nothing"
    );
    let init = token.method("init").expect("init");
    assert_eq!(
        init.doc,
        "Creates the token and gives the whole supply to the deployer."
    );
    assert_eq!(
        token.method("info").expect("info").returns,
        Ty::parse("(String, String, u8, u128)").expect("type")
    );
    let events: Vec<&str> = token.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(events, ["approval", "transfer"]);
    for reason in [
        "balance {} is below {}",
        "allowance {} is below {}",
        "not initialised",
    ] {
        assert!(token.reverts.iter().any(|r| r == reason), "{reason}");
    }
}

#[test]
fn the_chain_finds_which_methods_can_change_state() {
    let writes = |contract: &str, method: &str| {
        read(&contract_code(contract))
            .method(method)
            .unwrap_or_else(|| panic!("{contract}.{method}"))
            .writes
    };
    for (contract, method, expected) in [
        ("token", "balance_of", false),
        ("token", "allowance", false),
        ("token", "info", false),
        ("token", "transfer", true),
        ("token", "approve", true),
        ("notary", "lookup", false),
        ("notary", "count", false),
        ("notary", "anchor", true),
        ("approval", "status", false),
        ("approval", "approve", true),
        ("asset_escrow", "credit", false),
        ("asset_escrow", "withdraw", true),
        // It calls another contract, which may write.
        ("probe", "relay", true),
        ("certificates", "certificate", false),
        ("certificates", "issuer", false),
        ("certificates", "issue", true),
        ("certificates", "revoke", true),
    ] {
        assert_eq!(
            writes(contract, method),
            Some(expected),
            "{contract}.{method}"
        );
    }

    // Through a helper, through the table, or not at all.
    let code = wat::parse_str(
        r#"(module
          (import "citychain" "storage_read" (func $read (param i32 i32) (result i32)))
          (import "citychain" "storage_write" (func $write (param i32 i32 i32 i32)))
          (memory (export "memory") 1)
          (table 2 funcref)
          (elem (i32.const 0) $quiet $store)
          (type $v (func))
          (func $store (call $write (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1)))
          (func $quiet)
          (func (export "reader") (drop (call $read (i32.const 0) (i32.const 1))))
          (func (export "writer") (call $store))
          (func (export "dispatcher") (call_indirect (type $v) (i32.const 0)))
          (func (export "pure")))"#,
    )
    .expect("wat");
    let records = [
        build::contract("shapes", "1.0.0"),
        build::method("reader", "", "()", &[]),
        build::method("writer", "", "()", &[]),
        build::method("dispatcher", "", "()", &[]),
        build::method("pure", "", "()", &[]),
    ]
    .concat();
    let meta = read(&with_section(code, SECTION, &records));
    let flag = |m: &str| meta.method(m).and_then(|m| m.writes);
    assert_eq!(flag("reader"), Some(false));
    assert_eq!(flag("writer"), Some(true));
    assert_eq!(flag("dispatcher"), Some(true), "the table holds a writer");
    assert_eq!(flag("pure"), Some(false));
}

#[test]
fn malformed_metadata_is_refused_at_deployment_and_nothing_is_deployed() {
    let bare = wat::parse_str(r#"(module (memory (export "memory") 1) (func (export "f")))"#)
        .expect("wat");
    let ok = [
        build::contract("bare", "1.0.0"),
        build::method("f", "", "()", &[]),
    ]
    .concat();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "garbage",
            with_section(bare.clone(), SECTION, b"\x07garbage"),
            "103 fields; at most 66",
        ),
        (
            "no contract record",
            with_section(bare.clone(), SECTION, &build::method("f", "", "()", &[])),
            "no contract record",
        ),
        (
            "a method the code lacks",
            with_section(
                bare.clone(),
                SECTION,
                &[ok.clone(), build::method("ghost", "", "()", &[])].concat(),
            ),
            "does not export",
        ),
        (
            "two sections",
            with_section(with_section(bare.clone(), SECTION, &ok), SECTION, &ok),
            "two citychain:metadata sections",
        ),
        (
            "a type that does not parse",
            with_section(
                bare.clone(),
                SECTION,
                &[
                    build::contract("bare", "1.0.0"),
                    build::method("f", "", "Vec<", &[]),
                ]
                .concat(),
            ),
            "method f returns",
        ),
    ];
    for (name, code, why) in cases {
        let mut chain = TestChain::new();
        let next = chain.next_contract_address(0);
        let receipt = chain.deploy(0, &code, &[]).expect_err(name);
        assert_eq!(
            receipt.status,
            Status::InvalidCode,
            "{name}: {}",
            receipt.reason
        );
        assert!(
            receipt.reason.contains("metadata") && receipt.reason.contains(why),
            "{name}: {:?} does not say {why:?}",
            receipt.reason
        );
        let q = chain.query(&chain.address(0), &next, "f", &[]);
        assert_eq!(
            q.status,
            Status::ContractNotFound,
            "{name}: nothing deployed"
        );
    }

    // The same module with well-formed metadata, or none, deploys.
    let mut chain = TestChain::new();
    chain
        .deploy(0, &with_section(bare.clone(), SECTION, &ok), &[])
        .expect("well-formed metadata deploys");
    chain.deploy(0, &bare, &[]).expect("no metadata deploys");
}
