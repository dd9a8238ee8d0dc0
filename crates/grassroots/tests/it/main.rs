//! Integration tests of the grassroots crate (one test binary).

mod catalogue;
mod common;
mod responsible;
mod territory;
