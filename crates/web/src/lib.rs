//! The web application of bianzhi (编制): server-rendered pages in 简体中文 for
//! the 编办 and unit clerks (网上办理), and a JSON API under `/api/v1` with an
//! OpenAPI document generated from the code.
//!
//! - [`app`]: shared state — the ledger behind a mutex, workflow store, sessions, caches.
//! - [`views`]: view models computed from the ledger as of a date (used by pages and API).
//! - [`apps`]: applications (申请) and their approval into matters.
//! - [`api`]: `/api/v1` handlers and the OpenAPI document.
//! - [`pages`]: HTML pages (askama templates in `templates/`).
//! - [`cases`], [`case_pages`]: the closed loop of institutional matters
//!   (事项办理: 动议 → 论证 → 审议决定 → 组织实施 → 跟踪问效) and the 问题台账.

pub mod admin_pages;
pub mod api;
pub mod apidoc;
pub mod app;
pub mod apps;
pub mod auth;
pub mod case_api;
pub mod case_pages;
pub mod cases;
pub mod charts;
pub mod demo;
mod demo_cases;
pub mod error;
pub mod hardening;
mod index;
pub mod json;
pub mod pages;
pub mod reconciled;
pub mod reports;
pub mod security;
pub mod text;
pub mod tls;
pub mod trace;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;

pub use app::App;
pub use error::WebError;

/// The whole application: pages, static files and the API, behind the
/// hardening layers (the client address, security headers, timeout, body
/// limit, audit of writes), each request in a `tracing` span ([`trace`]).
pub fn router(app: Arc<App>) -> Router {
    use axum::middleware::{from_fn, from_fn_with_state};
    Router::new()
        .nest("/api/v1", api::routes())
        .merge(pages::routes())
        .merge(case_pages::routes())
        .layer(from_fn(hardening::mask_id_numbers))
        .layer(from_fn(hardening::chinese_refusals))
        .layer(from_fn_with_state(app.clone(), hardening::audit_writes))
        .layer(axum::extract::DefaultBodyLimit::max(hardening::BODY_LIMIT))
        .layer(from_fn(hardening::timeout))
        .layer(from_fn(hardening::security_headers))
        .layer(from_fn_with_state(app.clone(), hardening::client))
        .layer(from_fn(trace::request_span))
        .with_state(app)
}

/// How often a server catches up with the database it shares with others
/// (see [`App::catch_up`]).
pub const CATCH_UP_EVERY: Duration = Duration::from_secs(1);

/// Serves plain HTTP until Ctrl-C, catching up every [`CATCH_UP_EVERY`].
pub async fn serve(app: Arc<App>, addr: SocketAddr) -> std::io::Result<()> {
    serve_with(app, addr, CATCH_UP_EVERY).await
}

/// Serves plain HTTP until Ctrl-C, catching up with the shared database
/// every `catch_up_every` (reads on this server lag writes on another by at
/// most that, plus the time of one catch-up).
pub async fn serve_with(
    app: Arc<App>,
    addr: SocketAddr,
    catch_up_every: Duration,
) -> std::io::Result<()> {
    serve_tls(app, addr, catch_up_every, None).await
}

/// Serves until Ctrl-C: HTTPS with the certificate and key of `tls`
/// (reloaded when the files change; requests are marked
/// [`hardening::ServedOverTls`], so cookies get `Secure` and answers HSTS),
/// or plain HTTP without. Catches up as [`serve_with`].
pub async fn serve_tls(
    app: Arc<App>,
    addr: SocketAddr,
    catch_up_every: Duration,
    tls: Option<tls::TlsFiles>,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let served = match tls {
        None => {
            let poller = tokio::spawn(catch_up_loop(app.clone(), catch_up_every));
            let served = axum::serve(
                listener,
                router(app).into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown)
            .await;
            poller.abort();
            served
        }
        Some(files) => {
            // `tap_io` only to get `ConnectInfo<SocketAddr>` for a listener
            // other than a bare `TcpListener`.
            let listener = tls::TlsListener::new(listener, &files)?.tap_io(|_| {});
            let poller = tokio::spawn(catch_up_loop(app.clone(), catch_up_every));
            let served = axum::serve(
                listener,
                router(app)
                    .layer(axum::Extension(hardening::ServedOverTls))
                    .into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown)
            .await;
            poller.abort();
            served
        }
    };
    served
}

/// Calls [`App::catch_up`] periodically, off the async workers (the store
/// is synchronous). A failure is logged once until it clears.
async fn catch_up_loop(app: Arc<App>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tick.tick().await;
        let a = app.clone();
        match tokio::task::spawn_blocking(move || {
            a.flush_denials();
            a.catch_up()
        })
        .await
        {
            Ok(Ok(_)) => failing = false,
            Ok(Err(e)) => {
                if !failing {
                    tracing::error!("catching up with the database failed: {e}");
                }
                failing = true;
            }
            Err(_) => {}
        }
    }
}
