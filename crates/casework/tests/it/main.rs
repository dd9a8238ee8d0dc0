//! Integration tests of the casework crate (one test binary).
