//! One error type for every handler: a status per variant, a JSON body
//! `{ "code", "message", "field"? }`, internal details logged, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
pub use policy::api::ErrorBody;
use policy::{Denial, Reason};

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    BadRequest { status: StatusCode, field: Option<String>, message: String },
    #[error("not signed in")]
    Unauthorized,
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("{0:?}")]
    Denied(Denial),
    #[error("{0}")]
    NotFound(&'static str),
    /// A link that worked once and no longer does (used, replaced, expired).
    #[error("{0}")]
    Gone(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("too many attempts")]
    TooManyRequests { retry_after: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// The policy's own refusal for `code`, with its usual sentence (e.g.
    /// `unknown_grant` for a grant a route cannot find).
    pub fn policy(code: Reason) -> AppError {
        AppError::Denied(Denial { code, message: code.default_message().into() })
    }

    /// The policy's refusal for `code` with a more specific sentence.
    pub fn denied(code: Reason, message: &'static str) -> AppError {
        AppError::Denied(Denial { code, message: message.into() })
    }

    /// A value that parses but breaks a rule: 422 naming the field.
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        AppError::BadRequest {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }

    /// Input that cannot be parsed at all: 400 naming the field.
    pub fn unparseable(field: &str, message: impl Into<String>) -> AppError {
        AppError::BadRequest {
            status: StatusCode::BAD_REQUEST,
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }
}

/// The input field a validation refusal is about (SPEC 12: a 422 names it).
pub fn field_for(reason: Reason) -> Option<&'static str> {
    use Reason::*;
    Some(match reason {
        InvalidEmail => "email",
        InvalidGroupName => "name",
        InvalidGroupDescription => "description",
        ConfirmationMismatch => "confirm_name",
        NoWorkspaces => "workspaces",
        NoSections => "sections",
        FlowNeedsIntegration => "integration",
        NotAFlow => "res",
        ExpiryNotInFuture | ExpiryTooFar => "expires_at",
        _ => return None,
    })
}

/// The one place a policy reason becomes an HTTP status.
pub fn status_for(reason: Reason) -> StatusCode {
    use Reason::*;
    match reason {
        UnknownAccount | UnknownWorkspace | UnknownCompany | UnknownMember | UnknownInvitation
        | UnknownRequest | UnknownGroup | UnknownResource | UnknownGrant | UnknownIntegration
        | UnknownCompanyMember => StatusCode::NOT_FOUND,
        StaleVersion
        | AlreadyAMember
        | RequestPending
        | GroupNameTaken
        | ClientHasPartner
        | AlreadyRedeemed
        | SameRole
        | InvitationRoleDiffers
        | AlreadyInCompany
        | LastCompanyAdmin => StatusCode::CONFLICT,
        InvitationExpired | GrantRevoked | GrantExpired => StatusCode::GONE,
        InvalidEmail
        | InvalidGroupName
        | InvalidGroupDescription
        | ConfirmationMismatch
        | NoWorkspaces
        | NoSections
        | FlowNeedsIntegration
        | NotAFlow
        | ExpiryNotInFuture
        | ExpiryTooFar => StatusCode::UNPROCESSABLE_ENTITY,
        NotAMember
        | PartnerAccessRevoked
        | PartnerAccessExpired
        | PartnerAnalystRestricted
        | SectionNotGranted
        | OwnerOrAdminOnly
        | OwnerOnly
        | OwnerOnlyEditsAdminToggles
        | OwnerTogglesFixed
        | ToggleNotHeldByAdmins
        | MissingToggle
        | RoleNotAssignable
        | RoleAboveYours
        | TargetIsSelf
        | TargetIsOwner
        | TargetRankNotBelow
        | TargetIsPartnerAnalyst
        | OnlyOwnerRemovesAnalysts
        | TransferTargetNotAdmin
        | InvitationForAnotherEmail
        | DefaultGroupImmutable
        | NotAnActiveMember
        | NotInGroup
        | DataStudioDisabled
        | NotInResourceGroups
        | NoGroupAdminOnly
        | FlowFollowsIntegration
        | KindHasNoGroups
        | JobWithoutGroup
        | NotCompanyAdmin
        | NotCompanyMember
        | SupportOnly
        | NotAClient
        | NotAPartner
        | OwnPartner
        | WorkspaceNotInClient
        | GrantNotRedeemed
        | WorkspaceNotGranted
        | AnalystNotInPartner
        | NotAnAnalyst
        | AccountNotVerified
        | LeftPartnerCompany => StatusCode::FORBIDDEN,
        // Only a slice answers this; the server decides on whole facts.
        IncompleteFacts => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message, field) = match self {
            AppError::BadRequest { status, field, message } => {
                (status, "invalid_input".to_owned(), message, field)
            }
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "not_signed_in".to_owned(),
                "Sign in to continue.".to_owned(),
                None,
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "csrf".to_owned(),
                "The request is missing its CSRF token; reload the page and try again.".to_owned(),
                None,
            ),
            AppError::Denied(d) => (
                status_for(d.code),
                d.code.code().to_owned(),
                d.message.into_owned(),
                field_for(d.code).map(str::to_owned),
            ),
            AppError::Gone(what) => (StatusCode::GONE, "gone".to_owned(), what.to_owned(), None),
            AppError::NotFound(what) => {
                (StatusCode::NOT_FOUND, "not_found".to_owned(), what.to_owned(), None)
            }
            AppError::Conflict(m) => (StatusCode::CONFLICT, "conflict".to_owned(), m, None),
            AppError::TooManyRequests { retry_after } => {
                let message = format!("Too many attempts; try again in {retry_after} s.");
                let body = ErrorBody { code: "too_many_attempts".into(), message, field: None };
                let mut res = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
                res.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(retry_after),
                );
                return res;
            }
            AppError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal".to_owned(),
                    "Something went wrong on our side; nothing was changed.".to_owned(),
                    None,
                )
            }
        };
        (status, Json(ErrorBody { code, message, field })).into_response()
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        // Constraint violations are conflicts with existing data, in one place.
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return AppError::Conflict("That already exists.".to_owned());
            }
            if db.is_foreign_key_violation() {
                return AppError::NotFound("Something this refers to does not exist.");
            }
        }
        AppError::Internal(e.to_string())
    }
}

