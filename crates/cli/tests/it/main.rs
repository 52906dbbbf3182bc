//! End-to-end tests against real `citychain dev`, `citychain node` and `citychain bench`
//! processes.

mod api_bounds;
mod assets;
mod bad_input;
mod certificates;
mod city_economy;
mod cli_failures;
mod contracts;
mod crash;
mod dev_chain;
mod genesis;
mod governance;
mod harness;
mod network;
mod openrpc;
mod public_services;
mod python_client;
mod testnet;
