//! Signing in and out (page and API), and finding the session of a request
//! (cookie or `Authorization: Bearer` token).

pub mod api;
pub mod pages;
pub mod service;
