//! Integration tests of the casework crate (one test binary).

mod applications;
mod assess;
mod calendar;
mod cases;
mod common;
mod preview;
mod problems;
mod scenario;
mod warning;
