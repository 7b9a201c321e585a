//! The only code that talks to the server. Every request and response body is
//! a `policy::api` type, the same definitions the server serves; errors come
//! back as the server's `{ code, message, field }`.

use std::cell::RefCell;

use gloo_net::http::{Request, RequestBuilder};
use policy::Id;
use policy::api::{
    Accept, AddMembers, AuditPage, Capabilities, CompanyAdmin, CompanyDetail, CompanyPage,
    ConfirmDelete, Created, Done, GrantCreated, GroupFields, GroupImpact, GroupMemberPage,
    InvitationInfo, InvitationSent, JoinLink, Me, MemberPage, Named, NewAnalyst, NewCompanyMember,
    NewGrant, NewInvitation, NewResource, NewRole, NewWorkspace, Redeem, Redeemed, Renewal,
    ResourcePage, SaveToggles, Saved, Session, SetGroups, SignIn, SignUp, Transfer,
    UpdateWorkspace, VerifyEmail, WorkspaceBase,
};
use policy::{Role, RunPlan};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A refused or failed request, as the server explained it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status; 0 when the server could not be reached.
    pub status: u16,
    pub code: String,
    pub message: String,
    /// The input field at fault (400/422).
    pub field: Option<String>,
}

impl ApiError {
    fn network(e: impl std::fmt::Display) -> ApiError {
        ApiError {
            status: 0,
            code: "network".into(),
            message: format!("The server could not be reached ({e})."),
            field: None,
        }
    }

    /// Not signed in (or the session ended).
    pub fn is_unauthorized(&self) -> bool {
        self.status == 401
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

thread_local! {
    /// The session's CSRF token (from sign-in or `/api/me`), sent back on
    /// every state-changing request.
    static CSRF: RefCell<String> = const { RefCell::new(String::new()) };
}

fn remember_csrf(token: &str) {
    CSRF.with(|c| token.clone_into(&mut c.borrow_mut()));
}

/// Sends a request; the successful answer's text, or the server's error.
/// Not generic, so one copy serves every endpoint.
async fn fetch(builder: RequestBuilder, body: Option<String>) -> ApiResult<(u16, String)> {
    let builder = builder.header("x-csrf-token", &CSRF.with(|c| c.borrow().clone()));
    let request: Result<Request, _> = match body {
        Some(json) => builder.header("content-type", "application/json").body(json),
        None => builder.build(),
    };
    let response = request.map_err(ApiError::network)?.send().await.map_err(ApiError::network)?;
    let status = response.status();
    // The server's time, fresh even when the body is the browser's cached
    // copy of an unchanged slice (revalidated with a 304).
    if let Some(now) = response.headers().get("x-gatehouse-now").and_then(|v| v.parse().ok()) {
        crate::clock::sync(now);
    }
    let text = response.text().await.map_err(ApiError::network)?;
    if (200..300).contains(&status) {
        return Ok((status, text));
    }
    #[derive(serde::Deserialize)]
    struct Body {
        code: String,
        message: String,
        field: Option<String>,
    }
    Err(match serde_json::from_str::<Body>(&text) {
        Ok(b) => ApiError { status, code: b.code, message: b.message, field: b.field },
        Err(_) => ApiError {
            status,
            code: "http".into(),
            message: format!("The server answered {status}."),
            field: None,
        },
    })
}

async fn send<T: DeserializeOwned>(builder: RequestBuilder, body: Option<String>) -> ApiResult<T> {
    let (status, text) = fetch(builder, body).await?;
    serde_json::from_str(&text).map_err(|e| ApiError {
        status,
        code: "bad_response".into(),
        message: format!("The server's answer could not be read ({e})."),
        field: None,
    })
}

fn json(body: &impl Serialize) -> Option<String> {
    serde_json::to_string(body).ok()
}

async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    send(Request::get(path), None).await
}

/// A response that carries the server's time (a slice to decide on).
trait Timed {
    fn server_now(&self) -> i64;
}

macro_rules! timed {
    ($($t:ty),*) => {$(impl Timed for $t { fn server_now(&self) -> i64 { self.now } })*};
}
timed!(WorkspaceBase, MemberPage, ResourcePage, GroupMemberPage, CompanyDetail);

/// [`get`] for a slice: the app's clock follows the server's time.
async fn get_timed<T: DeserializeOwned + Timed>(path: &str) -> ApiResult<T> {
    let r: T = get(path).await?;
    crate::clock::sync(r.server_now());
    Ok(r)
}

async fn post<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> ApiResult<T> {
    send(Request::post(path), json(body)).await
}

async fn post_empty<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    send(Request::post(path), None).await
}

