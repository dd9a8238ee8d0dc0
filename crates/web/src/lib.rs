//! The web application of bianzhi (编制): server-rendered pages in 简体中文 for
//! the 编办 and unit clerks (网上办理), and a JSON API under `/api/v1` with an
//! OpenAPI document generated from the code.
//!
//! - [`app`]: shared state — the ledger behind a mutex, workflow store, sessions, caches.
//! - [`views`]: view models computed from the ledger as of a date (used by pages and API).
//! - [`apps`]: applications (申请) and their approval into matters.
//! - [`api`]: `/api/v1` handlers and the OpenAPI document.
//! - [`pages`]: HTML pages (askama templates in `templates/`).

pub mod api;
pub mod app;
pub mod apps;
pub mod auth;
pub mod charts;
pub mod demo;
pub mod error;
mod index;
pub mod json;
pub mod pages;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;

pub use app::App;
pub use error::WebError;

/// The whole application: pages, static files and the API.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .nest("/api/v1", api::routes())
        .merge(pages::routes())
        .with_state(app)
}

/// Serves until Ctrl-C.
pub async fn serve(app: Arc<App>, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, router(app))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
