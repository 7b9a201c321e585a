//! The demo workspace `--demo` seeds, and the support-account bootstrap.

use policy::ResourceKind;
use serde_json::json;

use policy::Role;

use crate::db::{Tx, col};
use crate::error::AppError;
use crate::load::enum_text;
use crate::routes::account::{NewAccount, create_account};
use crate::routes::workspaces::{create_workspace, insert_member};
use crate::state::{AppState, INVITATION_TTL};
use crate::write::{Audit, AuditKind};

/// Every demo account's password.
pub const PASSWORD: &str = "gatehouse-demo";

/// Creates a support account, or marks an existing one as support.
pub async fn create_support(
    st: &AppState,
    email: &str,
    name: &str,
    password: &str,
) -> Result<i64, AppError> {
    let new = NewAccount::check(email, name, password).await?;
    let email = new.email.clone();
    let mut tx = st.db.begin_write().await?;
    let existing = sqlx::query("SELECT id FROM accounts WHERE email = $1")
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
    let id = match existing {
        Some(r) => col(&r, "id")?,
        None => create_account(&mut tx, &new, None, st.now()).await?,
    };
    sqlx::query("UPDATE accounts SET support = 1, verified_at = COALESCE(verified_at, created_at) WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

async fn company_of(tx: &mut Tx, account: i64) -> Result<i64, AppError> {
    col(
        &sqlx::query("SELECT company_id FROM company_members WHERE account_id = $1")
            .bind(account)
            .fetch_one(&mut **tx)
            .await?,
        "company_id",
    )
}

async fn group(
    tx: &mut Tx,
    ws: i64,
    name: &str,
    description: &str,
    members: &[i64],
) -> Result<i64, AppError> {
    let id: i64 = col(
        &sqlx::query("INSERT INTO groups (workspace_id, name, name_key, description, is_default) VALUES ($1, $2, $3, $4, 0) RETURNING id")
            .bind(ws)
            .bind(name)
            .bind(name.to_lowercase())
            .bind(description)
            .fetch_one(&mut **tx)
            .await?,
        "id",
    )?;
    for m in members {
        sqlx::query("INSERT INTO group_members (group_id, account_id) VALUES ($1, $2)")
            .bind(id)
            .bind(m)
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}

async fn resource(
    tx: &mut Tx,
    ws: i64,
    kind: ResourceKind,
    name: &str,
    groups: &[i64],
    integration: Option<i64>,
    components: &[i64],
) -> Result<i64, AppError> {
    let id: i64 = col(
        &sqlx::query("INSERT INTO resources (workspace_id, kind, name, integration_id) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(ws)
            .bind(enum_text(&kind))
            .bind(name)
            .bind(integration)
            .fetch_one(&mut **tx)
            .await?,
        "id",
    )?;
    for g in groups {
        sqlx::query("INSERT INTO resource_groups (resource_id, group_id) VALUES ($1, $2)")
            .bind(id)
            .bind(g)
            .execute(&mut **tx)
            .await?;
    }
    for (pos, c) in (0i64..).zip(components) {
        sqlx::query("INSERT INTO flow_components (flow_id, job_id, position) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(c)
            .bind(pos)
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}

/// Seeds the demo when there are no accounts yet; returns the sign-ins.
pub async fn seed_if_empty(
    st: &AppState,
) -> Result<Option<Vec<(&'static str, &'static str)>>, AppError> {
    // One hash for every demo account (they share the demo password).
    let password_hash = crate::auth::hash_password_blocking(PASSWORD.to_owned()).await?;
    let mut tx = st.db.begin_write().await?;
    let any = sqlx::query("SELECT id FROM accounts LIMIT 1").fetch_optional(&mut *tx).await?;
    if any.is_some() {
        return Ok(None);
    }
    let now = st.now();
    let people = [
        ("Olivia Owner", "owner@beta.example", Some("Beta Company")),
        ("Adam Admin", "admin@beta.example", None),
        ("Dana Developer", "dev@beta.example", None),
        ("Devon Developer", "dev2@beta.example", None),
        ("Tess TechHelp", "boss@techhelp.example", Some("TechHelp")),
        ("Ana Analyst", "analyst@techhelp.example", None),
        ("Sam Support", "support@gatehouse.example", None),
    ];
    let mut ids = Vec::new();
    for (name, email, company) in people {
        let new = NewAccount {
            email: email.to_owned(),
            name: name.to_owned(),
            password_hash: password_hash.clone(),
        };
        ids.push(create_account(&mut tx, &new, company, now).await?);
    }
    let [owner, admin, dev, dev2, partner_boss, analyst, support] = ids[..] else {
        return Err(AppError::Internal("demo accounts".into()));
    };
    sqlx::query("UPDATE accounts SET support = 1 WHERE id = $1")
        .bind(support)
        .execute(&mut *tx)
        .await?;
    // The demo's people have verified their addresses.
    sqlx::query("UPDATE accounts SET verified_at = created_at").execute(&mut *tx).await?;
    let beta = company_of(&mut tx, owner).await?;
    let techhelp = company_of(&mut tx, partner_boss).await?;
    sqlx::query("UPDATE companies SET client_enabled = 1 WHERE id = $1")
        .bind(beta)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE companies SET partner_enabled = 1 WHERE id = $1")
        .bind(techhelp)
        .execute(&mut *tx)
        .await?;
    // Plain (non-admin) company members. Flags are BIGINT: bind no untyped
    // integers, or PostgreSQL's cached statement types disagree later.
    for (c, a) in [(beta, admin), (techhelp, analyst)] {
        sqlx::query(
            "INSERT INTO company_members (company_id, account_id, admin) VALUES ($1, $2, 0)",
        )
        .bind(c)
        .bind(a)
        .execute(&mut *tx)
        .await?;
    }
    let ws = create_workspace(&mut tx, beta, owner, "Beta Integrations", true, now).await?;
    insert_member(&mut tx, ws, admin, Role::Admin, None, now).await?;
    insert_member(&mut tx, ws, dev, Role::Developer, None, now).await?;
    insert_member(&mut tx, ws, dev2, Role::Developer, None, now).await?;
    let default: i64 = col(
        &sqlx::query("SELECT id FROM groups WHERE workspace_id = $1 AND is_default = 1")
            .bind(ws)
            .fetch_one(&mut *tx)
            .await?,
        "id",
    )?;
    let finance = group(&mut tx, ws, "Finance", "ERP and billing integrations", &[dev]).await?;
    let logistics = group(&mut tx, ws, "Logistics", "Warehouse and shipping", &[dev2]).await?;
    let erp =
        resource(&mut tx, ws, ResourceKind::Integration, "ERP sync", &[finance], None, &[]).await?;
    let shop =
        resource(&mut tx, ws, ResourceKind::Integration, "Webshop orders", &[default], None, &[])
            .await?;
    let job = resource(
        &mut tx,
        ws,
        ResourceKind::DataJob,
        "Nightly ledger export",
        &[finance],
        None,
        &[],
    )
    .await?;
    let file_job = resource(
        &mut tx,
        ws,
        ResourceKind::FileJob,
        "Carrier manifest upload",
        &[logistics],
        None,
        &[],
    )
    .await?;
    resource(&mut tx, ws, ResourceKind::Flow, "Post invoices", &[], Some(erp), &[job, file_job])
        .await?;
    resource(&mut tx, ws, ResourceKind::Flow, "Import orders", &[], Some(shop), &[file_job])
        .await?;
    resource(&mut tx, ws, ResourceKind::Module, "SAP connector", &[finance], None, &[]).await?;
    resource(&mut tx, ws, ResourceKind::ApiGateway, "Public orders API", &[logistics], None, &[])
        .await?;
    resource(&mut tx, ws, ResourceKind::ApiGatewayUser, "mobile-app", &[], None, &[]).await?;
    resource(&mut tx, ws, ResourceKind::ConnectedAccount, "SAP production", &[], None, &[]).await?;
    resource(&mut tx, ws, ResourceKind::FileTemplate, "Manifest CSV", &[logistics], None, &[])
        .await?;
    sqlx::query("INSERT INTO invitations (workspace_id, email, role, token_hash, expires_at, invited_by, created_at) VALUES ($1, 'newcomer@beta.example', 'developer', $2, $3, $4, $5)")
        .bind(ws)
        .bind(crate::auth::token_hash(&crate::auth::random_token()))
        .bind(now + INVITATION_TTL)
        .bind(owner)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let grant: i64 = col(
        &sqlx::query("INSERT INTO grants (client_company_id, partner_company_id, role, sections, key_hash, redeemed, revoked, created_at, expires_at) VALUES ($1, $2, 'developer', $3, $4, 1, 0, $5, $6) RETURNING id")
            .bind(beta)
            .bind(techhelp)
            .bind(serde_json::to_string(&["integrations", "users"]).unwrap_or_default())
            .bind(crate::auth::token_hash(&crate::auth::random_token()))
            .bind(now)
            .bind(now + policy::GRANT_DEFAULT_SECONDS)
            .fetch_one(&mut *tx)
            .await?,
        "id",
    )?;
    sqlx::query("INSERT INTO grant_workspaces (grant_id, workspace_id) VALUES ($1, $2)")
        .bind(grant)
        .bind(ws)
        .execute(&mut *tx)
        .await?;
    insert_member(&mut tx, ws, analyst, Role::Developer, Some(techhelp), now).await?;
    let audits = [
        Audit {
            company: Some(beta),
            ..Audit::workspace(
                ws,
                AuditKind::WorkspaceCreate,
                "Beta Integrations",
                json!(null),
                json!({"name": "Beta Integrations", "data_studio": true}),
            )
        },
        Audit {
            company: Some(beta),
            ..Audit::workspace(
                ws,
                AuditKind::DemoSeed,
                "demo",
                json!(null),
                json!({"workspace": ws}),
            )
        },
    ];
    crate::write::write_audits(&mut tx, owner, now, &audits).await?;
    tx.commit().await?;
    Ok(Some(vec![
        ("Owner (Beta Company)", "owner@beta.example"),
        ("Administrator", "admin@beta.example"),
        ("Developer (Finance group)", "dev@beta.example"),
        ("Developer (Logistics group)", "dev2@beta.example"),
        ("Partner admin (TechHelp)", "boss@techhelp.example"),
        ("Partner analyst (TechHelp)", "analyst@techhelp.example"),
        ("Platform support", "support@gatehouse.example"),
    ]))
}
