//! Signing in and out (page and API), and changing one's own password. Finding the session of a request is
//! `auth::request`.

pub mod api;
pub mod pages;
pub mod service;
