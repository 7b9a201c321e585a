//! The API suite on an embedded SQLite database (a fresh file per test).

mod common;

use common::TestApp;

scenarios!(TestApp::sqlite();
    accounts_sessions_and_csrf,
    malformed_input_changes_nothing,
    invitation_links,
    join_link_and_requests,
    escalation_matrix,
    concurrent_toggle_saves,
    ownership_stays_single,
    groups_resources_and_runs,
    partner_lifecycle,
    openapi_covers_every_route,
    companies_support_and_audit_filters,
    serves_the_spa_with_fallback,
    resource_pages_follow_the_policy,
    nothing_unneeded_is_sent,
    reads_revalidate_with_etags,
    security_headers_on_every_response,
    session_cookies_are_secure_behind_https,
    sign_in_limits_per_client,
    company_membership_and_verification,
    a_grant_versions_only_the_workspaces_holding_it,
    look_alike_addresses_are_refused,
    grants_expire_and_are_renewed,
    effective_access_who_can_and_dry_runs,
    reason_codes_are_the_policys,
);
