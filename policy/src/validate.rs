//! Validation of user input that both the server and the front ends need.

use thiserror::Error;

/// The longest email address accepted (RFC 5321 path limit).
pub const EMAIL_MAX: usize = 254;
/// The longest group name, in characters.
pub const GROUP_NAME_MAX: usize = 64;
/// The longest group description, in characters.
pub const GROUP_DESCRIPTION_MAX: usize = 500;
/// The reserved name of the group every member is in.
pub const DEFAULT_GROUP_NAME: &str = "default";

/// Why an email address was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailError {
    #[error("email is empty")]
    Empty,
    #[error("email `{0}` is longer than 254 characters")]
    TooLong(String),
    #[error("email `{0}` needs exactly one `@` with text on both sides")]
    Shape(String),
    #[error("email `{0}` contains whitespace or a control character")]
    Whitespace(String),
    #[error("email `{0}` needs a domain with a dot, like `example.com`")]
    Domain(String),
}

/// Trims and lower-cases an email address and checks its shape. Emails are
/// unique case-insensitively, so this is the form to store and compare.
pub fn normalize_email(input: &str) -> Result<String, EmailError> {
    let email = input.trim().to_lowercase();
    if email.is_empty() {
        return Err(EmailError::Empty);
    }
    if email.chars().count() > EMAIL_MAX {
        return Err(EmailError::TooLong(email));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(EmailError::Whitespace(email));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(EmailError::Shape(email));
    };
    if local.is_empty() || domain.is_empty() || domain.contains('@') || local.chars().count() > 64 {
        return Err(EmailError::Shape(email));
    }
    let labels_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if !labels_ok {
        return Err(EmailError::Domain(email));
    }
    Ok(email)
}

/// Why a group name was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GroupNameError {
    #[error("group name is empty")]
    Empty,
    #[error("group name `{0}` is longer than 64 characters")]
    TooLong(String),
    #[error("group name `default` is reserved for the group every member is in")]
    Reserved,
}

/// Trims a group name and checks it: 1-64 characters, not `default` (in any
/// case). Uniqueness in the workspace is a rule, checked with the facts.
pub fn validate_group_name(input: &str) -> Result<String, GroupNameError> {
    let name = input.trim();
    if name.is_empty() {
        return Err(GroupNameError::Empty);
    }
    if name.chars().count() > GROUP_NAME_MAX {
        return Err(GroupNameError::TooLong(name.to_owned()));
    }
    if name.eq_ignore_ascii_case(DEFAULT_GROUP_NAME) {
        return Err(GroupNameError::Reserved);
    }
    Ok(name.to_owned())
}

/// Why a group description was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GroupDescriptionError {
    #[error("group description has {0} characters; at most 500 are allowed")]
    TooLong(usize),
}

/// Trims a group description and checks it is at most 500 characters.
pub fn validate_group_description(input: &str) -> Result<String, GroupDescriptionError> {
    let description = input.trim();
    let n = description.chars().count();
    if n > GROUP_DESCRIPTION_MAX {
        return Err(GroupDescriptionError::TooLong(n));
    }
    Ok(description.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(normalize_email("  Ana@Example.COM ").as_deref(), Ok("ana@example.com"));
    }

    #[test]
    fn email_shapes_refused() {
        for bad in [
            "",
            "   ",
            "ana",
            "@x.io",
            "ana@",
            "a@b@c.io",
            "ana@localhost",
            "a b@x.io",
            "ana@x..io",
            "ana@-x.io",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(matches!(normalize_email(&long), Err(EmailError::TooLong(_))));
    }

    #[test]
    fn group_name_rules() {
        assert_eq!(validate_group_name("  Finance "), Ok("Finance".to_owned()));
        assert_eq!(validate_group_name(" "), Err(GroupNameError::Empty));
        assert_eq!(validate_group_name("Default"), Err(GroupNameError::Reserved));
        assert!(validate_group_name(&"é".repeat(64)).is_ok(), "64 characters, not bytes");
        assert!(matches!(validate_group_name(&"x".repeat(65)), Err(GroupNameError::TooLong(_))));
    }

    #[test]
    fn group_description_limit() {
        assert!(validate_group_description(&"d".repeat(500)).is_ok());
        assert_eq!(
            validate_group_description(&"d".repeat(501)),
            Err(GroupDescriptionError::TooLong(501))
        );
    }

    #[test]
    fn error_messages_name_the_input() {
        let e = normalize_email("nope").unwrap_err().to_string();
        assert_eq!(e, "email `nope` needs exactly one `@` with text on both sides");
    }
}
