//! A JSON body extractor whose rejections are our JSON errors.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Like `axum::Json`, but bad bodies become `{code, message, field}`:
/// 400 for malformed JSON, 422 for well-formed JSON of the wrong shape.
#[derive(Debug, Clone, Copy, Default)]
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(rejection) => {
                let (status, message) = match &rejection {
                    JsonRejection::JsonDataError(e) => (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        std::error::Error::source(e)
                            .map(ToString::to_string)
                            .unwrap_or_else(|| e.body_text()),
                    ),
                    JsonRejection::JsonSyntaxError(_) => {
                        (StatusCode::BAD_REQUEST, "The request body is not valid JSON.".to_owned())
                    }
                    JsonRejection::MissingJsonContentType(_) => (
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        "Send the body as application/json.".to_owned(),
                    ),
                    other => (other.status(), other.body_text()),
                };
                // serde names the field first: "role: unknown variant ..." .
                let field = message
                    .split_once(": ")
                    .map(|(f, _)| f.to_owned())
                    .filter(|f| !f.contains(' '));
                Err(AppError::BadRequest { status, field, message })
            }
        }
    }
}
