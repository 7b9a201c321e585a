//! Granting a partner access: partner, workspaces, role, sections; the
//! access key is shown once.

use std::sync::Arc;

use leptos::prelude::*;
use policy::api::NewGrant;
use policy::{Action, Decision, Id, Role, Section};

use super::expiry::{LENGTHS, LengthSelect, expiry_in};
use super::{CompanyCtx, CompanyLoaded, section_key};
use crate::api;
use crate::components::controls::{GuardedButton, WhyNot};

#[component]
pub(super) fn GrantForm(
    c: Arc<CompanyLoaded>,
    ctx: CompanyCtx,
    key: RwSignal<Option<String>>,
) -> impl IntoView {
    let client = c.detail.id;
    let directory = LocalResource::new(api::partner_directory);
    let partner = RwSignal::new(None::<Id>);
    let workspaces = RwSignal::new(Vec::<Id>::new());
    let role = RwSignal::new(Role::Developer);
    let sections = RwSignal::new(Vec::<Section>::new());
    let days = RwSignal::new(LENGTHS[0].0);
    let c2 = c.clone();
    let decision = Signal::derive(move || match partner.get() {
        None => Decision::deny_with(policy::Reason::NotAPartner, "Choose a partner company."),
        Some(p) => c2.decide(&Action::CreateGrant {
            client,
            partner: p,
            workspaces: workspaces.get(),
            role: role.get(),
            sections: sections.get(),
            expires_at: expiry_in(days.get()),
        }),
    });
    let grant = move || {
        let Some(p) = partner.get_untracked() else { return };
        let body = NewGrant {
            partner: p,
            workspaces: workspaces.get_untracked(),
            role: role.get_untracked(),
            sections: sections.get_untracked(),
            expires_at: Some(expiry_in(days.get_untracked())),
        };
        ctx.change("Access granted.", api::create_grant(client, body), move |created| {
            key.set(Some(created.access_key))
        });
    };
    let may_grant = c.facts.manages_partners(c.me, client).is_allowed();
    if !may_grant {
        return view! { <p class="empty">"No partner has access. Your company's admins can grant one."</p> }.into_any();
    }
    view! {
        <div class="form">
            <p>"Grant a partner company access to some of your workspaces. Its analysts see only the sections you choose, and you can revoke it at any time."</p>
            <label>
                "Partner company"
                <select on:change=move |ev| partner.set(event_target_value(&ev).parse().ok())>
                    <option value="">"Choose a partner"</option>
                    {move || directory.get().and_then(Result::ok).unwrap_or_default().into_iter().filter(|p| p.id != client)
                        .map(|p| view! { <option value=p.id.to_string()>{p.name}</option> }).collect_view()}
                </select>
            </label>
            <fieldset class="checks">
                <legend>"Workspaces"</legend>
                {c.detail.workspaces.iter().map(|w| {
                    let wid = w.id;
                    view! {
                        <label class="check">
                            <input type="checkbox" on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                workspaces.update(|v| if on { v.push(wid) } else { v.retain(|x| *x != wid) });
                            }/>
                            {w.name.clone()}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <label>
                "Permission for analysts"
                <select on:change=move |ev| {
                    if let Some(r) = crate::api::from_wire_name::<Role>(&event_target_value(&ev)) {
                        role.set(r);
                    }
                }>
                    {Role::ALL.into_iter().filter(|r| r.assignable()).map(|r| view! {
                        <option value=crate::api::wire_name(&r)>{r.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <fieldset class="checks">
                <legend>"Sections they may see"</legend>
                {Section::ALL.into_iter().map(|s| view! {
                    <label class="check">
                        <input type="checkbox" value=section_key(s) on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            sections.update(|v| if on { v.push(s) } else { v.retain(|x| *x != s) });
                        }/>
                        {s.label()}
                    </label>
                }).collect_view()}
            </fieldset>
            <LengthSelect days label="Access lasts"/>
            <WhyNot decision/>
            <GuardedButton decision label="Grant access" class="button primary" on_click=grant/>
        </div>
    }
    .into_any()
}
