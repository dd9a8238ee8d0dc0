//! Tests of the registration rules, one module per area.

mod annual;
mod applications;
mod common;
mod materials;
mod register;
mod sanctions;
mod spotcheck;
mod ties;
mod watch;