async fn put<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> ApiResult<T> {
    send(Request::put(path), json(body)).await
}

async fn patch<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> ApiResult<T> {
    send(Request::patch(path), json(body)).await
}

async fn delete(path: &str) -> ApiResult<Done> {
    send(Request::delete(path), None).await
}

/// An enum's wire name as serde writes it (`Role::Admin` -> `admin`), for
/// `<option value>`s and paths.
pub fn wire_name<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).map(|s| s.trim_matches('"').to_owned()).unwrap_or_default()
}

/// The enum value a wire name stands for, if any.
pub fn from_wire_name<T: DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_str(&serde_json::to_string(name).ok()?).ok()
}

/// Query-string escaping for user text.
fn escape(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

// ---- account --------------------------------------------------------------

pub async fn me() -> ApiResult<Me> {
    let me: Me = get("/api/me").await?;
    remember_csrf(&me.csrf_token);
    Ok(me)
}

pub async fn sign_in(body: SignIn) -> ApiResult<Session> {
    let s: Session = post("/api/auth/login", &body).await?;
    remember_csrf(&s.csrf_token);
    Ok(s)
}

pub async fn sign_up(body: SignUp) -> ApiResult<Session> {
    let s: Session = post("/api/auth/signup", &body).await?;
    remember_csrf(&s.csrf_token);
    Ok(s)
}

pub async fn sign_out() -> ApiResult<Done> {
    post_empty("/api/auth/logout").await
}

// ---- workspaces -----------------------------------------------------------

/// Opening a workspace: the signed-in user's base slice.
pub async fn workspace(ws: Id) -> ApiResult<WorkspaceBase> {
    get_timed(&format!("/api/workspaces/{ws}")).await
}

/// The server's decision about `action` on the whole facts (what a slice
/// answers `incomplete_facts` about).
pub async fn decide(ws: Id, action: &policy::Action) -> ApiResult<policy::Decision> {
    let wire: policy::DecisionWire = post(&format!("/api/workspaces/{ws}/decide"), action).await?;
    policy::Decision::try_from(wire).map_err(ApiError::network)
}

/// A page of the resources the user may see (`kind`: only that kind).
pub async fn resources(
    ws: Id,
    kind: Option<policy::ResourceKind>,
    cursor: Option<&str>,
) -> ApiResult<ResourcePage> {
    let kind = kind.map(|k| format!("&kind={}", wire_name(&k))).unwrap_or_default();
    get_timed(&format!("/api/workspaces/{ws}/resources?limit=100{kind}{}", after(cursor))).await
}

/// A page of a group's members, searchable.
pub async fn group_members(
    ws: Id,
    group: Id,
    q: &str,
    cursor: Option<&str>,
) -> ApiResult<GroupMemberPage> {
    get_timed(&format!(
        "/api/workspaces/{ws}/groups/{group}/members?q={}{}",
        escape(q),
        after(cursor)
    ))
    .await
}

/// What deleting a group would do.
pub async fn group_impact(ws: Id, group: Id) -> ApiResult<GroupImpact> {
    get(&format!("/api/workspaces/{ws}/groups/{group}/impact")).await
}

/// A page of the Active members holding `role`.
pub async fn members_with_role(ws: Id, role: Role, cursor: Option<&str>) -> ApiResult<MemberPage> {
    get_timed(&format!(
        "/api/workspaces/{ws}/members?role={}&limit=100{}",
        wire_name(&role),
        after(cursor)
    ))
    .await
}

pub async fn create_workspace(company: Id, body: NewWorkspace) -> ApiResult<Created> {
    post(&format!("/api/companies/{company}/workspaces"), &body).await
}

pub async fn set_data_studio(ws: Id, on: bool) -> ApiResult<Done> {
    patch(&format!("/api/workspaces/{ws}"), &UpdateWorkspace { data_studio: on }).await
}

pub async fn delete_workspace(ws: Id) -> ApiResult<Done> {
    delete(&format!("/api/workspaces/{ws}")).await
}

pub async fn transfer_ownership(ws: Id, target: Id) -> ApiResult<Done> {
    post(&format!("/api/workspaces/{ws}/transfer"), &Transfer { target }).await
}

/// `&after=...` for a page after the first.
fn after(cursor: Option<&str>) -> String {
    cursor.map(|c| format!("&after={}", escape(c))).unwrap_or_default()
}

/// A page of the Users list (`after`: the previous page's `next`).
pub async fn members(ws: Id, q: &str, cursor: Option<&str>) -> ApiResult<MemberPage> {
    get_timed(&format!("/api/workspaces/{ws}/members?q={}{}", escape(q), after(cursor))).await
}

/// A page of the audit log; `kind` is a prefix, `actor` an account id.
pub async fn audit(
    ws: Id,
    actor: Option<Id>,
    kind: &str,
    cursor: Option<&str>,
) -> ApiResult<AuditPage> {
    let mut path = format!("/api/workspaces/{ws}/audit?kind={}{}", escape(kind), after(cursor));
    if let Some(a) = actor {
        path.push_str(&format!("&actor={a}"));
    }
    get(&path).await
}

// ---- people ---------------------------------------------------------------

pub async fn invite(ws: Id, email: String, role: Role) -> ApiResult<InvitationSent> {
    post(&format!("/api/workspaces/{ws}/invitations"), &NewInvitation { email, role }).await
}

pub async fn resend_invitation(ws: Id, invitation: Id) -> ApiResult<InvitationSent> {
    post_empty(&format!("/api/workspaces/{ws}/invitations/{invitation}/resend")).await
}

pub async fn delete_invitation(ws: Id, invitation: Id) -> ApiResult<Done> {
    delete(&format!("/api/workspaces/{ws}/invitations/{invitation}")).await
}

pub async fn invitation(token: &str) -> ApiResult<InvitationInfo> {
    get(&format!("/api/invitations/{}", escape(token))).await
}

pub async fn accept_invitation(token: &str, body: Accept) -> ApiResult<Session> {
    let s: Session = post(&format!("/api/invitations/{}/accept", escape(token)), &body).await?;
    remember_csrf(&s.csrf_token);
    Ok(s)
}

pub async fn join_link(ws: Id) -> ApiResult<JoinLink> {
    post_empty(&format!("/api/workspaces/{ws}/join-link")).await
}

pub async fn request_access(token: &str) -> ApiResult<Done> {
    post_empty(&format!("/api/join/{}", escape(token))).await
}

pub async fn authorize_request(ws: Id, request: Id) -> ApiResult<Done> {
    post_empty(&format!("/api/workspaces/{ws}/requests/{request}/authorize")).await
}

pub async fn reject_request(ws: Id, request: Id) -> ApiResult<Done> {
    delete(&format!("/api/workspaces/{ws}/requests/{request}")).await
}

pub async fn change_role(ws: Id, account: Id, role: Role) -> ApiResult<Done> {
    patch(&format!("/api/workspaces/{ws}/members/{account}"), &NewRole { role }).await
}

pub async fn remove_member(ws: Id, account: Id) -> ApiResult<Done> {
    delete(&format!("/api/workspaces/{ws}/members/{account}")).await
}

pub async fn save_toggles(ws: Id, role: Role, body: SaveToggles) -> ApiResult<Saved> {
    put(&format!("/api/workspaces/{ws}/toggles/{}", wire_name(&role)), &body).await
}

// ---- groups ---------------------------------------------------------------

pub async fn create_group(ws: Id, body: GroupFields) -> ApiResult<Created> {
    post(&format!("/api/workspaces/{ws}/groups"), &body).await
}

pub async fn delete_group(ws: Id, group: Id, confirm_name: String) -> ApiResult<Done> {
    let body = json(&ConfirmDelete { confirm_name });
    send(Request::delete(&format!("/api/workspaces/{ws}/groups/{group}")), body).await
}

pub async fn add_group_members(ws: Id, group: Id, accounts: Vec<Id>) -> ApiResult<Done> {
    post(&format!("/api/workspaces/{ws}/groups/{group}/members"), &AddMembers { accounts }).await
}

pub async fn remove_group_member(ws: Id, group: Id, account: Id) -> ApiResult<Done> {
    delete(&format!("/api/workspaces/{ws}/groups/{group}/members/{account}")).await
}

// ---- resources ------------------------------------------------------------

pub async fn create_resource(ws: Id, body: NewResource) -> ApiResult<Created> {
    post(&format!("/api/workspaces/{ws}/resources"), &body).await
}

pub async fn delete_resource(ws: Id, res: Id) -> ApiResult<Done> {
    delete(&format!("/api/workspaces/{ws}/resources/{res}")).await
}

pub async fn set_resource_groups(ws: Id, res: Id, groups: Vec<Id>) -> ApiResult<Done> {
    put(&format!("/api/workspaces/{ws}/resources/{res}/groups"), &SetGroups { groups }).await
}

pub async fn run_flow(ws: Id, flow: Id) -> ApiResult<RunPlan> {
    post_empty(&format!("/api/workspaces/{ws}/resources/{flow}/run")).await
}

// ---- companies and partners -----------------------------------------------

/// A page of the companies the user may see.
pub async fn companies(cursor: Option<String>) -> ApiResult<CompanyPage> {
    get(&format!("/api/companies?limit=100{}", after(cursor.as_deref()))).await
}

pub async fn partner_directory() -> ApiResult<Vec<Named>> {
    get("/api/partners").await
}

pub async fn company(id: Id) -> ApiResult<CompanyDetail> {
    get_timed(&format!("/api/companies/{id}")).await
}

pub async fn set_capabilities(company: Id, body: Capabilities) -> ApiResult<Done> {
    post(&format!("/api/companies/{company}/capabilities"), &body).await
}

pub async fn add_company_member(company: Id, body: NewCompanyMember) -> ApiResult<Done> {
    post(&format!("/api/companies/{company}/members"), &body).await
}

pub async fn remove_company_member(company: Id, account: Id) -> ApiResult<Done> {
    delete(&format!("/api/companies/{company}/members/{account}")).await
}

pub async fn set_company_admin(company: Id, account: Id, admin: bool) -> ApiResult<Done> {
    patch(&format!("/api/companies/{company}/members/{account}"), &CompanyAdmin { admin }).await
}

/// Verify an address with the token of the mailed link.
pub async fn verify_email(token: String) -> ApiResult<Done> {
    post("/api/auth/verify", &VerifyEmail { token }).await
}

/// Mail the signed-in account a new verification link.
pub async fn resend_verification() -> ApiResult<Done> {
    post_empty("/api/auth/verification").await
}

pub async fn create_grant(client: Id, body: NewGrant) -> ApiResult<GrantCreated> {
    post(&format!("/api/companies/{client}/grants"), &body).await
}

pub async fn redeem(access_key: String) -> ApiResult<Redeemed> {
    post("/api/grants/redeem", &Redeem { access_key }).await
}

pub async fn revoke_grant(grant: Id) -> ApiResult<Done> {
    delete(&format!("/api/grants/{grant}")).await
}

/// Renews or shortens a grant: access ends at `expires_at`.
pub async fn renew_grant(grant: Id, expires_at: i64) -> ApiResult<Done> {
    patch(&format!("/api/grants/{grant}"), &Renewal { expires_at }).await
}

pub async fn add_analyst(grant: Id, workspace: Id, account: Id) -> ApiResult<Done> {
    post(&format!("/api/grants/{grant}/analysts"), &NewAnalyst { workspace, account }).await
}

pub async fn remove_analyst(grant: Id, workspace: Id, account: Id) -> ApiResult<Done> {
    delete(&format!("/api/grants/{grant}/analysts/{workspace}/{account}")).await
}

// ---- explain and preview (SPEC 10) ------------------------------------------

/// A member's effective access, with a page of the resources the user sees.
pub async fn member_access(
    ws: Id,
    member: Id,
    cursor: Option<&str>,
) -> ApiResult<policy::api::MemberAccessPage> {
    let r: policy::api::MemberAccessPage =
        get(&format!("/api/workspaces/{ws}/members/{member}/access?limit=50{}", after(cursor)))
            .await?;
    crate::clock::sync(r.now);
    Ok(r)
}

/// Who can view, edit and delete a resource.
pub async fn resource_access(ws: Id, res: Id) -> ApiResult<policy::api::ResourceAccessInfo> {
    let r: policy::api::ResourceAccessInfo =
        get(&format!("/api/workspaces/{ws}/resources/{res}/access")).await?;
    crate::clock::sync(r.now);
    Ok(r)
}

/// The dry run of an access change: who would gain and lose what.
pub async fn preview(ws: Id, action: &policy::Action) -> ApiResult<policy::api::PreviewAnswer> {
    post(&format!("/api/workspaces/{ws}/preview"), action).await
}
