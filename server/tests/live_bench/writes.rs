//! The paced writes: toggles switched off (and on between), members
//! removed, partner keys granted, redeemed and deleted; when each write's
//! 200 was read.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use reqwest::Method;
use serde_json::json;

use crate::listeners::Listeners;
use crate::live_support::{Api, Who};
use crate::seed::Tenant;
use crate::{Acks, PACE, PER_WS, WORKSPACES, version};

/// 20 toggle switches off (and on between) per workspace; every listener
/// of the workspace is affected by the `off` ones.
pub(crate) async fn toggles(api: &Api, tenants: &[Tenant]) -> (Acks, Vec<(i64, i64)>) {
    let acks: Acks = Arc::default();
    let offs = Arc::new(Mutex::new(Vec::new()));
    let mut writers = tokio::task::JoinSet::new();
    for (i, t) in tenants.iter().cloned().enumerate() {
        let (api, acks, offs) = (api.clone(), acks.clone(), offs.clone());
        writers.spawn(async move {
            tokio::time::sleep(PACE / WORKSPACES * u32::try_from(i).unwrap()).await;
            let mut v = version(&api, t.ws, &t.admin).await;
            for k in 0..PER_WS * 2 {
                let off = k % 2 == 0;
                let s = api
                    .set_developer_toggle(t.ws, &t.admin, "api_gateway.edit", !off)
                    .await
                    .unwrap();
                let at = Instant::now();
                assert_eq!(s, 200, "toggle save");
                v += 1;
                acks.lock().unwrap().insert((t.ws, v), at);
                if off {
                    offs.lock().unwrap().push((t.ws, v));
                }
                tokio::time::sleep(PACE).await;
            }
        });
    }
    while writers.join_next().await.is_some() {}
    let offs = offs.lock().unwrap().clone();
    (acks, offs)
}

/// 20 Developers removed per workspace.
pub(crate) async fn removals(api: &Api, tenants: &[Tenant]) -> (Acks, Vec<(i64, i64)>) {
    let acks: Acks = Arc::default();
    let removed = Arc::new(Mutex::new(Vec::new()));
    let mut writers = tokio::task::JoinSet::new();
    for (i, t) in tenants.iter().cloned().enumerate() {
        let (api, acks, removed) = (api.clone(), acks.clone(), removed.clone());
        writers.spawn(async move {
            tokio::time::sleep(PACE / WORKSPACES * u32::try_from(i).unwrap()).await;
            let mut v = version(&api, t.ws, &t.admin).await;
            let devs: Vec<&Who> = t
                .members
                .iter()
                .filter(|m| m.1 == "developer")
                .map(|m| &m.0)
                .take(PER_WS)
                .collect();
            for who in devs {
                let (s, body) = api
                    .call(
                        Method::DELETE,
                        &format!("/api/workspaces/{}/members/{}", t.ws, who.id),
                        None,
                        &t.admin,
                    )
                    .await;
                let at = Instant::now();
                assert_eq!(s, 200, "remove: {body}");
                v += 1;
                acks.lock().unwrap().insert((t.ws, v), at);
                removed.lock().unwrap().push((t.ws, who.id));
                tokio::time::sleep(PACE).await;
            }
        });
    }
    while writers.join_next().await.is_some() {}
    let removed = removed.lock().unwrap().clone();
    (acks, removed)
}

/// A partner key deleted: the workspace, its analyst, when the DELETE was
/// sent and when its 200 was read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deleted {
    pub(crate) ws: i64,
    pub(crate) analyst: i64,
    pub(crate) sent: Instant,
    pub(crate) at: Instant,
}

/// 20 cycles per workspace: the client grants its workspace to the
/// partner, the partner redeems and registers its analyst, the analyst
/// listens, the client deletes the key. Returns when each key was deleted.
pub(crate) async fn keys(
    api: &Api,
    tenants: &[Tenant],
    boss: &Who,
    partner: i64,
    listeners: &Arc<tokio::sync::Mutex<Listeners>>,
) -> Vec<Deleted> {
    let deleted = Arc::new(Mutex::new(Vec::new()));
    let mut writers = tokio::task::JoinSet::new();
    for (i, t) in tenants.iter().cloned().enumerate() {
        let (api, boss, deleted, listeners) =
            (api.clone(), boss.clone(), deleted.clone(), listeners.clone());
        writers.spawn(async move {
            tokio::time::sleep(PACE / WORKSPACES * u32::try_from(i).unwrap()).await;
            for _ in 0..PER_WS {
                let grant = json!({"partner": partner, "workspaces": [t.ws], "role": "developer", "sections": ["integrations", "users"]});
                let (s, g) = api.call(Method::POST, &format!("/api/companies/{}/grants", t.company), Some(grant), &t.owner).await;
                assert_eq!(s, 200, "grant: {g}");
                let (s, r) = api.call(Method::POST, "/api/grants/redeem", Some(json!({"access_key": g["access_key"]})), &boss).await;
                assert_eq!(s, 200, "redeem: {r}");
                let id = g["id"].as_i64().unwrap();
                let (s, r) = api.call(Method::POST, &format!("/api/grants/{id}/analysts"), Some(json!({"workspace": t.ws, "account": t.analyst.id})), &boss).await;
                assert_eq!(s, 200, "analyst: {r}");
                listeners.lock().await.add(t.ws, t.analyst.clone(), None).await;
                let sent = Instant::now();
                let (s, r) = api.call(Method::DELETE, &format!("/api/grants/{id}"), None, &t.owner).await;
                let at = Instant::now();
                assert_eq!(s, 200, "delete key: {r}");
                deleted.lock().unwrap().push(Deleted { ws: t.ws, analyst: t.analyst.id, sent, at });
                tokio::time::sleep(PACE).await;
            }
        });
    }
    while writers.join_next().await.is_some() {}
    deleted.lock().unwrap().clone()
}
