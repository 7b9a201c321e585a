//! Workspace roles and their rank.

use serde::{Deserialize, Serialize};

/// A member's role in one workspace. There are no custom roles (seed:
/// "You cannot create custom permissions").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Can develop integrations, but has no administrative tasks.
    Developer,
    /// Configures access and payment, creates and edits information.
    Admin,
    /// The workspace's one owner: its creator, until ownership is transferred.
    Owner,
}

impl Role {
    /// Every role, lowest rank first.
    pub const ALL: [Role; 3] = [Role::Developer, Role::Admin, Role::Owner];

    /// Rank: Owner (3) > Administrator (2) > Developer (1).
    pub const fn rank(self) -> u8 {
        match self {
            Role::Developer => 1,
            Role::Admin => 2,
            Role::Owner => 3,
        }
    }

    /// The name the product shows.
    pub const fn label(self) -> &'static str {
        match self {
            Role::Developer => "Developer",
            Role::Admin => "Administrator",
            Role::Owner => "Owner",
        }
    }

    /// The lower-ranked of two roles.
    pub fn min(self, other: Role) -> Role {
        if self.rank() <= other.rank() { self } else { other }
    }

    /// Roles that can be given by invitation, role change or partner grant:
    /// the Owner role only ever moves by ownership transfer.
    pub const fn assignable(self) -> bool {
        !matches!(self, Role::Owner)
    }
}
