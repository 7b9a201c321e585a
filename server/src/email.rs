//! Email addresses as the server stores them (SPEC 1): NFKC-normalized,
//! trimmed, lowercased, and refused when they carry invisible characters or
//! look-alikes — a part mixing scripts (a Cyrillic `а` among Latin letters),
//! or a character UTS #39 does not allow in identifiers (zero-width spaces,
//! symbols that pass for letters). Fullwidth and other compatibility forms
//! become the plain address, so they meet the account they imitate.
//!
//! The Unicode tables this needs stay on the server: the package and the app
//! keep the policy's light syntax check (SPEC 12 size budgets).

use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, MixedScript};

use crate::error::AppError;

/// The policy's `invalid_email` with this sentence (422, field `email`).
fn refused(message: impl Into<std::borrow::Cow<'static, str>>) -> AppError {
    AppError::Denied(policy::Denial { code: policy::Reason::InvalidEmail, message: message.into() })
}

/// The stored form of `raw`, or the policy's `invalid_email` (422, naming
/// the `email` field).
pub fn normalize(raw: &str) -> Result<String, AppError> {
    let nfkc: String = raw.nfkc().collect();
    let invisible =
        nfkc.chars().any(|c| !c.is_ascii() && !GeneralSecurityProfile::identifier_allowed(c));
    if invisible {
        return Err(refused(
            "This address contains invisible or look-alike characters; type it plainly.",
        ));
    }
    let email = policy::validate::normalize_email(&nfkc)
        .map_err(|e| refused(crate::routes::account::capitalize(&e.to_string())))?;
    let (local, domain) = email.split_once('@').unwrap_or((&email, ""));
    let parts = std::iter::once(local).chain(domain.split('.'));
    if parts.clone().any(|p| !p.is_single_script()) {
        return Err(refused(
            "This address mixes alphabets in a way used to imitate other addresses.",
        ));
    }
    Ok(email)
}

/// The stored form for looking an address up (sign-in): the same
/// normalization, or the plain trimmed lowercase text when it would be
/// refused (then no account has it).
pub fn lookup_form(raw: &str) -> String {
    normalize(raw).unwrap_or_else(|_| raw.trim().to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn look_alikes_are_refused_and_compatibility_forms_meet_the_plain_address() {
        for (raw, stored) in [
            ("  Ana@Example.COM ", "ana@example.com"),
            ("ａｎａ@ｅｘａｍｐｌｅ.com", "ana@example.com"),
            ("иван@почта.рф", "иван@почта.рф"),
            ("ana+tag@example.com", "ana+tag@example.com"),
        ] {
            assert_eq!(normalize(raw).ok().as_deref(), Some(stored), "{raw}");
        }
        for hostile in [
            "an\u{200b}a@example.com",
            "ana@exa\u{200d}mple.com",
            "\u{2060}ana@example.com",
            "аna@example.com",
            "ana@exаmple.com",
            "ana@example.com\u{feff}",
            "an\u{ad}a@example.com",
        ] {
            assert!(normalize(hostile).is_err(), "{hostile:?} must be refused");
        }
    }
}
