//! Path parameters, one struct per shape of path. A handler extracts one
//! (`input::Path<WsGroupPath>`) and its OpenAPI operation declares the same
//! struct (`params(WsGroupPath)`): what is parsed is what is documented, and
//! a name that differs from the route's `{param}` fails every request to it.

use policy::Role;
use serde::Deserialize;
use utoipa::IntoParams;

/// `{company}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CompanyPath {
    /// A company's id.
    pub company: i64,
}

/// `{company}/members/{account}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CompanyAccountPath {
    /// A company's id.
    pub company: i64,
    /// The member's account id.
    pub account: i64,
}

/// `{ws}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WsPath {
    /// A workspace's id.
    pub ws: i64,
}

/// `{ws}/members/{account}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WsAccountPath {
    /// A workspace's id.
    pub ws: i64,
    /// The member's account id.
    pub account: i64,
}

/// `{ws}/invitations/{inv}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WsInvitationPath {
    /// A workspace's id.
    pub ws: i64,
    /// An invitation's id.
    pub inv: i64,
}

/// `{ws}/requests/{req}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WsRequestPath {
    /// A workspace's id.
    pub ws: i64,
    /// An access request's id.
    pub req: i64,
}

/// `{ws}/toggles/{role}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WsRolePath {
    /// A workspace's id.
    pub ws: i64,
    /// The role whose toggles are saved: `admin` or `developer` (the
    /// Owner's are fixed); anything else is 422.
    #[param(value_type = Role)]
    pub role: String,
}

/// `{ws}/groups/{group}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WsGroupPath {
    /// A workspace's id.
    pub ws: i64,
    /// A group's id.
    pub group: i64,
}

/// `{ws}/groups/{group}/members/{account}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WsGroupAccountPath {
    /// A workspace's id.
    pub ws: i64,
    /// A group's id.
    pub group: i64,
    /// The member's account id.
    pub account: i64,
}

/// `{ws}/resources/{res}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WsResourcePath {
    /// A workspace's id.
    pub ws: i64,
    /// A resource's id.
    pub res: i64,
}

/// `{token}` of a link (an invitation or a join link).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TokenPath {
    /// The secret token at the end of the link.
    pub token: String,
}

/// `{grant}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GrantPath {
    /// A partner grant's id.
    pub grant: i64,
}

/// `{grant}/analysts/{ws}/{account}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GrantAnalystPath {
    /// A partner grant's id.
    pub grant: i64,
    /// A workspace's id.
    pub ws: i64,
    /// The analyst's account id.
    pub account: i64,
}
