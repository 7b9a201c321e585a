//! Resources by kind with the groups that manage them: set groups (Owner
//! and Admins), flows inherit their integration's groups, Data Studio kinds
//! only while it is on, and "Run" on a flow shows the run plan. The list
//! comes in pages of what the viewer may see, each with its slice.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use policy::api::{NewResource, ResourceRow};
use policy::{Action, Grouping, Id, ResourceKind, RunAs, RunPlan};

use crate::api;
use crate::components::access::WhoCanPanel;
use crate::components::controls::{GuardedButton, WhyNot};
use crate::components::impact::ImpactPreview;
use crate::components::keep::draft;
use crate::components::modal::Modal;
use crate::components::more::{More, ShowMore};
use crate::components::notice::{Empty, ErrorNote, Loading, Outcome, OutcomeNote};
use crate::workspace::{Loaded, use_ws};

/// Names of the resources the pages hold (rows, integrations, jobs).
type Names = Arc<HashMap<Id, String>>;

fn resource_name(names: &Names, id: Id) -> String {
    names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
}

fn group_names(loaded: &Loaded, groups: &[Id]) -> String {
    groups.iter().map(|g| loaded.group_name(*g)).collect::<Vec<_>>().join(", ")
}

#[component]
pub fn ResourcesPage() -> impl IntoView {
    let ctx = use_ws();
    let outcome = RwSignal::new(None::<Outcome>);
    let creating = RwSignal::new(false);
    let plan = RwSignal::new(None::<RunPlan>);
    let more = More::<ResourceRow>::new();
    let more_names = RwSignal::new(Vec::<policy::api::Named>::new());
    let pages = LocalResource::new(move || {
        let ws = ctx.id.get();
        let _ = ctx.version.get();
        more.reset();
        more_names.set(Vec::new());
        async move { api::resources(ws, None, None).await }
    });
    let on_more = Callback::new(move |cursor: String| {
        let ws = ctx.id.get_untracked();
        leptos::task::spawn_local(async move {
            match api::resources(ws, None, Some(&cursor)).await {
                Ok(page) => {
                    more_names.update(|n| n.extend(page.names));
                    more.push(page.resources, page.next, Some(page.slice));
                }
                Err(e) => outcome.set(Some(Outcome::Failed(e))),
            }
        });
    });
    move || {
        let loaded = ctx.loaded()?;
        let data_studio = loaded.info().data_studio;
        let kinds: Vec<ResourceKind> =
            ResourceKind::ALL.into_iter().filter(|k| data_studio || !k.is_data_studio()).collect();
        Some(view! {
            <section class="page" aria-labelledby="res-title">
                {move || {
                    let page = match pages.get() {
                        None => return view! { <Loading what="resources"/> }.into_any(),
                        Some(Err(e)) => return view! { <ErrorNote error=e/> }.into_any(),
                        Some(Ok(page)) => page,
                    };
                    let (rows, next) = more.all(&page.resources, page.next.clone());
                    let slices = more.slices.get();
                    let decided = loaded.with_pages(std::iter::once(&page.slice).chain(slices.iter()));
                    let names: Names = Arc::new(
                        rows.iter().map(|r| (r.id, r.name.clone()))
                            .chain(page.names.iter().chain(more_names.get().iter()).map(|n| (n.id, n.name.clone())))
                            .collect(),
                    );
                    view! { <ResourceList loaded=decided rows next names kinds=kinds.clone() outcome creating plan on_more/> }.into_any()
                }}
            </section>
        })
    }
}

#[component]
#[allow(clippy::too_many_arguments)]
fn ResourceList(
    loaded: Arc<Loaded>,
    rows: Vec<ResourceRow>,
    next: Option<String>,
    names: Names,
    kinds: Vec<ResourceKind>,
    outcome: RwSignal<Option<Outcome>>,
    creating: RwSignal<bool>,
    plan: RwSignal<Option<RunPlan>>,
    on_more: Callback<String>,
) -> impl IntoView {
    let ws = loaded.ws();
    let data_studio = loaded.info().data_studio;
    let integrations: Vec<(Id, String)> = rows
        .iter()
        .filter(|r| r.kind == ResourceKind::Integration)
        .map(|r| (r.id, r.name.clone()))
        .collect();
    let can_create = kinds.iter().any(|&kind| {
        let integration =
            (kind == ResourceKind::Flow).then(|| integrations.first().map(|i| i.0)).flatten();
        loaded.decide(&Action::CreateResource { workspace: ws, kind, integration }).is_allowed()
    });
    let l = loaded.clone();
    let lp = loaded.clone();
    let np = names.clone();
    view! {
        <div class="toolbar">
            <h2 id="res-title">"Resources"</h2>
            {can_create.then(|| view! { <button type="button" class="button primary" on:click=move |_| creating.set(true)>"New resource"</button> })}
        </div>
        {(!data_studio).then(|| view! { <p class="muted">"Data Studio is off in this workspace: Data Jobs, File Jobs and File templates are hidden."</p> })}
        <OutcomeNote outcome/>
        {if rows.is_empty() {
            view! { <Empty text="No resources you can see yet."/> }.into_any()
        } else {
            kinds.iter().filter(|k| rows.iter().any(|r| r.kind == **k)).map(|&kind| {
                let of_kind: Vec<ResourceRow> = rows.iter().filter(|r| r.kind == kind).cloned().collect();
                view! {
                    <section class="card" aria-label=kind.label()>
                        <h3>{kind.label()}</h3>
                        <ul class="resource-list">
                            {of_kind.into_iter().map(|r| view! { <ResourceRowView loaded=loaded.clone() resource=r names=names.clone() outcome plan/> }).collect_view()}
                        </ul>
                    </section>
                }
            }).collect_view().into_any()
        }}
        <ShowMore next on_more/>
        {move || creating.get().then(|| view! { <CreateResource loaded=l.clone() kinds=kinds.clone() integrations=integrations.clone() outcome on_close=move || creating.set(false)/> })}
        {move || plan.get().map(|p| view! { <RunPlanView loaded=lp.clone() names=np.clone() plan=p on_close=move || plan.set(None)/> })}
    }
}

