//! The web playground behind `micrograd serve`: an axum router that serves the page (compiled into
//! the binary), evaluates programs for the graph explorer, and runs training sessions whose updates
//! stream to the page as server-sent events.
//!
//! Why axum on tokio: it is maintained with tokio itself, has server-sent events, body limits and
//! method/route fallbacks built in, and hyper under it answers malformed HTTP with a 400 on its own;
//! a training session's stream is a cheap task rather than a thread per open connection, as it would
//! be with a blocking server such as tiny_http. Training itself runs on plain threads (the engine's
//! graph is single-threaded), one per session, bounded by [`limits::MAX_TRAINING_SESSIONS`].

pub mod assets;
pub mod connections;
pub mod error;
pub mod explore;
pub mod lesson;
pub mod limits;
pub mod rules;
pub mod train;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use error::ApiError;

/// What every handler shares: the training sessions and the count of open streams.
pub struct AppState {
    /// The live training sessions.
    pub sessions: train::Sessions,
    /// Turns true when the server is stopping; events streams end on it, since an open stream
    /// would otherwise keep its connection, and so the server, alive.
    pub closing: watch::Receiver<bool>,
}

/// The playground's routes, ready to serve. With `loopback_only` (the server listens on a loopback
/// address), requests must name this machine in their `Host` header, so that a web page elsewhere
/// cannot reach the playground through a DNS name of its own. Events streams end when `closing`
/// turns true.
pub fn router(loopback_only: bool, closing: watch::Receiver<bool>) -> Router {
    let state = Arc::new(AppState {
        sessions: train::Sessions::default(),
        closing,
    });
    train::start_reaper(Arc::clone(&state));
    Router::new()
        .route("/api/graph", post(explore::graph))
        .route("/api/graph/export", post(explore::export))
        .route("/api/lesson/slope", post(lesson::slope))
        .route("/api/lesson/graph", post(lesson::graph))
        .route("/api/lesson/check", post(lesson::check))
        .route("/api/lesson/nudge", post(lesson::nudge))
        .route("/api/lesson/order", post(lesson::order))
        .route("/api/lesson/mlp", post(lesson::mlp))
        .route("/api/train", post(train::create))
        .route("/api/train/{id}", get(train::status).delete(train::remove))
        .route("/api/train/{id}/control", post(train::control))
        .route("/api/train/{id}/events", get(train::events))
        .fallback(static_file)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limits::MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(loopback_only, guard))
        .with_state(state)
}

/// Refuses requests from elsewhere: a `Host` that is not this machine (when listening on loopback),
/// and a `POST` whose body is not declared JSON (which a form on another site could send without
/// the browser asking the server first).
async fn guard(State(loopback_only): State<bool>, request: Request, next: Next) -> Response {
    if loopback_only {
        if let Some(host) = request.headers().get(header::HOST) {
            let host = host.to_str().unwrap_or("");
            let name = match host.rsplit_once(':') {
                Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
                _ => host,
            };
            let local = name.eq_ignore_ascii_case("localhost")
                || name == "[::1]"
                || name
                    .parse::<std::net::Ipv4Addr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !local {
                return ApiError::new(
                    StatusCode::FORBIDDEN,
                    format!("the playground answers only to this machine (127.0.0.1 or localhost), not to `{host}`"),
                )
                .into_response();
            }
        }
    }
    if request.method() == Method::POST {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            });
        if !json {
            return ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "requests must send JSON with `Content-Type: application/json`",
            )
            .into_response();
        }
    }
    next.run(request).await
}

/// Serves an embedded file for `GET` (and `HEAD`); anything else is a JSON 404 or 405.
async fn static_file(method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return method_not_allowed().await;
    }
    match assets::find(uri.path()) {
        Some(asset) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(asset.content_type),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
            ],
            asset.body,
        )
            .into_response(),
        None => ApiError::not_found(format!("no such page: {}", uri.path())).into_response(),
    }
}

async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "this method is not allowed here",
    )
    .into_response()
}

/// Reads a JSON request body, turning every way it can be wrong into a 4xx with a message.
pub fn parse_json<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(format!(
                "the request is larger than {} bytes",
                limits::MAX_BODY_BYTES
            ))
        } else {
            ApiError::bad_request(format!(
                "could not read the request: {}",
                rejection.body_text()
            ))
        }
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON request: {e}")))
}
