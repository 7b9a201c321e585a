//! Settings → Users: search, invite, change permission, remove access,
//! resend or delete invitations, authorize access requests, the join link.

use std::sync::Arc;

use leptos::prelude::*;
use policy::api::MemberRow;
use policy::validate::normalize_email;
use policy::{Action, Decision, Role};

mod member_actions;

use member_actions::MemberActions;

use crate::api;
use crate::components::access::MemberAccessPanel;
use crate::components::controls::{CopyField, GuardedButton};
use crate::components::impact::ConfirmChange;
use crate::components::keep::draft;
use crate::components::modal::Modal;
use crate::components::more::{More, ShowMore};
use crate::components::notice::{Empty, ErrorNote, Loading, Outcome, OutcomeNote};
use crate::components::search::{DEBOUNCE_MS, debounce};
use crate::labels::role_label;
use crate::workspace::{Loaded, WsContext, use_ws};

#[component]
pub fn UsersTab() -> impl IntoView {
    let ctx = use_ws();
    let query = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Outcome>);
    let inviting = RwSignal::new(false);
    let own_access = RwSignal::new(false);
    // A new join link is shown once; it must outlive the reload that follows.
    let join_link = RwSignal::new(None::<String>);
    let more = More::<MemberRow>::new();
    let rows = LocalResource::new(move || {
        let ws = ctx.id.get();
        let q = query.get();
        // Re-read the list whenever the workspace changes (a new version).
        let _ = ctx.version.get();
        more.reset();
        async move { api::members(ws, &q, None).await }
    });
    let on_more = Callback::new(move |cursor: String| {
        let (ws, q) = (ctx.id.get_untracked(), query.get_untracked());
        leptos::task::spawn_local(async move {
            match api::members(ws, &q, Some(&cursor)).await {
                Ok(page) => more.push(page.rows, page.next, Some(page.slice)),
                Err(e) => outcome.set(Some(Outcome::Failed(e))),
            }
        });
    });
    move || {
        let loaded = ctx.loaded()?;
        let ab = loaded.abilities();
        let invite_roles = ab.invite_roles.clone();
        let roles_for_modal = invite_roles.clone();
        let l = loaded.clone();
        let me = loaded.me;
        let ws = loaded.ws();
        let my_name = loaded.name_of(me);
        Some(view! {
            <section class="page" aria-labelledby="users-title">
                {move || own_access.get().then(|| view! {
                    <MemberAccessPanel ws member=me name=my_name.clone() on_close=move || own_access.set(false)/>
                })}
                <div class="toolbar">
                    <h2 id="users-title">"Users"</h2>
                    <label class="search">
                        <span class="visually-hidden">"Search users"</span>
                        <input type="search" placeholder="Search by name or email" aria-label="Search users"
                            prop:value=move || query.get_untracked()
                            on:input=move |ev| debounce(query, event_target_value(&ev))/>
                    </label>
                    <button type="button" class="button quiet" on:click=move |_| own_access.set(true)>"Your access"</button>
                    <GuardedButton decision=ab.invite.clone() label="Invite users" class="button primary"
                        on_click=move || inviting.set(true)/>
                </div>
                <OutcomeNote outcome/>
                <Requests loaded=loaded.clone() outcome/>
                {move || match rows.get() {
                    None => view! { <Loading what="users"/> }.into_any(),
                    Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
                    Some(Ok(page)) if page.rows.is_empty() => view! { <Empty text="No users match your search."/> }.into_any(),
                    Some(Ok(page)) => {
                        let (rows, next) = more.all(&page.rows, page.next.clone());
                        // The rows are decided on the base plus their pages' slices.
                        let slices = more.slices.get();
                        let decided = l.with_pages(std::iter::once(&page.slice).chain(slices.iter()));
                        view! { <UserTable loaded=decided rows outcome/><ShowMore next on_more/> }.into_any()
                    }
                }}
                <JoinLinkPanel loaded=loaded.clone() outcome link=join_link/>
                {move || inviting.get().then(|| view! {
                    <InviteModal loaded=loaded.clone() roles=roles_for_modal.clone() outcome on_close=move || inviting.set(false)/>
                })}
            </section>
        })
    }
}

