//! Integration tests of the grassroots crate (one test binary).

mod catalogue;
mod common;
mod delegation;
mod enforcement;
mod responsible;
mod territory;