#[component]
fn ResourceRowView(
    loaded: Arc<Loaded>,
    resource: ResourceRow,
    names: Names,
    outcome: RwSignal<Option<Outcome>>,
    plan: RwSignal<Option<RunPlan>>,
) -> impl IntoView {
    let ctx = use_ws();
    let ws = loaded.ws();
    let id = resource.id;
    let name = resource.name.clone();
    let editing = draft(format!("resource:{id}:groups"), || false);
    let groups_text = match resource.kind.grouping() {
        Grouping::None => "Governed by permissions only".to_owned(),
        Grouping::Integration => match resource.integration {
            Some(i) if resource.groups.is_empty() => {
                format!("Inherited from {}: admin-only", resource_name(&names, i))
            }
            Some(i) => format!(
                "Inherited from {}: {}",
                resource_name(&names, i),
                group_names(&loaded, &resource.groups)
            ),
            None => "Inherited from its integration".to_owned(),
        },
        Grouping::Own if resource.groups.is_empty() => {
            "No group: Owner and Administrators only".to_owned()
        }
        Grouping::Own => group_names(&loaded, &resource.groups),
    };
    let set_groups = loaded.decide(&Action::SetResourceGroups {
        workspace: ws,
        resource: id,
        groups: resource.groups.clone(),
    });
    let delete = loaded.decide(&Action::DeleteResource { workspace: ws, resource: id });
    let run = (resource.kind == ResourceKind::Flow)
        .then(|| loaded.decide(&Action::RunFlow { workspace: ws, flow: id }));
    let manager = loaded.abilities().manage_groups.is_allowed();
    // Owners and Administrators see who has access (and why not).
    let may_explain = loaded.facts.who_can(loaded.me, ws, id, crate::clock::now()).is_ok();
    let explaining = RwSignal::new(false);
    let who_name = name.clone();
    let l = loaded.clone();
    let current = resource.groups.clone();
    let del_name = name.clone();
    let set_name = name.clone();
    view! {
        <li class="resource">
            <div>
                <strong>{name.clone()}</strong>
                <span class="muted groups">{groups_text}</span>
            </div>
            <div class="actions">
                {may_explain.then(|| view! {
                    <button type="button" class="button quiet" aria-label=format!("Who has access to {name}")
                        on:click=move |_| explaining.set(true)>"Who has access"</button>
                })}
                {run.map(|d| view! {
                    <GuardedButton decision=d label="Run" aria_label=format!("Run {name}") class="button"
                        on_click=move || ctx.change(outcome, "Run started.", api::run_flow(ws, id), move |p| plan.set(Some(p)))/>
                })}
                {(manager && resource.kind.grouping() != Grouping::None).then(|| view! {
                    <GuardedButton decision=set_groups label="Set groups" aria_label=format!("Set groups of {set_name}") class="button quiet"
                        on_click=move || editing.set(true)/>
                })}
                <GuardedButton decision=delete label="Delete" aria_label=format!("Delete {}", resource.name) class="button quiet danger"
                    on_click=move || {
                        let sure = web_sys::window()
                            .and_then(|w| w.confirm_with_message(&format!("Delete {del_name}? This cannot be undone.")).ok())
                            .unwrap_or(false);
                        if sure {
                            ctx.change(outcome, "Resource deleted.", api::delete_resource(ws, id), |_| ());
                        }
                    }/>
            </div>
            {move || explaining.get().then(|| view! {
                <WhoCanPanel ws resource=id name=who_name.clone() on_close=move || explaining.set(false)/>
            })}
            {move || editing.get().then(|| view! { <SetGroups loaded=l.clone() resource=id name=resource.name.clone() current=current.clone() outcome on_close=move || editing.set(false)/> })}
        </li>
    }
}

