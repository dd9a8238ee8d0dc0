//! The web application of bianzhi (编制): server-rendered pages in 简体中文 for
//! the 编办 and unit clerks (网上办理), and a JSON API under `/api/v1` with an
//! OpenAPI document generated from the code.
//!
//! Organised by feature; a feature's folder holds its pages (`pages.rs`),
//! API (`api.rs`), view models (`views.rs`) and service (`service.rs`):
//!
//! - [`overview`] 总览 · [`units`] 机构 · [`people`] 人员 · [`plans`] 用编计划 ·
//!   [`matters`] 事项 · [`applications`] 申请 · [`cases`] 事项办理与问题台账 ·
//!   [`reports`] 报表与名单比对 · [`statistics`] 统计年报（上报格式） ·
//!   [`admin`] 三员 · [`session`] 登录.
//!
//! Shared by all: [`http`] (errors, extractors, layout, middleware), [`auth`]
//! (users, roles, passwords), [`state`] (the application state), [`ledger`]
//! (what every ledger feature shows), [`openapi`] (the document's
//! refinements). The first administrator is made by [`bootstrap`]; the demo's
//! accounts and data by [`demo`], only on a ledger marked as the demo.
//!
//! This file is the one place routes are composed: every feature exposes
//! `pages::routes()` and (for the API) `api::routes()`, whose paths and
//! OpenAPI operations come from the same `utoipa_axum::routes!` lists.

pub mod admin;
pub mod applications;
pub mod auth;
pub mod bootstrap;
pub mod cases;
pub mod demo;
pub mod forecast;
pub mod grassroots;
pub mod hotline;
pub mod http;
pub mod instruments;
pub mod ledger;
pub mod matters;
pub mod norms;
pub mod openapi;
pub mod opform;
pub mod overview;
pub mod people;
pub mod plans;
mod prelude;
pub mod registration;
pub mod reports;
pub mod scenarios;
pub mod session;
pub mod state;
pub mod statistics;
pub mod units;
pub mod whistles;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::any;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;

pub use crate::bootstrap::prepare;
pub use crate::http::error::WebError;
use crate::http::{hardening, tls, trace};
pub use crate::state::{App, AppState};

/// The API: every feature's routes under `/api/v1`, with their OpenAPI
/// operations.
pub fn api() -> OpenApiRouter<AppState> {
    openapi::routes()
        .merge(session::api::routes())
        .merge(overview::api::routes())
        .merge(units::api::routes())
        .merge(people::api::routes())
        .merge(plans::api::routes())
        .merge(matters::api::routes())
        .merge(applications::api::routes())
        .merge(cases::api::routes())
        .merge(scenarios::api::routes())
        .merge(forecast::api::routes())
        .merge(norms::api::routes())
        .merge(reports::api::routes())
        .merge(statistics::api::routes())
        .merge(registration::api::routes())
        .merge(grassroots::api::routes())
        .merge(admin::api::routes())
}

/// The pages (and the files they load).
fn pages() -> Router<AppState> {
    Router::new()
        .merge(http::assets::routes())
        .merge(session::pages::routes())
        .merge(overview::pages::routes())
        .merge(units::pages::routes())
        .merge(people::pages::routes())
        .merge(plans::pages::routes())
        .merge(instruments::pages::routes())
        .merge(matters::pages::routes())
        .merge(applications::pages::routes())
        .merge(cases::pages::routes())
        .merge(scenarios::pages::routes())
        .merge(forecast::pages::routes())
        .merge(norms::pages::routes())
        .merge(reports::pages::routes())
        .merge(reports::reconcile::routes())
        .merge(statistics::pages::routes())
        .merge(registration::pages::routes())
        .merge(registration::public::routes())
        .merge(grassroots::pages::routes())
        .merge(grassroots::delegations::routes())
        .merge(grassroots::enforcement::routes())
        .merge(whistles::pages::routes())
        .merge(hotline::pages::routes())
        .merge(admin::pages::routes())
        .fallback(http::page::not_found)
}

