//! The OpenAPI 3.1 document, served at `/api/openapi.json` (SPEC 12:
//! complete and true).
//!
//! utoipa builds it from the handlers' `#[utoipa::path]` attributes (each
//! declares its path parameters with the struct it extracts, its body and
//! its success) and from the `policy::api` and policy types. [`complete`]
//! then adds, in this one place, what operations share by their shape —
//! 304 on reads, 400/413/415/422 for input, 401 without a session, 403
//! `csrf` on state-changing requests — and, per operation, the refusals
//! the policy can give it ([`reasons`]), each under the status
//! [`status_for`] gives that reason; every error response is an
//! [`ErrorBody`].

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::routing::get;
use axum::{Json, Router};
use policy::Reason::{self, *};
use policy::{Id, ResourceKind};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::{OpenApi, ToSchema};

use crate::error::{ErrorBody, status_for};
use crate::state::AppState;

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Gatehouse API",
        description = "Workspace access control. Sign in with `POST /api/auth/login`: the session is an HttpOnly cookie, and every state-changing request also needs the `x-csrf-token` header with the token from `GET /api/me`. Errors are always JSON `{ code, message, field? }`: `code` is the policy's reason code for every refusal the policy decides, `field` names the input at fault for 400 and 422. Lists are pages: pass the previous page's `next` as `after`."
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
        super::access::member_access,
        super::access::resource_access,
        super::access::preview,
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
    ),
    components(schemas(ErrorBody))
)]
pub struct ApiDoc;

/// The document as served: generated, then [`complete`]d (once).
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
        complete(&mut doc);
        doc
    })
}

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(|| async { Json(document()) }))
}

/// What a manual run from the flow canvas will do, component by component:
/// the body of `POST .../resources/{res}/run`, the policy's `RunPlan` in
/// the same shape (a test serializes both).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RunPlan {
    pub flow: Id,
    pub steps: Vec<RunStep>,
}

/// One component of a manual run.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RunStep {
    pub resource: Id,
    pub kind: ResourceKind,
    pub run_as: RunAs,
}

/// Whose identity a component of a manual run executes with.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "as", rename_all = "snake_case")]
pub enum RunAs {
    /// The user who pressed Run.
    User,
    /// The groups saved on the job, because the user may not access it.
    JobGroups { groups: Vec<Id> },
}

impl From<&policy::RunPlan> for RunPlan {
    fn from(p: &policy::RunPlan) -> RunPlan {
        RunPlan {
            flow: p.flow,
            steps: p
                .steps
                .iter()
                .map(|s| RunStep {
                    resource: s.resource,
                    kind: s.kind,
                    run_as: match &s.run_as {
                        policy::RunAs::User => RunAs::User,
                        policy::RunAs::JobGroups { groups } => {
                            RunAs::JobGroups { groups: groups.clone() }
                        }
                    },
                })
                .collect(),
        }
    }
}

/// Standing in a workspace, which every workspace request needs: the
/// workspace exists, the actor is a member, or an analyst whose partner's
/// grant is live, redeemed, unexpired and who is still in the partner.
const MEMBER: &[Reason] =
    &[UnknownWorkspace, NotAMember, PartnerAccessRevoked, PartnerAccessExpired, LeftPartnerCompany];
/// The Owner and Admins, not partner analysts.
const OWNER_OR_ADMIN: &[Reason] = &[PartnerAnalystRestricted, OwnerOrAdminOnly];
/// A group that the Owner or an Admin may edit.
const EDITABLE_GROUP: &[Reason] =
    &[PartnerAnalystRestricted, OwnerOrAdminOnly, UnknownGroup, DefaultGroupImmutable];
const GROUP_FIELDS: &[Reason] = &[InvalidGroupName, GroupNameTaken, InvalidGroupDescription];
const COMPANY_ADMIN: &[Reason] = &[UnknownCompany, NotCompanyAdmin];
/// People management by members holding a users toggle.
const USERS_TOGGLE: &[Reason] = &[PartnerAnalystRestricted, MissingToggle];