impl From<Denial> for AppError {
    fn from(d: Denial) -> Self {
        AppError::Denied(d)
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, AppError>;

/// Longest request URI accepted (longer gets 414).
pub const MAX_URI: usize = 8 * 1024;

/// Every API error is our JSON body, whoever produced it: a 405 from the
/// router, a 413 from the body limit, a 414 for an overlong URI, anything a
/// layer answers in plain text or with no body at all.
pub async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if req.uri().to_string().len() > MAX_URI {
        return plain_to_json(StatusCode::URI_TOO_LONG);
    }
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        return plain_to_json(status);
    }
    res
}

fn plain_to_json(status: StatusCode) -> Response {
    let (code, message) = match status {
        StatusCode::BAD_REQUEST => ("bad_request", "The request cannot be read."),
        StatusCode::NOT_FOUND => ("not_found", "No such API route."),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("method_not_allowed", "This route does not take that method.")
        }
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "The request body is too large."),
        StatusCode::URI_TOO_LONG => ("uri_too_long", "The request's address is too long."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported_media_type", "Send the body as application/json.")
        }
        StatusCode::UNPROCESSABLE_ENTITY => {
            ("invalid_input", "The request's values are not valid.")
        }
        StatusCode::TOO_MANY_REQUESTS => ("too_many_attempts", "Too many attempts; wait a little."),
        s if s.is_server_error() => {
            ("internal", "Something went wrong on our side; nothing was changed.")
        }
        _ => ("error", "The request was refused."),
    };
    let body = ErrorBody { code: code.to_owned(), message: message.to_owned(), field: None };
    (status, Json(body)).into_response()
}
