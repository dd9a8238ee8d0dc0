//! The web application of bianzhi (编制): server-rendered pages in 简体中文 for
//! the 编办 and unit clerks (网上办理), and a JSON API under `/api/v1` with an
//! OpenAPI document generated from the code.
//!
//! - [`app`]: shared state — the ledger behind a mutex, workflow store, sessions, caches.
//! - [`views`]: view models computed from the ledger as of a date (used by pages and API).
//! - [`apps`]: applications (申请) and their approval into matters.
//! - [`api`]: `/api/v1` handlers and the OpenAPI document.
//! - [`pages`]: HTML pages (askama templates in `templates/`).

pub mod admin_pages;
pub mod api;
pub mod app;
pub mod apps;
pub mod auth;
pub mod charts;
pub mod demo;
pub mod error;
pub mod hardening;
mod index;
pub mod json;
pub mod pages;
pub mod security;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;

pub use app::App;
pub use error::WebError;

/// The whole application: pages, static files and the API, behind the
/// hardening layers (audit of writes, timeout, body limit, security headers).
pub fn router(app: Arc<App>) -> Router {
    use axum::middleware::{from_fn, from_fn_with_state};
    Router::new()
        .nest("/api/v1", api::routes())
        .merge(pages::routes())
        .layer(from_fn_with_state(app.clone(), hardening::audit_writes))
        .layer(axum::extract::DefaultBodyLimit::max(hardening::BODY_LIMIT))
        .layer(from_fn(hardening::timeout))
        .layer(from_fn(hardening::security_headers))
        .with_state(app)
}

/// Serves until Ctrl-C.
pub async fn serve(app: Arc<App>, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
