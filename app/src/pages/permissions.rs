//! Settings → Permissions (Owner and Admins): the Admin and Developer cards
//! with user counts and "View all", and the form of 16 toggles in their 5
//! categories. Toggles this actor may not change are disabled with the
//! reason; "Save changes" sends one batch based on the version it started
//! from, and a conflict reloads the latest state instead of overwriting it.

use std::sync::Arc;

use leptos::prelude::*;
use policy::api::{MemberRow, SaveToggles};
use policy::{Action, Category, Role, ToggleSet};

use crate::api;
use crate::components::controls::{GuardedButton, WhyNot};
use crate::components::impact::ImpactPreview;
use crate::components::keep;
use crate::components::more::{More, ShowMore};
use crate::components::notice::{ErrorNote, Loading, Outcome, OutcomeNote};
use crate::workspace::{Loaded, use_ws};

#[component]
pub fn PermissionsTab() -> impl IntoView {
    let ctx = use_ws();
    let outcome = RwSignal::new(None::<Outcome>);
    let editing = RwSignal::new(None::<Role>);
    let listing = RwSignal::new(None::<Role>);
    move || {
        let loaded = ctx.loaded()?;
        let ab = loaded.abilities();
        if let Some(why) = ab.permissions_tab.message() {
            return Some(view! { <section class="page"><p class="notice error" role="alert">{why.to_owned()}</p></section> }.into_any());
        }
        let l = loaded.clone();
        let l2 = loaded.clone();
        Some(view! {
            <section class="page" aria-labelledby="perm-title">
                <h2 id="perm-title">"Permissions"</h2>
                <p class="muted">"The Owner can do everything. What Administrators and Developers may do is set here, for everyone with that permission."</p>
                <OutcomeNote outcome/>
                <div class="role-cards">
                    {[Role::Admin, Role::Developer].into_iter().map(|role| {
                        let count = loaded.view().and_then(|v| v.count_with_role(role)).unwrap_or(0);
                        let editable = loaded.facts.toggle_editing(loaded.me, loaded.ws(), role, crate::clock::now()).is_allowed();
                        view! {
                            <article class="card role-card" aria-label=format!("{} permission", role.label())>
                                <h3>{role.label()}</h3>
                                <p>{format!("{count} user{}", if count == 1 { "" } else { "s" })}</p>
                                <div class="row">
                                    <button type="button" class="button quiet" aria-label=format!("View all {}s", role.label())
                                        on:click=move |_| listing.set(if listing.get_untracked() == Some(role) { None } else { Some(role) })>"View all"</button>
                                    <button type="button" class="button" aria-label=format!("{} {} permissions", if editable { "Edit" } else { "View" }, role.label())
                                        on:click=move |_| editing.set(Some(role))>{if editable { "Edit" } else { "View" }}</button>
                                </div>
                            </article>
                        }
                    }).collect_view()}
                </div>
                {move || listing.get().map(|role| view! { <RoleMembers loaded=l2.clone() role/> })}
                {move || editing.get().map(|role| view! { <ToggleForm loaded=l.clone() role outcome on_close=move || editing.set(None)/> })}
            </section>
        }.into_any())
    }
}

#[component]
fn RoleMembers(loaded: Arc<Loaded>, role: Role) -> impl IntoView {
    let ws = loaded.ws();
    let more = More::<MemberRow>::new();
    let first = LocalResource::new(move || {
        more.reset();
        api::members_with_role(ws, role, None)
    });
    let on_more = Callback::new(move |cursor: String| {
        leptos::task::spawn_local(async move {
            if let Ok(page) = api::members_with_role(ws, role, Some(&cursor)).await {
                more.push(page.rows, page.next, None);
            }
        });
    });
    view! {
        <section class="card" aria-label=format!("{}s", role.label())>
            <h3>{format!("{}s", role.label())}</h3>
            {move || match first.get() {
                None => view! { <Loading what="members"/> }.into_any(),
                Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
                Some(Ok(page)) => {
                    let (rows, next) = more.all(&page.rows, page.next.clone());
                    if rows.is_empty() {
                        view! { <p class="empty">"Nobody has this permission."</p> }.into_any()
                    } else {
                        view! {
                            <ul>{rows.into_iter().map(|r| view! { <li>{format!("{} ({})", r.name, r.email)}</li> }).collect_view()}</ul>
                            <ShowMore next on_more/>
                        }.into_any()
                    }
                }
            }}
        </section>
    }
}

