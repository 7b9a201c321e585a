//! How the app words things several pages show.

use policy::Role;

/// A role's label from its wire name (`"admin"` -> "Administrator").
pub fn role_label(role: &str) -> &'static str {
    crate::api::from_wire_name::<Role>(role).map(Role::label).unwrap_or("Unknown")
}
