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
        super::workspaces::base,
        super::workspaces::decide,
        super::workspaces::update,
        super::workspaces::remove,
        super::workspaces::transfer,
        super::workspaces::audit_log,
        super::live::events,
        super::members::list,
        super::members::change_role,
        super::members::remove_member,
        super::invitations::invite,
        super::invitations::resend,
        super::invitations::delete_invitation,
        super::invitations::invitation_info,
        super::invitations::accept,
        super::invitations::join_link,
        super::invitations::request_access,
        super::invitations::authorize_request,
        super::invitations::reject_request,
        super::toggles::toggles,
        super::toggles::save_toggles,
        super::groups::create,
        super::groups::edit,
        super::groups::remove,
        super::groups::members,
        super::groups::impact,
        super::groups::add_members,
        super::groups::remove_member,
        super::resources::list,
        super::resources::create,
        super::resources::rename,
        super::resources::remove,
        super::resources::set_groups,
        super::resources::run,
        super::companies::list_companies,
        super::companies::partner_directory,
        super::companies::company,
        super::companies::capabilities,
        super::companies::add_member,
        super::companies::remove_member,
        super::companies::set_admin,
        super::companies::audit_log,
        super::verification::verify,
        super::verification::resend,
        super::partners::create_grant,
        super::partners::redeem,
        super::partners::add_analyst,
        super::partners::remove_analyst,
        super::partners::revoke,
        super::partners::renew,
    )
)]
pub struct ApiDoc;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}
