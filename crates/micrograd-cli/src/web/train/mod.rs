//! The training view's sessions: each one is a library [`Session`](micrograd::session::Session)
//! trained on its own thread ([`worker`]), which publishes a snapshot (step, loss, accuracy, curves,
//! decision-boundary grid, weights) after every frame; `GET /api/train/{id}/events` streams the
//! snapshots as server-sent events. A watch channel holds only the latest snapshot, so a slow page
//! skips frames instead of queueing them.
//!
//! Endpoints: `POST /api/train` (create, from the settings), `GET /api/train/{id}` (the latest
//! snapshot), `POST /api/train/{id}/control` (`play`, `pause`, `step`, `reset`, `speed`),
//! `DELETE /api/train/{id}`, `GET /api/train/{id}/events`.

pub mod config;
pub mod json;
pub mod registry;
pub mod worker;

use std::convert::Infallible;
use std::sync::{mpsc, Arc};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::Json;
use futures_util::stream::{Stream, StreamExt};
use micrograd::session::Bounds;
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};
use tokio::sync::watch;
use tokio_stream::wrappers::WatchStream;

pub use registry::{start_reaper, Sessions};

use super::error::ApiError;
use super::AppState;
use config::TrainForm;
use registry::LiveSession;
use worker::{Control, Worker};

/// The session id of a path; one that cannot be read (such as invalid UTF-8) names no session.
fn session_id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(id)| id)
        .map_err(|_| ApiError::not_found("no such training session"))
}

/// `POST /api/train`: starts a paused session; answers its id, the data points and a first snapshot.
pub async fn create(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let form: TrainForm = super::parse_json(body)?;
    let session = form.session()?;
    let points = json::points(&session);
    let bounds = Bounds::square(session.points());
    let dataset = session.source().to_string();
    let (id, live) = state.sessions.add(|id| {
        let (controls, inbox) = mpsc::channel();
        let (publish, snapshots) = watch::channel(Arc::new(String::new()));
        let worker = Worker::new(session, bounds);
        std::thread::Builder::new()
            .name(format!("train-{id}"))
            .spawn(move || worker.run(inbox, publish))
            .map_err(|e| ApiError::too_many(format!("cannot start a training thread: {e}")))?;
        Ok(LiveSession::new(controls, snapshots))
    })?;
    // The thread publishes its first snapshot as soon as it has built the model.
    let mut first = live.snapshots.clone();
    let text = first
        .wait_for(|s| !s.is_empty())
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the training thread ended",
            )
        })?
        .clone();
    let snapshot: JsonValue = serde_json::from_str(&text).unwrap_or(JsonValue::Null);
    let body = json!({"id": id.to_string(), "dataset": dataset, "points": points, "bounds": json::bounds(bounds), "snapshot": snapshot});
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /api/train/{id}`: the latest snapshot.
pub async fn status(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let id = session_id(id)?;
    let session = state.sessions.get(&id)?;
    let text = session.snapshots.borrow().clone();
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text.to_string(),
    ))
}

/// `DELETE /api/train/{id}`: ends the session (its thread stops when its channel closes).
pub async fn remove(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let id = session_id(id)?;
    state.sessions.remove(&id)?;
    Ok(Json(json!({"ended": id})))
}

/// The body of `POST /api/train/{id}/control`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlRequest {
    /// `play`, `pause`, `step`, `reset` or `speed`.
    pub action: String,
    /// For `speed`: training steps per frame, 1 to 64.
    #[serde(default)]
    pub speed: Option<usize>,
}

/// `POST /api/train/{id}/control`.
pub async fn control(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let id = session_id(id)?;
    let session = state.sessions.get(&id)?;
    let request: ControlRequest = super::parse_json(body)?;
    let control = match request.action.as_str() {
        "play" => Control::Play,
        "pause" => Control::Pause,
        "step" => Control::Step,
        "reset" => Control::Reset,
        "speed" => match request.speed {
            Some(s) if (1..=64).contains(&s) => Control::Speed(s),
            _ => {
                return Err(ApiError::unprocessable(
                    "speed must be a number of steps per frame from 1 to 64",
                ))
            }
        },
        other => {
            return Err(ApiError::bad_request(format!(
                "unknown action `{other}`: expected play, pause, step, reset or speed"
            )))
        }
    };
    session
        .controls
        .send(control)
        .map_err(|_| ApiError::not_found(format!("training session `{id}` has ended")))?;
    Ok(Json(json!({"ok": true})))
}

/// `GET /api/train/{id}/events`: every new snapshot as an SSE `message` event (the latest at once).
pub async fn events(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let id = session_id(id)?;
    let session = state.sessions.get(&id)?;
    let guard = state.sessions.open_stream(&session)?;
    let mut closing = state.closing.clone();
    let stream = WatchStream::new(session.snapshots.clone())
        .map(move |snapshot| {
            let _alive = &guard;
            Ok(Event::default().data(snapshot.as_str()))
        })
        .take_until(async move { super::connections::closed(&mut closing).await });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
