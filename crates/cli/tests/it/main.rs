//! End-to-end tests against real `citychain dev` processes.

mod bad_input;
mod crash;
mod dev_chain;
mod harness;
mod python_client;
