//! Integration tests of the domain core (one test binary per crate).

mod ident;
