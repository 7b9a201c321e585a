//! Who is signed in: `/api/me`, loaded once and reloaded after sign-in,
//! sign-out and anything that changes the user's workspaces or companies.

use leptos::prelude::*;
use policy::api::Me;

use crate::api::{self, ApiResult};

#[derive(Clone, Copy)]
pub struct Session {
    state: RwSignal<Option<ApiResult<Me>>>,
}

impl Session {
    /// The signed-in user (reactive): `None` until first loaded.
    pub fn get(&self) -> Option<ApiResult<Me>> {
        self.state.get()
    }

    /// Asks the server again, and waits for the answer (sign-in, sign-out
    /// and accepting an invitation navigate only after it).
    pub async fn refresh(self) {
        let me = api::me().await;
        self.state.set(Some(me));
    }

    /// Refreshes in the background.
    pub fn reload(&self) {
        leptos::task::spawn_local(self.refresh());
    }
}

pub fn provide_session() {
    let session = Session { state: RwSignal::new(None) };
    session.reload();
    provide_context(session);
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Renders `children` with the signed-in user; sends everyone else to sign
/// in (and back here after).
#[component]
pub fn SignedIn<F, V>(children: F) -> impl IntoView
where
    F: Fn(Me) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    use leptos_router::components::Redirect;
    use leptos_router::hooks::use_location;

    use crate::components::notice::{ErrorNote, Loading};
    use crate::route::Page;

    let session = use_session();
    let location = use_location();
    move || match session.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) if e.is_unauthorized() => {
            let here = location.pathname.get_untracked();
            let path = format!("{}?next={}", Page::SignIn.href(), here);
            view! { <Redirect path=path/> }.into_any()
        }
        Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
        Some(Ok(me)) => children(me).into_view().into_any(),
    }
}
