//! How the app words things several pages show.

use policy::Role;

/// A role's label (`Role::Admin` -> "Administrator").
pub fn role_label(role: &Role) -> &'static str {
    role.label()
}