#[component]
fn UserTable(
    loaded: Arc<Loaded>,
    rows: Vec<MemberRow>,
    outcome: RwSignal<Option<Outcome>>,
) -> impl IntoView {
    let ws = loaded.ws();
    // The actions column appears only for someone who may act on someone.
    let acts = |r: &MemberRow| match r.invitation {
        Some(inv) => {
            loaded.decide(&Action::DeleteInvitation { workspace: ws, invitation: inv }).is_allowed()
        }
        None => {
            let c = loaded.facts.member_controls(loaded.me, ws, r.id, crate::clock::now());
            c.change_role.is_allowed() || c.remove.is_allowed()
        }
    };
    let show_actions = rows.iter().any(acts);
    view! {
        <table class="table">
            <caption class="visually-hidden">"Users of this workspace"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Permission"</th>
                    {show_actions.then(|| view! { <th scope="col">"Actions"</th> })}
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|r| view! { <UserRow loaded=loaded.clone() row=r show_actions outcome/> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn UserRow(
    loaded: Arc<Loaded>,
    row: MemberRow,
    show_actions: bool,
    outcome: RwSignal<Option<Outcome>>,
) -> impl IntoView {
    let ctx = use_ws();
    let ws = loaded.ws();
    let status = row.status.label();
    let who = if row.name.is_empty() { row.email.clone() } else { row.name.clone() };
    let actions = show_actions.then(|| match row.invitation {
        Some(inv) => {
            let resend = loaded.decide(&Action::ResendInvitation { workspace: ws, invitation: inv });
            let delete = loaded.decide(&Action::DeleteInvitation { workspace: ws, invitation: inv });
            let email = row.email.clone();
            view! {
                <GuardedButton decision=resend label="Resend" aria_label=format!("Resend invitation to {email}") class="button quiet"
                    on_click=move || ctx.change(outcome, "Invitation sent again.", api::resend_invitation(ws, inv), |_| ())/>
                <GuardedButton decision=delete label="Delete" aria_label=format!("Delete invitation to {}", row.email) class="button quiet danger"
                    on_click=move || ctx.change(outcome, "Invitation deleted.", api::delete_invitation(ws, inv), |_| ())/>
            }
            .into_any()
        }
        None => view! { <MemberActions loaded=loaded.clone() account=row.id who=who.clone() outcome/> }.into_any(),
    });
    view! {
        <tr>
            <th scope="row">{who.clone()}</th>
            <td>{row.email.clone()}</td>
            <td><span class=format!("status {}", row.status.key())>{status}</span></td>
            <td>
                {role_label(&row.role)}
                {row.partner.clone().map(|p| view! { <span class="badge partner" title="Partner analyst">{format!("Partner: {p}")}</span> })}
            </td>
            {actions.map(|a| view! { <td><div class="actions">{a}</div></td> })}
        </tr>
    }
}

#[component]
fn InviteModal(
    loaded: Arc<Loaded>,
    roles: Vec<Role>,
    outcome: RwSignal<Option<Outcome>>,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = use_ws();
    let ws = loaded.ws();
    // Typed input survives the workspace being revalidated meanwhile.
    let email = draft("invite:email", String::new);
    let role = draft("invite:role", || roles.first().copied().unwrap_or(Role::Developer));
    let error = RwSignal::new(None::<crate::api::ApiError>);
    // Inline check with the same validation and rule the server applies;
    // whether the address already belongs to a member depends on every
    // member, which the page does not hold: then the server is asked.
    let asked = RwSignal::new(None::<(String, Role, Decision)>);
    let local = Signal::derive(move || -> Decision {
        match normalize_email(&email.get()) {
            Err(e) => Decision::deny_with(policy::Reason::InvalidEmail, e.to_string()),
            Ok(e) => loaded.decide(&Action::Invite { workspace: ws, email: e, role: role.get() }),
        }
    });
    Effect::new(move |_| {
        if local.get().reason() != Some(policy::Reason::IncompleteFacts) {
            return;
        }
        let (address, r) = (email.get(), role.get());
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(DEBOUNCE_MS).await;
            if email.get_untracked() != address || role.get_untracked() != r {
                return;
            }
            let action = Action::Invite { workspace: ws, email: address.clone(), role: r };
            if let Ok(d) = api::decide(ws, &action).await {
                asked.set(Some((address, r, d)));
            }
        });
    });
    let check = Signal::derive(move || -> Decision {
        let d = local.get();
        if d.reason() != Some(policy::Reason::IncompleteFacts) {
            return d;
        }
        match asked.get() {
            Some((e, r, answer)) if e == email.get() && r == role.get() => answer,
            _ => Decision::deny_with(policy::Reason::IncompleteFacts, "Checking this address…"),
        }
    });
    let close = on_close.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let close = close.clone();
        let address = email.get_untracked();
        let r = role.get_untracked();
        leptos::task::spawn_local(async move {
            match api::invite(ws, address.clone(), r).await {
                Ok(sent) => {
                    let what = if sent.resent { "renewed" } else { "sent" };
                    outcome.set(Some(Outcome::Done(format!("Invitation {what} to {address}."))));
                    ctx.reload();
                    close();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let shown = move || !email.get().is_empty();
    view! {
        <Modal title="Invite users" on_close=move || on_close()>
            <form class="form" on:submit=submit>
                <label>
                    "Email"
                    <input type="email" required=true bind:value=email autocomplete="off"/>
                </label>
                <label>
                    "Permission"
                    <select on:change=move |ev| {
                        if let Some(r) = crate::api::from_wire_name::<Role>(&event_target_value(&ev)) {
                            role.set(r);
                        }
                    }>
                        {roles.iter().map(|&r| {
                            let key = crate::api::wire_name(&r);
                            // The kept choice shows again after a re-render.
                            view! { <option value=key selected=move || role.get() == r>{r.label()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                {move || (shown()).then(|| check.get().message().map(|m| view! { <p class="why" role="status">{m.to_owned()}</p> }))}
                {move || error.get().map(|e| view! { <ErrorNote error=e/> })}
                <div class="modal-actions">
                    <button type="submit" class="button primary" disabled=move || !check.get().is_allowed()>"Send invitation"</button>
                </div>
            </form>
        </Modal>
    }
}

/// Pending access requests (from the join link): authorize or reject.
#[component]
fn Requests(loaded: Arc<Loaded>, outcome: RwSignal<Option<Outcome>>) -> impl IntoView {
    let ctx = use_ws();
    let ws = loaded.ws();
    let requests = loaded.view().map(|v| v.data().requests.clone()).unwrap_or_default();
    let visible: Vec<_> = requests
        .into_iter()
        .filter(|r| {
            loaded.decide(&Action::RejectRequest { workspace: ws, request: r.id }).is_allowed()
        })
        .collect();
    (!visible.is_empty()).then(|| view! {
        <section class="card requests" aria-labelledby="requests-title">
            <h3 id="requests-title">"Access requests"</h3>
            <ul>
                {visible.into_iter().map(|r| {
                    let who = loaded.name_of(r.account);
                    let authorize = loaded.decide(&Action::AuthorizeRequest { workspace: ws, request: r.id });
                    let reject = loaded.decide(&Action::RejectRequest { workspace: ws, request: r.id });
                    let confirming = draft(format!("authorize:{}", r.id), || false);
                    let request = r.id;
                    let who_confirm = who.clone();
                    view! {
                        <li>
                            <span>{format!("{who} ({})", loaded.email_of(r.account))}</span>
                            <GuardedButton decision=authorize label="Authorize" aria_label=format!("Authorize {who}") class="button primary"
                                on_click=move || confirming.set(true)/>
                            {move || confirming.get().then(|| view! {
                                <ConfirmChange title=format!("Authorize {who_confirm}") question=format!("{who_confirm} joins as Developer.")
                                    ws action=Action::AuthorizeRequest { workspace: ws, request } confirm="Authorize"
                                    on_close=move || confirming.set(false)
                                    on_confirm=move || ctx.change(outcome, "Access authorized: they joined as Developer.", api::authorize_request(ws, request), |_| ())/>
                            })}
                            <GuardedButton decision=reject label="Reject" aria_label=format!("Reject {who}") class="button quiet danger"
                                on_click=move || ctx.change(outcome, "Request rejected.", api::reject_request(ws, r.id), |_| ())/>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    })
}

/// Create or rotate the join link; the new link is shown once.
#[component]
fn JoinLinkPanel(
    loaded: Arc<Loaded>,
    outcome: RwSignal<Option<Outcome>>,
    link: RwSignal<Option<String>>,
) -> impl IntoView {
    let ctx: WsContext = use_ws();
    let ws = loaded.ws();
    let decision = loaded.decide(&Action::ManageJoinLink { workspace: ws });
    decision.is_allowed().then(|| view! {
        <section class="card" aria-labelledby="join-title">
            <h3 id="join-title">"Join link"</h3>
            <p class="muted">"People who open it can ask for access; you authorize each request. A new link replaces the old one."</p>
            <GuardedButton decision=decision.clone() label="Create a new join link" class="button"
                on_click=move || ctx.change(outcome, "A new join link was created.", api::join_link(ws), move |j| link.set(Some(j.link)))/>
            {move || link.get().map(|l| view! { <CopyField label="Join link" value=l/> })}
        </section>
    })
}
