//! The playground's error answers: every refusal is a 4xx status with a JSON body
//! `{"error": message, ...}` that the page shows as it is.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value as Json_};

/// A refused request: the status, the message for the person, and any extra fields (such as the
/// line and column of a syntax error).
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status (always 4xx).
    pub status: StatusCode,
    /// What went wrong, in words for the person at the page.
    pub message: String,
    /// More fields merged into the JSON body.
    pub extra: Map<String, Json_>,
}

impl ApiError {
    /// An error with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            extra: Map::new(),
        }
    }

    /// 400: the request is not what the endpoint reads.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: no such page, endpoint or training session.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 413: the request or the program is larger than the playground accepts.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, message)
    }

    /// 422: well-formed, but the program or the settings cannot be used.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// 429: too many sessions or visitors at once.
    pub fn too_many(message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, message)
    }

    /// Adds a field to the JSON body.
    pub fn with(mut self, key: &str, value: impl Into<Json_>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = Map::new();
        body.insert("error".into(), json!(self.message));
        body.extend(self.extra);
        (self.status, Json(Json_::Object(body))).into_response()
    }
}
