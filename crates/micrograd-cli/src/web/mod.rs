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
pub mod error;
pub mod explore;
pub mod limits;
pub mod rules;
pub mod train;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;

use error::ApiError;

/// What every handler shares: the training sessions and the count of open streams.
#[derive(Default)]
pub struct AppState {
    /// The live training sessions.
    pub sessions: train::Sessions,
}

/// The playground's routes, ready to serve.
pub fn router() -> Router {
    let state = Arc::new(AppState::default());
    train::start_reaper(Arc::clone(&state));
    Router::new()
        .route("/api/graph", post(explore::graph))
        .route("/api/train", post(train::create))
        .route("/api/train/{id}", get(train::status).delete(train::remove))
        .route("/api/train/{id}/control", post(train::control))
        .route("/api/train/{id}/events", get(train::events))
        .fallback(static_file)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limits::MAX_BODY_BYTES))
        .with_state(state)
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