/// The policy's refusals each operation can answer (by operation id), as
/// the rules behind the handler's actions give them. `None` for an
/// operation not listed (a test requires every operation here).
pub fn reasons(operation: &str) -> Option<Vec<Reason>> {
    let lists: &[&[Reason]] = match operation {
        "account_login"
        | "account_logout"
        | "account_me"
        | "verification_verify"
        | "verification_resend"
        | "companies_list_companies"
        | "companies_partner_directory" => &[],
        "account_signup" => &[&[InvalidEmail]],
        "workspaces_create" | "companies_audit_log" => &[COMPANY_ADMIN],
        "workspaces_base" | "workspaces_decide" | "resources_list" | "live_events" => &[MEMBER],
        "workspaces_update" | "toggles_toggles" => &[MEMBER, OWNER_OR_ADMIN],
        "workspaces_remove" => &[MEMBER, &[PartnerAnalystRestricted, OwnerOnly]],
        "workspaces_transfer" => &[
            MEMBER,
            &[
                PartnerAnalystRestricted,
                OwnerOnly,
                UnknownMember,
                TargetIsSelf,
                TransferTargetNotAdmin,
            ],
        ],
        "workspaces_audit_log" => &[MEMBER, &[OwnerOrAdminOnly, SectionNotGranted]],
        "members_list" => &[MEMBER, &[SectionNotGranted]],
        "members_change_role" => &[
            MEMBER,
            USERS_TOGGLE,
            &[
                UnknownMember,
                TargetIsSelf,
                TargetIsOwner,
                TargetIsPartnerAnalyst,
                TargetRankNotBelow,
                RoleNotAssignable,
                RoleAboveYours,
                SameRole,
            ],
        ],
        "members_remove_member" => &[
            MEMBER,
            USERS_TOGGLE,
            &[
                UnknownMember,
                TargetIsSelf,
                TargetIsOwner,
                OnlyOwnerRemovesAnalysts,
                TargetRankNotBelow,
            ],
        ],
        "invitations_invite" => &[
            MEMBER,
            USERS_TOGGLE,
            &[
                RoleNotAssignable,
                RoleAboveYours,
                InvalidEmail,
                AlreadyAMember,
                InvitationRoleDiffers,
            ],
        ],
        "invitations_resend" => {
            &[MEMBER, USERS_TOGGLE, &[UnknownInvitation, RoleNotAssignable, RoleAboveYours]]
        }
        "invitations_delete_invitation" => &[MEMBER, USERS_TOGGLE, &[UnknownInvitation]],
        "invitations_invitation_info" => &[&[UnknownInvitation]],
        "invitations_accept" => {
            &[&[UnknownInvitation, InvitationExpired, InvitationForAnotherEmail, AlreadyAMember]]
        }
        "invitations_join_link" => &[MEMBER, USERS_TOGGLE],
        "invitations_request_access" => &[&[UnknownWorkspace, AlreadyAMember, RequestPending]],
        "invitations_authorize_request" => {
            &[MEMBER, USERS_TOGGLE, &[UnknownRequest, AlreadyAMember]]
        }
        "invitations_reject_request" => &[MEMBER, USERS_TOGGLE, &[UnknownRequest]],
        "toggles_save_toggles" => &[
            MEMBER,
            OWNER_OR_ADMIN,
            &[OwnerTogglesFixed, OwnerOnlyEditsAdminToggles, StaleVersion, ToggleNotHeldByAdmins],
        ],
        "groups_create" => &[MEMBER, OWNER_OR_ADMIN, GROUP_FIELDS],
        "groups_edit" => &[MEMBER, EDITABLE_GROUP, GROUP_FIELDS],
        "groups_remove" => &[MEMBER, EDITABLE_GROUP, &[ConfirmationMismatch]],
        "groups_members" => &[MEMBER, &[SectionNotGranted, UnknownGroup]],
        "groups_impact" => &[MEMBER, &[SectionNotGranted], EDITABLE_GROUP],
        "groups_add_members" => &[MEMBER, EDITABLE_GROUP, &[NotAnActiveMember]],
        "groups_remove_member" => &[MEMBER, EDITABLE_GROUP, &[NotInGroup]],
        "resources_create" => &[
            MEMBER,
            &[
                DataStudioDisabled,
                SectionNotGranted,
                MissingToggle,
                FlowNeedsIntegration,
                UnknownIntegration,
            ],
        ],
        "resources_rename" | "resources_remove" => &[MEMBER, &[UnknownResource, MissingToggle]],
        "resources_set_groups" => &[
            MEMBER,
            OWNER_OR_ADMIN,
            &[UnknownResource, FlowFollowsIntegration, KindHasNoGroups, UnknownGroup],
        ],
        "resources_run" => &[
            MEMBER,
            &[UnknownResource, NotAFlow, MissingToggle, DataStudioDisabled, JobWithoutGroup],
        ],
        "companies_company" => &[&[UnknownCompany, NotCompanyMember]],
        "companies_capabilities" => &[&[SupportOnly, UnknownCompany]],
        "companies_add_member" => {
            &[COMPANY_ADMIN, &[InvalidEmail, UnknownAccount, AccountNotVerified, AlreadyInCompany]]
        }
        "companies_remove_member" | "companies_set_admin" => {
            &[COMPANY_ADMIN, &[UnknownCompanyMember, LastCompanyAdmin]]
        }
        "partners_create_grant" => &[
            COMPANY_ADMIN,
            &[
                NotAClient,
                OwnPartner,
                NotAPartner,
                ClientHasPartner,
                NoWorkspaces,
                WorkspaceNotInClient,
                RoleNotAssignable,
                NoSections,
                ExpiryNotInFuture,
                ExpiryTooFar,
            ],
        ],
        "partners_redeem" => {
            &[&[UnknownGrant, GrantRevoked, NotCompanyAdmin, AlreadyRedeemed, GrantExpired]]
        }
        "partners_add_analyst" => &[&[
            UnknownGrant,
            GrantRevoked,
            NotCompanyAdmin,
            GrantNotRedeemed,
            GrantExpired,
            WorkspaceNotGranted,
            UnknownWorkspace,
            AnalystNotInPartner,
            AccountNotVerified,
            AlreadyAMember,
        ]],
        "partners_remove_analyst" => {
            &[&[UnknownGrant, GrantRevoked, NotCompanyAdmin, UnknownWorkspace, NotAnAnalyst]]
        }
        "partners_revoke" => &[&[UnknownGrant, NotCompanyAdmin, GrantRevoked]],
        "partners_renew" => {
            &[&[UnknownGrant, NotCompanyAdmin, GrantRevoked, ExpiryNotInFuture, ExpiryTooFar]]
        }
        "access_member_access" => &[MEMBER, OWNER_OR_ADMIN, &[UnknownMember]],
        "access_resource_access" => &[MEMBER, OWNER_OR_ADMIN, &[UnknownResource]],
        // A dry run is refused exactly as the change itself would be.
        "access_preview" => &[Reason::ALL],
        _ => return None,
    };
    let mut all: Vec<Reason> = lists.iter().flat_map(|l| l.iter().copied()).collect();
    // Only a slice answers `incomplete_facts`; the server never does.
    all.retain(|r| *r != IncompleteFacts);
    all.dedup();
    Some(all)
}

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Completes the generated document (see the module docs).
fn complete(doc: &mut Value) {
    doc["components"]["securitySchemes"] = json!({
        "session": {
            "type": "apiKey",
            "in": "cookie",
            "name": crate::auth::COOKIE,
            "description": "The session cookie set by sign-in, sign-up and accepting an invitation. State-changing requests also send `x-csrf-token` (from `GET /api/me`)."
        }
    });
    doc["security"] = json!([{ "session": [] }]);
    inline_primitives(doc);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            if METHODS.contains(&method.as_str()) {
                complete_operation(method, op);
            }
        }
    }
}

