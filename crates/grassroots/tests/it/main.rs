//! Integration tests of the grassroots crate (one test binary).

mod catalogue;
mod common;
mod delegation;
mod enforcement;
mod evaluation;
mod props;
mod responsible;
mod territory;
mod whistle;
mod workorder;
