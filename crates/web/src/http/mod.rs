//! What every feature shares on the HTTP side: errors answered as pages or
//! JSON, extractors (the signed-in user, query and path parameters, forms,
//! JSON bodies), page layout and rendering, CSRF, the blocking helper, the
//! middleware (hardening, request spans) and TLS.

pub mod assets;
pub mod blocking;
pub mod client;
pub mod error;
pub mod extract;
pub mod form;
pub mod hardening;
pub mod json;
pub mod page;
pub mod params;
pub mod table;
pub mod text;
pub mod tls;
pub mod trace;
pub mod upload;
