//! `Action` from JSON: the wire form and the exact errors of serde's derived
//! internally tagged enum (the decoder is written out in `policy/src/de/`; these
//! messages are what the derive produced, and what the package and the
//! server show).
#![allow(clippy::unwrap_used)]

use policy::{Action, ResourceKind, Role};

fn err(json: &str) -> String {
    serde_json::from_str::<Action>(json).unwrap_err().to_string()
}

#[test]
fn reads_every_form() {
    let a = Action::ChangeRole { workspace: 1, target: 2, role: Role::Admin };
    for json in [
        r#"{"type":"change_role","workspace":1,"target":2,"role":"admin"}"#,
        r#"{"workspace":1,"target":2,"role":"admin","type":"change_role"}"#,
        r#"{"ty\u0070e":"change_role","workspace":1,"target":2,"role":{"admin":null}}"#,
        r#"["change_role",1,2,"admin"]"#,
    ] {
        assert_eq!(serde_json::from_str::<Action>(json).unwrap(), a, "{json}");
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::from_value::<Action>(value).unwrap(), a, "{json}");
    }
    let flow = Action::CreateResource { workspace: 1, kind: ResourceKind::Flow, integration: None };
    for json in [
        r#"{"type":"create_resource","workspace":1,"kind":"flow"}"#,
        r#"{"type":"create_resource","workspace":1,"kind":"flow","integration":null}"#,
        r#"["create_resource",1,"flow"]"#,
    ] {
        assert_eq!(serde_json::from_str::<Action>(json).unwrap(), flow, "{json}");
    }
    let add = r#"{"type":"add_company_member","company":1,"account":null}"#;
    assert_eq!(
        serde_json::from_str::<Action>(add).unwrap(),
        Action::AddCompanyMember { company: 1, account: None }
    );
    // Round trip of every field type.
    let grant = Action::CreateGrant {
        client: 1,
        partner: 2,
        workspaces: vec![3, 4],
        role: Role::Developer,
        sections: vec![policy::Section::Users],
        expires_at: 100,
    };
    let text = serde_json::to_string(&grant).unwrap();
    assert_eq!(serde_json::from_str::<Action>(&text).unwrap(), grant);
}

