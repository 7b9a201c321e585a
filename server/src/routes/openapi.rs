//! The OpenAPI 3 document, served at `/api/openapi.json`.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::state::AppState;

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Gatehouse API",
        description = "Workspace access control. Every state-changing request needs the session cookie and the `x-csrf-token` header from `/api/me`. Errors are `{ code, message, field? }`."
    ),
    paths(
        super::account::signup,
        super::account::login,
        super::account::logout,
        super::account::me,
        super::workspaces::create,
        super::workspaces::snapshot,
        super::workspaces::update,
        super::workspaces::remove,
        super::workspaces::transfer,
        super::workspaces::members,
        super::workspaces::audit_log,
        super::people::invite,
        super::people::resend,
        super::people::delete_invitation,
        super::people::invitation_info,
        super::people::accept,
        super::people::join_link,
        super::people::request_access,
        super::people::authorize_request,
        super::people::reject_request,
        super::people::change_role,
        super::people::remove_member,
        super::people::toggles,
        super::people::save_toggles,
        super::groups::create,
        super::groups::edit,
        super::groups::remove,
        super::groups::add_members,
        super::groups::remove_member,
        super::resources::list,
        super::resources::create,
        super::resources::rename,
        super::resources::remove,
        super::resources::set_groups,
        super::resources::run,
        super::partners::list_companies,
        super::partners::partner_directory,
        super::partners::company,
        super::partners::capabilities,
        super::partners::add_member,
        super::partners::create_grant,
        super::partners::redeem,
        super::partners::add_analyst,
        super::partners::remove_analyst,
        super::partners::revoke,
    )
)]
pub struct ApiDoc;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}