/// The OpenAPI document (what `docs/openapi.json` holds).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api().into_openapi();
    openapi::refine(&mut doc);
    doc
}

/// The OpenAPI document as pretty JSON.
pub fn openapi_text() -> String {
    text_of(&openapi())
}

fn text_of(doc: &utoipa::openapi::OpenApi) -> String {
    let mut s = doc.to_pretty_json().expect("the document serialises");
    s.push('\n');
    s
}

/// The whole application: pages, static files and the API, behind the
/// hardening layers (the client address, security headers, timeout, body
/// limit, audit of writes), each request in a `tracing` span ([`trace`]).
pub fn router(app: Arc<App>) -> Router {
    use axum::middleware::{from_fn, from_fn_with_state};
    let (api, mut doc) = api().split_for_parts();
    openapi::refine(&mut doc);
    openapi::publish(text_of(&doc));
    Router::new()
        .merge(api)
        .route("/api/v1", any(openapi::api_not_found))
        .route("/api/v1/{*rest}", any(openapi::api_not_found))
        .merge(pages())
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
/// [`http::client::ServedOverTls`], so cookies get `Secure` and answers HSTS),
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
            let watching = Watching::start(app.clone());
            let served = axum::serve(
                listener,
                router(app).into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown)
            .await;
            poller.abort();
            drop(watching);
            served
        }
        Some(files) => {
            // `tap_io` only to get `ConnectInfo<SocketAddr>` for a listener
            // other than a bare `TcpListener`.
            let listener = tls::TlsListener::new(listener, &files)?.tap_io(|_| {});
            let poller = tokio::spawn(catch_up_loop(app.clone(), catch_up_every));
            let watching = Watching::start(app.clone());
            let served = axum::serve(
                listener,
                router(app)
                    .layer(axum::Extension(http::client::ServedOverTls))
                    .into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown)
            .await;
            poller.abort();
            drop(watching);
            served
        }
    };
    served
}

/// How long the watcher waits at a time before looking whether the server
/// is stopping.
const WATCH_SLICE: Duration = Duration::from_millis(500);

/// On a backend that announces changes (PostgreSQL `LISTEN/NOTIFY`), a
/// thread of its own waits for another server's announcement — a matter
/// recorded, a session ended — and catches up at once, so a write on one
/// server is visible on the others within milliseconds; the periodic
/// [`catch_up_loop`] stays as the fallback. Stops when dropped.
struct Watching {
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Watching {
    fn start(app: Arc<App>) -> Option<Watching> {
        let first = match app.db().store().watcher() {
            Ok(Some(w)) => w,
            Ok(None) => return None,
            Err(e) => {
                tracing::error!("listening for other servers' changes failed: {e}");
                return None;
            }
        };
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let spawned = std::thread::Builder::new()
            .name("bianzhi-watch".into())
            .spawn(move || watch(app, first, &stopping));
        if let Err(e) = spawned {
            tracing::error!("listening for other servers' changes failed: {e}");
            return None;
        }
        Some(Watching { stop })
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The watcher thread: wait, catch up, repeat; after a failure (the
/// connection dropped) listen again once a second, relying on the poll
/// meanwhile.
fn watch(
    app: Arc<App>,
    mut watcher: Box<dyn bianzhi_store::Watcher>,
    stop: &std::sync::atomic::AtomicBool,
) {
    use std::sync::atomic::Ordering;
    while !stop.load(Ordering::Relaxed) {
        match watcher.wait(WATCH_SLICE) {
            Ok(false) => {}
            Ok(true) => {
                if let Err(e) = app.catch_up() {
                    tracing::error!("catching up with the database failed: {e}");
                }
            }
            Err(e) => {
                // Logged once per outage: listen again once a second.
                tracing::error!("listening for other servers' changes failed: {e}");
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    if let Ok(Some(w)) = app.db().store().watcher() {
                        watcher = w;
                        // What was announced while nobody listened.
                        let _ = app.catch_up();
                        break;
                    }
                }
            }
        }
    }
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