#[test]
fn errors_are_the_derived_ones() {
    let cases = [
        (r#"{"type":"change_role","workspace":1,"target":2}"#, "missing field `role`"),
        (r#"{}"#, "missing field `type` at line 1 column 2"),
        (
            r#"{"type":"invite","workspace":1,"email":"a@b.c","role":{}}"#,
            "invalid value: map, expected map with a single key",
        ),
        (
            r#"{"type":"view_workspace","zzz":1,"workspace":"bad"}"#,
            "unknown field `zzz`, expected `workspace`",
        ),
        (
            r#"{"type":"view_workspace","workspace":"bad","zzz":1}"#,
            "invalid type: string \"bad\", expected i64",
        ),
        (r#"{"type":"view_workspace","workspace":1,"workspace":1}"#, "duplicate field `workspace`"),
        (
            r#"{"type":"view_workspace","workspace":1,"type":"view_workspace"}"#,
            "duplicate field `type` at line 1 column 45",
        ),
        (r#"["view_workspace",1,1]"#, "invalid length 2, expected 1 element in sequence"),
        (
            r#"["view_workspace"]"#,
            "invalid length 0, expected struct variant Action::ViewWorkspace with 1 element",
        ),
        (
            r#"{"type":5}"#,
            "invalid type: integer `5`, expected variant identifier at line 1 column 9",
        ),
        (
            r#""view_workspace""#,
            "invalid type: string \"view_workspace\", expected internally tagged enum Action at line 1 column 16",
        ),
        (
            r#"{"type":"remove_company_member","company":13,"account":null}"#,
            "invalid type: null, expected i64",
        ),
        (
            r#"{"type":"create_grant","client":14,"partner":15,"workspaces":[1],"role":"admin","sections":["bogus"],"expires_at":100}"#,
            "unknown variant `bogus`, expected one of `integrations`, `modules`, `api_gateway`, `connected_accounts`, `data_studio`, `users`, `audit`",
        ),
        (
            r#"{"type":"set_toggle","workspace":1,"role":"admin","toggle":"users.add","on":"x"}"#,
            "invalid type: string \"x\", expected a boolean",
        ),
        (
            r#"{"type":"save_toggles","workspace":1,"role":"admin","toggles":["users.add"],"base_version":18446744073709551615}"#,
            "invalid value: integer `18446744073709551615`, expected i64",
        ),
        (
            r#"{"type":"view_workspace","workspace":1e2}"#,
            "invalid type: floating point `100.0`, expected i64",
        ),
        (
            r#"{"type":"view_workspace","workspace":1,"account":null}"#,
            "unknown field `account`, expected `workspace`",
        ),
        (
            r#"{"type":"remove_analyst","grant":16,"workspace":1,"analyst":17,"x":1}"#,
            "unknown field `x`, expected one of `grant`, `workspace`, `analyst`",
        ),
    ];
    for (json, want) in cases {
        assert_eq!(err(json), want, "{json}");
    }
    assert!(
        err(r#"{"type":"fly"}"#)
            .starts_with("unknown variant `fly`, expected one of `view_workspace`, ")
    );
    // In a list, the position is the list's (as with the derive).
    let list = r#"[{"type":"view_workspace","workspace":1},{"type":"view_workspace"}]"#;
    assert_eq!(
        serde_json::from_str::<Vec<Action>>(list).unwrap_err().to_string(),
        "missing field `workspace` at line 1 column 67"
    );
}

#[test]
fn people_reads_as_the_derive_did() {
    use policy::People;
    let role = People::Role { role: Role::Admin, count: 3 };
    for json in [
        r#"{"kind":"role","role":"admin","count":3}"#,
        r#"{"count":3,"kind":"role","role":{"admin":{}},"extra":[1]}"#,
        r#"["role","admin",3]"#,
    ] {
        assert_eq!(serde_json::from_str::<People>(json).unwrap(), role, "{json}");
    }
    let text = serde_json::to_string(&People::Members { accounts: vec![1, 2] }).unwrap();
    assert_eq!(
        serde_json::from_str::<People>(&text).unwrap(),
        People::Members { accounts: vec![1, 2] }
    );
    let cases = [
        (r#"{"kind":"role","role":"admin"}"#, "missing field `count`"),
        (
            r#"{"kind":"role","role":"admin","count":-3}"#,
            "invalid value: integer `-3`, expected u32",
        ),
        (
            r#"{"kind":"role","role":"admin","count":3,"kind":"role"}"#,
            "duplicate field `kind` at line 1 column 46",
        ),
        (
            r#"["role","admin"]"#,
            "invalid length 1, expected struct variant People::Role with 2 elements",
        ),
        (r#"["members",[1,2],1]"#, "invalid length 2, expected 1 element in sequence"),
        (
            r#"{"kind":"x"}"#,
            "unknown variant `x`, expected `role` or `members` at line 1 column 11",
        ),
        (
            r#"null"#,
            "invalid type: null, expected internally tagged enum People at line 1 column 4",
        ),
        (
            r#"{"kind":"role","role":{"admin":1},"count":3}"#,
            "invalid type: integer `1`, expected unit",
        ),
    ];
    for (json, want) in cases {
        let got = serde_json::from_str::<People>(json).unwrap_err().to_string();
        assert_eq!(got, want, "{json}");
    }
}

#[test]
fn run_as_reads_as_the_derive_did() {
    use policy::RunAs;
    for (json, want) in [
        (r#"{"as":"user"}"#, RunAs::User),
        (r#"{"x":1,"as":"user","groups":"ignored"}"#, RunAs::User),
        (r#"["user"]"#, RunAs::User),
        (r#"{"groups":[1,2],"as":"job_groups","x":null}"#, RunAs::JobGroups { groups: vec![1, 2] }),
        (r#"["job\u005fgroups",[]]"#, RunAs::JobGroups { groups: vec![] }),
    ] {
        assert_eq!(serde_json::from_str::<RunAs>(json).unwrap(), want, "{json}");
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::from_value::<RunAs>(value).unwrap(), want, "{json}");
    }
    let cases = [
        (r#"{"as":"job_groups"}"#, "missing field `groups`"),
        (r#"{"groups":[1]}"#, "missing field `as` at line 1 column 14"),
        (
            r#"{"as":"other"}"#,
            "unknown variant `other`, expected `user` or `job_groups` at line 1 column 13",
        ),
        (r#"["user",1]"#, "invalid length 1, expected 0 elements in sequence"),
        (
            r#"["job_groups"]"#,
            "invalid length 0, expected struct variant RunAs::JobGroups with 1 element",
        ),
        (r#"["job_groups",[1],2]"#, "invalid length 2, expected 1 element in sequence"),
        (r#"{"as":"job_groups","groups":[1],"groups":[2]}"#, "duplicate field `groups`"),
        (r#"{"as":"job_groups","groups":[1,"x"]}"#, "invalid type: string \"x\", expected i64"),
        (r#"{"as":"job_groups","groups":1}"#, "invalid type: integer `1`, expected a sequence"),
        ("null", "invalid type: null, expected internally tagged enum RunAs at line 1 column 4"),
        (r#"{"as":"user","as":"user"}"#, "duplicate field `as` at line 1 column 17"),
        (
            r#"{"as":1}"#,
            "invalid type: integer `1`, expected variant identifier at line 1 column 7",
        ),
    ];
    for (json, want) in cases {
        let got = serde_json::from_str::<RunAs>(json).unwrap_err().to_string();
        assert_eq!(got, want, "{json}");
    }
}
