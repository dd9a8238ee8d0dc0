//! One `tracing` span per HTTP request: method, route, user, status and
//! latency. The route is the matched pattern (`/api/v1/units/{id}`), never
//! the path or the query string, which may carry personal data (身份证号);
//! the user is the login, recorded by [`crate::api::request_user`] once the
//! request's session is known. Nothing is printed unless the binary installs
//! a subscriber (`bianzhi serve` does, filtered by `RUST_LOG`).

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use std::time::Instant;

pub async fn request_span(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("-", |m| m.as_str())
        .to_owned();
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        route = %route,
        user = tracing::field::Empty,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    let start = Instant::now();
    let resp = next.run(req).instrument(span.clone()).await;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let status = resp.status().as_u16();
    span.record("status", status);
    span.record("latency_ms", format_args!("{ms:.1}"));
    span.in_scope(|| {
        if resp.status().is_server_error() {
            tracing::warn!("failed");
        } else {
            tracing::info!("done");
        }
    });
    resp
}

/// Records the signed-in user's login on the current request's span.
pub(crate) fn record_user(login: &str) {
    tracing::Span::current().record("user", login);
}