/// Fields typed with the policy's aliases (`Id`, `Timestamp`) refer to a
/// component named after the Rust type (`i64`): such schemas are inlined
/// where they are used and the component dropped.
fn inline_primitives(doc: &mut Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else { return };
    let primitive = |name: &str| {
        matches!(
            name,
            "i8" | "i16"
                | "i32"
                | "i64"
                | "u8"
                | "u16"
                | "u32"
                | "u64"
                | "usize"
                | "isize"
                | "f32"
                | "f64"
                | "bool"
                | "String"
                | "str"
        )
    };
    let inlined: BTreeMap<String, Value> = schemas
        .iter()
        .filter(|(name, _)| primitive(name))
        .map(|(name, schema)| (format!("#/components/schemas/{name}"), schema.clone()))
        .collect();
    schemas.retain(|name, _| !primitive(name));
    replace_refs(doc, &inlined);
}

fn replace_refs(v: &mut Value, inlined: &BTreeMap<String, Value>) {
    match v {
        Value::Object(map) => {
            if let Some(schema) =
                map.get("$ref").and_then(Value::as_str).and_then(|r| inlined.get(r))
            {
                let schema = schema.clone();
                map.remove("$ref");
                if let Value::Object(fields) = schema {
                    for (k, f) in fields {
                        map.entry(k).or_insert(f);
                    }
                }
            }
            for child in map.values_mut() {
                replace_refs(child, inlined);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| replace_refs(i, inlined)),
        _ => {}
    }
}

/// A query parameter is absent or has a value: `null` is no query value.
fn not_null(schema: &mut Value) {
    if let Some(types) = schema["type"].as_array() {
        let rest: Vec<Value> =
            types.iter().filter(|t| t.as_str() != Some("null")).cloned().collect();
        schema["type"] = if rest.len() == 1 { rest[0].clone() } else { Value::Array(rest) };
    }
    if let Some(one_of) = schema["oneOf"].as_array() {
        let mut rest: Vec<Value> =
            one_of.iter().filter(|s| s["type"].as_str() != Some("null")).cloned().collect();
        if rest.len() == 1 {
            *schema = rest.remove(0);
        } else {
            schema["oneOf"] = Value::Array(rest);
        }
    }
}

/// Statuses and their description fragments, in order.
type Responses = BTreeMap<u16, Vec<String>>;

fn add(responses: &mut Responses, status: u16, text: impl Into<String>) {
    responses.entry(status).or_default().push(text.into());
}

fn codes(reasons: &[Reason]) -> String {
    reasons.iter().map(|r| format!("`{}`", r.code())).collect::<Vec<_>>().join(", ")
}

fn complete_operation(method: &str, op: &mut Value) {
    // Tags and ids by module: `super::groups` + `remove_member` ->
    // `groups` and `groups_remove_member` (ids are unique per document).
    let module = op["tags"][0].as_str().unwrap_or("").rsplit("::").next().unwrap_or("").to_owned();
    let id = format!("{module}_{}", op["operationId"].as_str().unwrap_or(""));
    op["tags"] = json!([module]);
    op["operationId"] = json!(id);

    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for p in params.iter_mut().filter(|p| p["in"].as_str() == Some("query")) {
            not_null(&mut p["schema"]);
        }
    }
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    let in_ = |p: &Value, place: &str| p["in"].as_str() == Some(place);
    let path_params = params.iter().filter(|p| in_(p, "path")).count();
    let number_in_path =
        params.iter().any(|p| in_(p, "path") && p["schema"]["type"].as_str() == Some("integer"));
    let query = params.iter().any(|p| in_(p, "query"));
    let body = op.get("requestBody").is_some();
    // Security: absent = the document's (signed in); `{}` listed = may be
    // signed out; only `{}` = never needs a session.
    let security = op["security"].as_array().cloned();
    let session_optional = security.as_ref().is_some_and(|s| s.iter().any(|r| r == &json!({})));
    let session_possible = security
        .as_ref()
        .is_none_or(|s| s.iter().any(|r| r.as_object().is_some_and(|o| !o.is_empty())));
    let changes = method != "get" && method != "head";

    let mut found = Responses::new();
    // Every JSON read carries an ETag (`etag.rs`); event streams do not.
    let streams = op["responses"]["200"]["content"].get("text/event-stream").is_some();
    if method == "get" && !streams {
        add(&mut found, 304, "Not modified: `If-None-Match` names the current `ETag` (no body).");
    }
    let mut unparsable = Vec::new();
    if body {
        unparsable.push("the body is not JSON");
    }
    if number_in_path {
        unparsable.push("a path parameter is not a number");
    }
    if query {
        unparsable
            .push("a query value has the wrong type (a page's `after`: no cursor the server made)");
    }
    if !unparsable.is_empty() {
        add(
            &mut found,
            400,
            format!("Cannot be parsed (`invalid_input`): {}.", unparsable.join("; ")),
        );
    }
    if !session_optional {
        add(&mut found, 401, "`not_signed_in`: no valid session cookie.");
    }
    if changes && session_possible {
        add(&mut found, 403, "`csrf`: signed in, and `x-csrf-token` is missing or wrong.");
    }
    if path_params > 0 {
        add(&mut found, 404, "`not_found`: a path parameter is empty (no such route).");
    }
    if body {
        add(&mut found, 413, "`too_large`: the body is over 64 KiB.");
        add(
            &mut found,
            415,
            "`unsupported_media_type`: the body is not sent as `application/json`.",
        );
    }
    if body || query || path_params > 0 {
        let body_shape =
            if body { "; a body value of the wrong type, missing or unknown" } else { "" };
        add(
            &mut found,
            422,
            format!(
                "`invalid_input` naming the `field`: text with control characters (such as NUL){body_shape}."
            ),
        );
    }
    let mut by_status: BTreeMap<u16, Vec<Reason>> = BTreeMap::new();
    for r in reasons(&id).unwrap_or_default() {
        by_status.entry(status_for(r).as_u16()).or_default().push(r);
    }
    for (status, rs) in by_status {
        add(&mut found, status, format!("Refused by the policy: {}.", codes(&rs)));
    }

    let responses = op["responses"].as_object_mut().map(std::mem::take).unwrap_or_default();
    let mut out = Map::new();
    let mut all: BTreeMap<u16, (Vec<String>, Option<Value>)> = BTreeMap::new();
    for (status, r) in responses {
        let Ok(code) = status.parse::<u16>() else { continue };
        let text = r["description"].as_str().filter(|d| !d.is_empty()).map(str::to_owned);
        let entry = all.entry(code).or_default();
        entry.0.extend(text);
        entry.1 = r.get("content").cloned();
    }
    for (status, texts) in found {
        all.entry(status).or_default().0.extend(texts);
    }
    for (status, (texts, content)) in all {
        let mut r = Map::new();
        let description = if texts.is_empty() { "OK".to_owned() } else { texts.join(" ") };
        r.insert("description".into(), json!(description));
        let content = match (status, content) {
            (_, Some(c)) => Some(c),
            (400.., None) => Some(json!({
                "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } }
            })),
            _ => None,
        };
        if let Some(c) = content {
            r.insert("content".into(), c);
        }
        out.insert(status.to_string(), Value::Object(r));
    }
    op["responses"] = Value::Object(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document's `RunPlan` is the policy's, field for field.
    #[test]
    fn run_plans_serialize_as_the_policy_does() {
        let plan = policy::RunPlan {
            flow: 7,
            steps: vec![
                policy::RunStep {
                    resource: 8,
                    kind: ResourceKind::DataJob,
                    run_as: policy::RunAs::User,
                },
                policy::RunStep {
                    resource: 9,
                    kind: ResourceKind::FileJob,
                    run_as: policy::RunAs::JobGroups { groups: vec![1, 2] },
                },
            ],
        };
        assert_eq!(
            serde_json::to_value(RunPlan::from(&plan)).ok(),
            serde_json::to_value(&plan).ok()
        );
    }
}
