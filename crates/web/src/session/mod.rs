//! Signing in and out (page and API). Finding the session of a request is
//! `auth::request`.

pub mod api;
pub mod pages;
