//! The city's applications this binary carries (built from `contracts/` by `build.rs`), and the
//! genesis contracts that deploy them.

use citychain_crypto::{Address, Suite};
use citychain_types::{GenesisContract, codec::Writer, layout};
use serde::Serialize;

/// An application deployed at genesis.
pub struct App {
    /// Its genesis name, which gives its address.
    pub name: &'static str,
    /// The contract crate in `contracts/`.
    pub contract: &'static str,
    /// What it is for.
    pub about: &'static str,
    code: &'static [u8],
    init: fn(Suite) -> Vec<u8>,
}

fn no_init(_: Suite) -> Vec<u8> {
    Vec::new()
}

/// The dev chain's currency-like token: 1,000,000.00 CCR to the admin.
fn city_credit_init(_: Suite) -> Vec<u8> {
    let mut w = Writer::new();
    w.string("City Credit")
        .string("CCR")
        .u8(2)
        .u128(100_000_000);
    w.into_bytes()
}

/// Permits are issued in the genesis certificates registry.
fn permits_init(suite: Suite) -> Vec<u8> {
    layout::genesis_contract_address(suite, "certificates")
        .0
        .to_vec()
}

/// Every application, in deployment order.
pub const APPS: &[App] = &[
    App {
        name: "certificates",
        contract: "certificates",
        about: "e-certificates and licences: registered issuers, selective disclosure",
        code: include_bytes!(concat!(env!("OUT_DIR"), "/certificates.wasm")),
        init: no_init,
    },
    App {
        name: "permits",
        contract: "permits",
        about: "permits through agency routes with time limits, consultation, escalation",
        code: include_bytes!(concat!(env!("OUT_DIR"), "/permits.wasm")),
        init: permits_init,
    },
    App {
        name: "grants",
        contract: "grants",
        about: "funded grant programmes paid by milestone on reviewed evidence",
        code: include_bytes!(concat!(env!("OUT_DIR"), "/grants.wasm")),
        init: no_init,
    },
    App {
        name: "invoices",
        contract: "invoices",
        about: "e-invoices: checked amounts, credit notes, one reimbursement per invoice",
        code: include_bytes!(concat!(env!("OUT_DIR"), "/invoices.wasm")),
        init: no_init,
    },
    App {
        name: "wages",
        contract: "wages",
        about: "construction-wage escrow: payrolls paid straight to workers, disputes",
        code: include_bytes!(concat!(env!("OUT_DIR"), "/wages.wasm")),
        init: no_init,
    },
    App {
        name: "transit",
        contract: "transit",
        about: "transit fare clearing: ride batches with Merkle roots, exact splits",
        code: include_bytes!(concat!(env!("OUT_DIR"), "/transit.wasm")),
        init: no_init,
    },
    App {
        name: "datashare",
        contract: "datashare",
        about: "government data catalogue: requests, approvals, grants, access log",
        code: include_bytes!(concat!(env!("OUT_DIR"), "/datashare.wasm")),
        init: no_init,
    },
    App {
        name: "trace",
        contract: "trace",
        about: "supply-chain traceability: EPCIS-shaped events, custody, lineage, recalls",
        code: include_bytes!(concat!(env!("OUT_DIR"), "/trace.wasm")),
        init: no_init,
    },
    App {
        name: "notary",
        contract: "notary",
        about: "anchors document hashes with submitter and time",
        code: include_bytes!(concat!(env!("OUT_DIR"), "/notary.wasm")),
        init: no_init,
    },
    App {
        name: "approval",
        contract: "approval",
        about: "multi-party approvals that run an action at the threshold",
        code: include_bytes!(concat!(env!("OUT_DIR"), "/approval.wasm")),
        init: no_init,
    },
    App {
        name: "asset-escrow",
        contract: "asset_escrow",
        about: "holds native assets for depositors",
        code: include_bytes!(concat!(env!("OUT_DIR"), "/asset_escrow.wasm")),
        init: no_init,
    },
    App {
        name: "city-credit",
        contract: "token",
        about: "a token with allowances (1,000,000.00 CCR, all to the admin)",
        code: include_bytes!(concat!(env!("OUT_DIR"), "/token.wasm")),
        init: city_credit_init,
    },
];

/// The genesis contracts that deploy every application with `admin`. A binary built without
/// them (no wasm32 target at build time) says so on stderr and starts the chain bare, so that
/// `citychain dev` works on any machine.
pub fn genesis_contracts(suite: Suite, admin: Address) -> Vec<GenesisContract> {
    if APPS.iter().any(|a| a.code.is_empty()) {
        eprintln!(
            "warning: this citychain binary was built without the city applications (the \
             wasm32-unknown-unknown target was missing when it was built); the chain starts \
             without them. To have them: `rustup target add wasm32-unknown-unknown`, rebuild, \
             and start a new chain"
        );
        return Vec::new();
    }
    APPS.iter()
        .map(|a| GenesisContract {
            name: a.name.into(),
            code: a.code.to_vec(),
            init_args: (a.init)(suite),
            admin,
        })
        .collect()
}

/// The code of the contract crate `contract` this binary carries, if it carries it.
pub fn code(contract: &str) -> Option<&'static [u8]> {
    APPS.iter()
        .find(|a| a.contract == contract && !a.code.is_empty())
        .map(|a| a.code)
}

/// A deployed application, as the banners print it.
#[derive(Serialize)]
pub struct Deployed {
    pub name: String,
    /// The contract it runs (a crate in `contracts/`), if this binary carries it.
    pub contract: Option<String>,
    pub address: Address,
    pub about: String,
}

/// The applications a genesis deployed, with their addresses.
pub fn deployed(suite: Suite, contracts: &[GenesisContract]) -> Vec<Deployed> {
    contracts
        .iter()
        .map(|c| {
            let app = APPS.iter().find(|a| a.name == c.name);
            Deployed {
                name: c.name.clone(),
                contract: app.map(|a| a.contract.to_string()),
                address: layout::genesis_contract_address(suite, &c.name),
                about: app.map_or_else(String::new, |a| a.about.to_string()),
            }
        })
        .collect()
}
