//! The sixteen permission toggles, their categories and defaults.

use serde::{Deserialize, Serialize};

/// One permission toggle, stored per workspace for the Admin role and for the
/// Developer role. The Owner always has all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Toggle {
    #[serde(rename = "users.add")]
    UsersAdd,
    #[serde(rename = "users.authorize")]
    UsersAuthorize,
    #[serde(rename = "users.change_permission")]
    UsersChangePermission,
    #[serde(rename = "users.delete")]
    UsersDelete,
    #[serde(rename = "connected_account.create")]
    ConnectedAccountCreate,
    #[serde(rename = "connected_account.edit")]
    ConnectedAccountEdit,
    #[serde(rename = "connected_account.delete")]
    ConnectedAccountDelete,
    #[serde(rename = "api_gateway.create")]
    ApiGatewayCreate,
    #[serde(rename = "api_gateway.edit")]
    ApiGatewayEdit,
    #[serde(rename = "api_gateway.delete")]
    ApiGatewayDelete,
    #[serde(rename = "api_gateway_users.create")]
    ApiGatewayUsersCreate,
    #[serde(rename = "api_gateway_users.edit")]
    ApiGatewayUsersEdit,
    #[serde(rename = "api_gateway_users.delete")]
    ApiGatewayUsersDelete,
    #[serde(rename = "integrations.create")]
    IntegrationsCreate,
    #[serde(rename = "integrations.edit")]
    IntegrationsEdit,
    #[serde(rename = "integrations.delete")]
    IntegrationsDelete,
}

/// The five categories the toggles are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    WorkspaceUsers,
    ConnectedAccount,
    ApiGateway,
    ApiGatewayUsers,
    Integrations,
}

impl Category {
    /// Every category in display order.
    pub const ALL: [Category; 5] = [
        Category::WorkspaceUsers,
        Category::ConnectedAccount,
        Category::ApiGateway,
        Category::ApiGatewayUsers,
        Category::Integrations,
    ];

    /// The heading the product shows.
    pub const fn label(self) -> &'static str {
        match self {
            Category::WorkspaceUsers => "Workspace users",
            Category::ConnectedAccount => "Connected account",
            Category::ApiGateway => "API Gateway",
            Category::ApiGatewayUsers => "API Gateway users",
            Category::Integrations => "Integrations",
        }
    }

    /// The toggles of this category, in display order.
    pub fn toggles(self) -> impl Iterator<Item = Toggle> {
        Toggle::ALL.into_iter().filter(move |t| t.category() == self)
    }
}

/// What a toggle lets its holder do to things of its category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Create,
    Edit,
    Delete,
}

impl Toggle {
    /// All sixteen, in display order.
    pub const ALL: [Toggle; 16] = [
        Toggle::UsersAdd,
        Toggle::UsersAuthorize,
        Toggle::UsersChangePermission,
        Toggle::UsersDelete,
        Toggle::ConnectedAccountCreate,
        Toggle::ConnectedAccountEdit,
        Toggle::ConnectedAccountDelete,
        Toggle::ApiGatewayCreate,
        Toggle::ApiGatewayEdit,
        Toggle::ApiGatewayDelete,
        Toggle::ApiGatewayUsersCreate,
        Toggle::ApiGatewayUsersEdit,
        Toggle::ApiGatewayUsersDelete,
        Toggle::IntegrationsCreate,
        Toggle::IntegrationsEdit,
        Toggle::IntegrationsDelete,
    ];

