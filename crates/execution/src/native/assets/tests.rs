//! Property and scenario tests of the assets module.
