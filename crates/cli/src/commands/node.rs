//! `citychain node`: run one node of a network from its configuration file.

use citychain_node::config::NodeFile;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct NodeArgs {
    /// The node's configuration file (TOML; see docs/deploy.md).
    #[arg(long)]
    config: PathBuf,
}

pub fn run(args: NodeArgs, json: bool) -> anyhow::Result<()> {
    super::init_logging();
    let file = NodeFile::read(&args.config).map_err(anyhow::Error::msg)?;
    let config = file
        .load(super::prompt_passphrase)
        .map_err(anyhow::Error::msg)?;
    citychain_node::run(config, move |ready| {
        if json {
            println!("{}", serde_json::json!({ "rpc_url": format!("http://{}", ready.rpc_addr), "height": ready.height.0, "genesis_hash": ready.genesis_hash }));
        } else {
            println!("node ready: API at http://{} (height {}, genesis {})", ready.rpc_addr, ready.height, ready.genesis_hash);
        }
    })
    .map_err(anyhow::Error::msg)
}