    /// The stable key, e.g. `users.add`.
    pub const fn key(self) -> &'static str {
        match self {
            Toggle::UsersAdd => "users.add",
            Toggle::UsersAuthorize => "users.authorize",
            Toggle::UsersChangePermission => "users.change_permission",
            Toggle::UsersDelete => "users.delete",
            Toggle::ConnectedAccountCreate => "connected_account.create",
            Toggle::ConnectedAccountEdit => "connected_account.edit",
            Toggle::ConnectedAccountDelete => "connected_account.delete",
            Toggle::ApiGatewayCreate => "api_gateway.create",
            Toggle::ApiGatewayEdit => "api_gateway.edit",
            Toggle::ApiGatewayDelete => "api_gateway.delete",
            Toggle::ApiGatewayUsersCreate => "api_gateway_users.create",
            Toggle::ApiGatewayUsersEdit => "api_gateway_users.edit",
            Toggle::ApiGatewayUsersDelete => "api_gateway_users.delete",
            Toggle::IntegrationsCreate => "integrations.create",
            Toggle::IntegrationsEdit => "integrations.edit",
            Toggle::IntegrationsDelete => "integrations.delete",
        }
    }

    /// The toggle with this key, if any.
    pub fn from_key(key: &str) -> Option<Toggle> {
        Toggle::ALL.into_iter().find(|t| t.key() == key)
    }

    /// The label the product shows (seed wording).
    pub const fn label(self) -> &'static str {
        match self {
            Toggle::UsersAdd => "Add users to the workspace",
            Toggle::UsersAuthorize => "Authorize users in the workspace",
            Toggle::UsersChangePermission => "Change user permission",
            Toggle::UsersDelete => "Delete users from the workspace",
            Toggle::ConnectedAccountCreate => "Create connected account",
            Toggle::ConnectedAccountEdit => "Edit connected account",
            Toggle::ConnectedAccountDelete => "Delete connected account",
            Toggle::ApiGatewayCreate => "Create API Gateway",
            Toggle::ApiGatewayEdit => "Edit API Gateway",
            Toggle::ApiGatewayDelete => "Delete API Gateway",
            Toggle::ApiGatewayUsersCreate => "Create API Gateway user",
            Toggle::ApiGatewayUsersEdit => "Edit API Gateway user",
            Toggle::ApiGatewayUsersDelete => "Delete API Gateway user",
            Toggle::IntegrationsCreate => "Create integration",
            Toggle::IntegrationsEdit => "Edit integration",
            Toggle::IntegrationsDelete => "Delete integration",
        }
    }

    /// The category the toggle is listed under.
    pub const fn category(self) -> Category {
        match self {
            Toggle::UsersAdd
            | Toggle::UsersAuthorize
            | Toggle::UsersChangePermission
            | Toggle::UsersDelete => Category::WorkspaceUsers,
            Toggle::ConnectedAccountCreate
            | Toggle::ConnectedAccountEdit
            | Toggle::ConnectedAccountDelete => Category::ConnectedAccount,
            Toggle::ApiGatewayCreate | Toggle::ApiGatewayEdit | Toggle::ApiGatewayDelete => {
                Category::ApiGateway
            }
            Toggle::ApiGatewayUsersCreate
            | Toggle::ApiGatewayUsersEdit
            | Toggle::ApiGatewayUsersDelete => Category::ApiGatewayUsers,
            Toggle::IntegrationsCreate | Toggle::IntegrationsEdit | Toggle::IntegrationsDelete => {
                Category::Integrations
            }
        }
    }

    /// The toggle of `category` for `op`, where the category has one.
    pub const fn for_operation(category: Category, op: Operation) -> Option<Toggle> {
        Some(match (category, op) {
            (Category::WorkspaceUsers, _) => return None,
            (Category::ConnectedAccount, Operation::Create) => Toggle::ConnectedAccountCreate,
            (Category::ConnectedAccount, Operation::Edit) => Toggle::ConnectedAccountEdit,
            (Category::ConnectedAccount, Operation::Delete) => Toggle::ConnectedAccountDelete,
            (Category::ApiGateway, Operation::Create) => Toggle::ApiGatewayCreate,
            (Category::ApiGateway, Operation::Edit) => Toggle::ApiGatewayEdit,
            (Category::ApiGateway, Operation::Delete) => Toggle::ApiGatewayDelete,
            (Category::ApiGatewayUsers, Operation::Create) => Toggle::ApiGatewayUsersCreate,
            (Category::ApiGatewayUsers, Operation::Edit) => Toggle::ApiGatewayUsersEdit,
            (Category::ApiGatewayUsers, Operation::Delete) => Toggle::ApiGatewayUsersDelete,
            (Category::Integrations, Operation::Create) => Toggle::IntegrationsCreate,
            (Category::Integrations, Operation::Edit) => Toggle::IntegrationsEdit,
            (Category::Integrations, Operation::Delete) => Toggle::IntegrationsDelete,
        })
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of toggles, as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ToggleSet(u16);

impl ToggleSet {
    /// No toggle.
    pub const EMPTY: ToggleSet = ToggleSet(0);
    /// All sixteen: what the Owner always has.
    pub const ALL: ToggleSet = ToggleSet(u16::MAX);

    /// Whether `t` is in the set.
    pub const fn contains(self, t: Toggle) -> bool {
        self.0 & t.bit() != 0
    }

    /// The set with `t` switched on or off.
    #[must_use]
    pub const fn with(self, t: Toggle, on: bool) -> ToggleSet {
        if on { ToggleSet(self.0 | t.bit()) } else { ToggleSet(self.0 & !t.bit()) }
    }

    /// The toggles in the set, in display order.
    pub fn iter(self) -> impl Iterator<Item = Toggle> {
        Toggle::ALL.into_iter().filter(move |t| self.contains(*t))
    }

    /// Whether every toggle of `self` is also in `other`.
    pub const fn is_subset(self, other: ToggleSet) -> bool {
        self.0 & !other.0 == 0
    }

    /// A new workspace's Admin role: all sixteen.
    pub const fn admin_default() -> ToggleSet {
        ToggleSet::ALL
    }

    /// A new workspace's Developer role: every `create` and `edit` toggle of
    /// the last four categories, nothing else.
    pub fn developer_default() -> ToggleSet {
        [
            Toggle::ConnectedAccountCreate,
            Toggle::ConnectedAccountEdit,
            Toggle::ApiGatewayCreate,
            Toggle::ApiGatewayEdit,
            Toggle::ApiGatewayUsersCreate,
            Toggle::ApiGatewayUsersEdit,
            Toggle::IntegrationsCreate,
            Toggle::IntegrationsEdit,
        ]
        .into_iter()
        .collect()
    }
}

impl FromIterator<Toggle> for ToggleSet {
    fn from_iter<I: IntoIterator<Item = Toggle>>(iter: I) -> Self {
        iter.into_iter().fold(ToggleSet::EMPTY, |s, t| s.with(t, true))
    }
}