#[component]
fn ToggleForm(
    loaded: Arc<Loaded>,
    role: Role,
    outcome: RwSignal<Option<Outcome>>,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = use_ws();
    let ws = loaded.ws();
    let latest = loaded.view().map(|v| v.toggles_of(role)).unwrap_or_default();
    let latest_version = loaded.view().map(|v| v.data().toggles.version).unwrap_or(0);
    // Kept while the workspace is revalidated (live access): the saved
    // state the edits are based on (`None`: follow the latest) and the
    // edits. Unsaved edits stay on the version they were made on, so saving
    // them after someone else saved is a 409, never a merge; with no edits
    // the form follows the latest saved state.
    let key = role.label().to_lowercase();
    let base = keep::draft(format!("toggles:{key}:base"), || None::<(i64, ToggleSet)>);
    let draft = keep::draft(format!("toggles:{key}:draft"), || latest);
    let follow = match base.get_untracked() {
        None => true,
        Some((v, s)) => v != latest_version && draft.get_untracked() == s,
    };
    if follow {
        base.set(Some((latest_version, latest)));
        draft.set(latest);
    }
    let (version, saved) = base.get_untracked().unwrap_or((latest_version, latest));
    let controls = loaded.facts.toggle_controls(loaded.me, ws, role, crate::clock::now());
    let l = loaded.clone();
    let save_decision = Signal::derive(move || {
        let toggles: Vec<_> = draft.get().iter().collect();
        l.decide(&Action::SaveToggles { workspace: ws, role, toggles, base_version: version })
    });
    let may_edit = loaded.facts.toggle_editing(loaded.me, ws, role, crate::clock::now());
    let changed = move || draft.get() != saved;
    let close = on_close.clone();
    let save = move || {
        let close = close.clone();
        let body =
            SaveToggles { toggles: draft.get_untracked().iter().collect(), base_version: version };
        let request = async move {
            let saved = api::save_toggles(ws, role, body).await;
            if saved.as_ref().is_err_and(|e| e.status == 409) {
                // Someone saved first: show the latest state, not a merge.
                base.set(None);
            }
            saved
        };
        ctx.change(outcome, format!("{} permissions saved.", role.label()), request, move |_| {
            close()
        });
    };
    let title_id = format!("toggles-{}", role.label().to_lowercase());
    let title_ref = title_id.clone();
    view! {
        <section class="card toggle-form" aria-labelledby=title_ref>
            <div class="toolbar">
                <h3 id=title_id>{format!("{} permissions", role.label())}</h3>
                <button type="button" class="button quiet" on:click=move |_| on_close()>"Close"</button>
            </div>
            <WhyNot decision=may_edit.clone()/>
            {Category::ALL.into_iter().map(|cat| {
                let in_cat: Vec<_> = controls.iter().filter(|c| c.category == cat).cloned().collect();
                view! {
                    <fieldset class="toggles">
                        <legend>{cat.label()}</legend>
                        {in_cat.into_iter().map(|c| {
                            let t = c.toggle;
                            let l = loaded.clone();
                            let flip = Signal::derive(move || {
                                let on = draft.get().contains(t);
                                l.decide(&Action::SetToggle { workspace: ws, role, toggle: t, on: !on })
                            });
                            let input_id = format!("toggle-{}-{}", role.label().to_lowercase(), t.key());
                            let why_id = format!("{input_id}-why");
                            view! {
                                <div class="switch">
                                    <input type="checkbox" role="switch" id=input_id.clone()
                                        aria-describedby=why_id.clone()
                                        prop:checked=move || draft.get().contains(t)
                                        disabled=move || !flip.get().is_allowed()
                                        title=move || flip.get().message().map(str::to_owned)
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            draft.update(|d: &mut ToggleSet| *d = d.with(t, on));
                                        }/>
                                    <label for=input_id>{c.label.clone()}</label>
                                    <span class="why" id=why_id>{move || flip.get().message().map(str::to_owned)}</span>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                }
            }).collect_view()}
            {may_edit.is_allowed().then(|| view! {
                <ImpactPreview ws action=Signal::derive(move || changed().then(|| {
                    let toggles: Vec<_> = draft.get().iter().collect();
                    Action::SaveToggles { workspace: ws, role, toggles, base_version: version }
                }))/>
                <div class="row">
                    <button type="button" class="button quiet" disabled=move || !changed() on:click=move |_| {
                        base.set(Some((latest_version, latest)));
                        draft.set(latest);
                    }>"Discard"</button>
                    <GuardedButton decision=Signal::derive(move || if changed() { save_decision.get() } else {
                        policy::Decision::deny_with(policy::Reason::SameRole, "Nothing changed yet.")
                    }) label="Save changes" class="button primary" on_click=save/>
                </div>
            })}
        </section>
    }
}