#[component]
fn SetGroups(
    loaded: Arc<Loaded>,
    resource: Id,
    name: String,
    current: Vec<Id>,
    outcome: RwSignal<Option<Outcome>>,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = use_ws();
    let ws = loaded.ws();
    let chosen = draft(format!("resource:{resource}:chosen"), || current.clone());
    let groups = loaded.view().map(|v| v.data().groups.clone()).unwrap_or_default();
    let l = loaded.clone();
    let decision = Signal::derive(move || {
        l.decide(&Action::SetResourceGroups { workspace: ws, resource, groups: chosen.get() })
    });
    let close = on_close.clone();
    let save = move || {
        let close = close.clone();
        ctx.change(
            outcome,
            "Groups saved.",
            api::set_resource_groups(ws, resource, chosen.get_untracked()),
            move |_| close(),
        );
    };
    view! {
        <Modal title=format!("Groups of {name}") on_close=move || on_close()>
            <fieldset class="checks">
                <legend>"Groups that manage it"</legend>
                {groups.into_iter().map(|g| {
                    let gid = g.id;
                    view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || chosen.get().contains(&gid)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| if on { c.push(gid) } else { c.retain(|x| *x != gid) });
                                }/>
                            {g.name.clone()}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <p class="muted">"With no group, only the Owner and Administrators manage it."</p>
            <ImpactPreview ws action=Signal::derive(move || {
                let groups = chosen.get();
                (groups != current).then_some(Action::SetResourceGroups { workspace: ws, resource, groups })
            })/>
            <WhyNot decision/>
            <div class="modal-actions">
                <GuardedButton decision label="Save groups" class="button primary" on_click=save/>
            </div>
        </Modal>
    }
}

#[component]
fn CreateResource(
    loaded: Arc<Loaded>,
    kinds: Vec<ResourceKind>,
    integrations: Vec<(Id, String)>,
    outcome: RwSignal<Option<Outcome>>,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = use_ws();
    let ws = loaded.ws();
    // Typed input survives the workspace being revalidated meanwhile.
    let kind =
        draft("new-resource:kind", || kinds.first().copied().unwrap_or(ResourceKind::Module));
    let name = draft("new-resource:name", String::new);
    let integration = draft("new-resource:integration", || integrations.first().map(|i| i.0));
    let l = loaded.clone();
    let decision = Signal::derive(move || {
        let k = kind.get();
        let integration = (k == ResourceKind::Flow).then(|| integration.get()).flatten();
        l.decide(&Action::CreateResource { workspace: ws, kind: k, integration })
    });
    let close = on_close.clone();
    let create = move || {
        let close = close.clone();
        let k = kind.get_untracked();
        let body = NewResource {
            kind: k,
            name: name.get_untracked(),
            integration: (k == ResourceKind::Flow).then(|| integration.get_untracked()).flatten(),
            components: Vec::new(),
        };
        ctx.change(
            outcome,
            format!("{} created.", k.label()),
            api::create_resource(ws, body),
            move |_| close(),
        );
    };
    let key = |k: ResourceKind| crate::api::wire_name(&k);
    view! {
        <Modal title="New resource" on_close=move || on_close()>
            <div class="form">
                <label>
                    "Kind"
                    <select on:change=move |ev| {
                        if let Some(k) = crate::api::from_wire_name::<ResourceKind>(&event_target_value(&ev)) {
                            kind.set(k);
                        }
                    }>
                        {kinds.iter().map(|&k| view! { <option value=key(k) selected=move || kind.get() == k>{k.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Name" <input required=true maxlength="100" bind:value=name/></label>
                {move || (kind.get() == ResourceKind::Flow).then(|| view! {
                    <label>
                        "Integration"
                        <select on:change=move |ev| integration.set(event_target_value(&ev).parse().ok())>
                            {integrations.iter().map(|&(id, ref n)| view! { <option value=id.to_string() selected=move || integration.get() == Some(id)>{n.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                })}
                <WhyNot decision/>
                <div class="modal-actions">
                    <GuardedButton decision label="Create" class="button primary" on_click=create/>
                </div>
            </div>
        </Modal>
    }
}

#[component]
fn RunPlanView(
    loaded: Arc<Loaded>,
    names: Names,
    plan: RunPlan,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <Modal title=format!("Run of {}", resource_name(&names, plan.flow)) on_close=move || on_close()>
            {if plan.steps.is_empty() {
                view! { <p>"The flow has no Data Studio job components: it runs as you."</p> }.into_any()
            } else {
                view! {
                    <ol class="plan">
                        {plan.steps.iter().map(|s| {
                            let who = match &s.run_as {
                                RunAs::User => "runs as you".to_owned(),
                                RunAs::JobGroups { groups } => format!("runs as the job's saved group: {}", group_names(&loaded, groups)),
                            };
                            view! { <li>{format!("{} ({}) — {who}", resource_name(&names, s.resource), s.kind.label())}</li> }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </Modal>
    }
}
