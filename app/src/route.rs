//! The only place route strings live: `Page` builds links, `App` maps paths
//! to pages.

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::use_query_map;
use leptos_router::path;
use policy::Id;

use crate::components::layout::Shell;
use crate::pages::{
    audit::AuditPage, company::CompanyPage, groups::GroupsTab, home::Home,
    invitation::AcceptInvitation, join::JoinPage, permissions::PermissionsTab,
    resources::ResourcesPage, settings::WorkspaceSettings, sign_in::SignIn, sign_up::SignUp,
    support::SupportPage, users::UsersTab, verify::VerifyEmailPage, workspace::WorkspacePage,
};
use crate::session::provide_session;

/// Every page the app can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    SignIn,
    SignUp,
    Home,
    Users(Id),
    Groups(Id),
    Permissions(Id),
    Resources(Id),
    Audit(Id),
    Settings(Id),
    Company(Id),
    Support,
}

impl Page {
    pub fn href(self) -> String {
        match self {
            Page::SignIn => "/signin".into(),
            Page::SignUp => "/signup".into(),
            Page::Home => "/".into(),
            Page::Users(ws) => format!("/w/{ws}/users"),
            Page::Groups(ws) => format!("/w/{ws}/groups"),
            Page::Permissions(ws) => format!("/w/{ws}/permissions"),
            Page::Resources(ws) => format!("/w/{ws}/resources"),
            Page::Audit(ws) => format!("/w/{ws}/audit"),
            Page::Settings(ws) => format!("/w/{ws}/settings"),
            Page::Company(c) => format!("/companies/{c}"),
            Page::Support => "/support".into(),
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_session();
    view! {
        <Router>
            <Shell>
                <Routes fallback=|| view! { <section class="page"><h1>"Page not found"</h1><a href="/">"Back to your workspaces"</a></section> }>
                    <Route path=path!("/signin") view=SignIn/>
                    <Route path=path!("/signup") view=SignUp/>
                    <Route path=path!("/invite/:token") view=AcceptInvitation/>
                    <Route path=path!("/join/:token") view=JoinPage/>
                    <Route path=path!("/verify/:token") view=VerifyEmailPage/>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/companies/:company") view=CompanyPage/>
                    <Route path=path!("/support") view=SupportPage/>
                    <ParentRoute path=path!("/w/:ws") view=WorkspacePage>
                        <Route path=path!("") view=UsersTab/>
                        <Route path=path!("users") view=UsersTab/>
                        <Route path=path!("groups") view=GroupsTab/>
                        <Route path=path!("permissions") view=PermissionsTab/>
                        <Route path=path!("resources") view=ResourcesPage/>
                        <Route path=path!("audit") view=AuditPage/>
                        <Route path=path!("settings") view=WorkspaceSettings/>
                    </ParentRoute>
                </Routes>
            </Shell>
        </Router>
    }
}

/// Where to go after signing in: a local path from `?next=`, else home.
pub fn next_path() -> impl Fn() -> String + Clone {
    let query = use_query_map();
    move || {
        query
            .read_untracked()
            .get("next")
            .and_then(|n| same_origin_path(&n))
            .unwrap_or_else(|| Page::Home.href())
    }
}

/// `next` if it is a path on this site, never anywhere else: one leading
/// `/` not followed by another `/` or `\` (browsers read `//x` and `/\x`
/// as another host), no backslash or encoded slash or backslash that a URL
/// parser could turn into one, no control characters or spaces, no scheme.
pub fn same_origin_path(next: &str) -> Option<String> {
    let rest = next.strip_prefix('/')?;
    let lower = next.to_ascii_lowercase();
    let bad = rest.starts_with('/')
        || next.contains('\\')
        || lower.contains("%5c")
        || lower.starts_with("/%2f")
        || next.chars().any(|c| c.is_control() || c.is_whitespace());
    (!bad).then(|| next.to_owned())
}

#[cfg(test)]
mod tests {
    use super::same_origin_path;

    #[test]
    fn next_accepts_same_origin_paths_only() {
        for hostile in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "%2F%2Fevil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "javascript:alert(1)",
            "https://evil.example/",
            "http:evil.example",
            "evil.example",
            "",
            "/\t/evil.example",
            " /w/1",
            "/w/1\nLocation: x",
        ] {
            assert_eq!(same_origin_path(hostile), None, "{hostile:?} must be refused");
        }
        for fine in ["/", "/w/12/users", "/invite/abc123", "/join/t0k?x=1", "/w/1#top"] {
            assert_eq!(same_origin_path(fine).as_deref(), Some(fine));
        }
    }
}
