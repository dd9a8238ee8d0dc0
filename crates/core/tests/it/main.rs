//! Integration tests of the domain core (one test binary per crate).

mod codes;
mod common;
mod corrections;
mod describe;
mod forecast;
mod formats;
mod golden;
mod ident;
mod instruments;
mod lazy;
mod norms;
mod person_codes;
mod precedence;
mod props;
mod replay;
mod retirement;
mod rules;
mod sectors;
mod time;
