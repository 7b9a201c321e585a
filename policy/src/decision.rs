//! The answer to every question: allowed, or denied with a reason.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

macro_rules! reasons {
    ($($(#[$doc:meta])* $variant:ident $code:literal => $message:literal,)*) => {
        /// Why something is denied. The serialized form (snake_case) is the
        /// stable, machine-readable code; the list is exhaustive on purpose so
        /// that every caller handles every case.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum Reason {
            $($(#[$doc])* $variant,)*
        }

        impl Reason {
            /// Every reason.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant,)*];

            /// The stable code, e.g. `owner_only` (the serialized form).
            pub const fn code(self) -> &'static str {
                match self {
                    $(Reason::$variant => $code,)*
                }
            }

            /// The sentence shown when no more specific one applies.
            pub const fn default_message(self) -> &'static str {
                match self {
                    $(Reason::$variant => $message,)*
                }
            }
        }
    };
}

reasons! {
    UnknownAccount "unknown_account" => "That account does not exist.",
    UnknownWorkspace "unknown_workspace" => "That workspace does not exist.",
    UnknownCompany "unknown_company" => "That company does not exist.",
    UnknownMember "unknown_member" => "That person is not a member of this workspace.",
    UnknownInvitation "unknown_invitation" => "That invitation does not exist or is no longer open.",
    UnknownRequest "unknown_request" => "That access request does not exist or was already handled.",
    UnknownGroup "unknown_group" => "That group does not exist in this workspace.",
    UnknownResource "unknown_resource" => "That resource does not exist in this workspace.",
    UnknownGrant "unknown_grant" => "That access key does not exist.",
    UnknownIntegration "unknown_integration" => "That integration does not exist in this workspace.",
    NotAMember "not_a_member" => "You are not a member of this workspace.",
    PartnerAccessRevoked "partner_access_revoked" => "Your partner company no longer has access to this workspace.",
    PartnerAccessExpired "partner_access_expired" => "Your partner company's access to this workspace has expired.",
    PartnerAnalystRestricted "partner_analyst_restricted" => "Partner analysts cannot manage people, groups or permissions in a client workspace.",
    SectionNotGranted "section_not_granted" => "This section is not part of your partner company's access.",
    OwnerOrAdminOnly "owner_or_admin_only" => "Only the workspace owner and administrators can do this.",
    OwnerOnly "owner_only" => "Only the workspace owner can do this.",
    OwnerOnlyEditsAdminToggles "owner_only_edits_admin_toggles" => "Only the workspace owner can change administrators' permissions.",
    OwnerTogglesFixed "owner_toggles_fixed" => "The owner always has every permission; nobody can edit them.",
    ToggleNotHeldByAdmins "toggle_not_held_by_admins" => "You cannot switch on a permission the Administrator role does not have.",
    StaleVersion "stale_version" => "These permissions were changed by someone else in the meantime; reload and try again.",
    MissingToggle "missing_toggle" => "Your role does not have the permission this needs.",
    RoleNotAssignable "role_not_assignable" => "The Owner role can only be handed over by transferring ownership.",
    RoleAboveYours "role_above_yours" => "You cannot give a role above your own.",
    TargetIsSelf "target_is_self" => "You cannot change or remove your own access.",
    TargetIsOwner "target_is_owner" => "The workspace owner cannot be removed or demoted; transfer ownership first.",
    TargetRankNotBelow "target_rank_not_below" => "You can only manage members whose role is below yours.",
    TargetIsPartnerAnalyst "target_is_partner_analyst" => "A partner analyst's role comes from their partner's grant; it cannot be changed here.",
    OnlyOwnerRemovesAnalysts "only_owner_removes_analysts" => "Only the workspace owner can remove a partner analyst.",
    SameRole "same_role" => "The member already has that role.",
    TransferTargetNotAdmin "transfer_target_not_admin" => "Ownership can only be transferred to an active Administrator.",
    InvalidEmail "invalid_email" => "Enter a valid email address.",
    AlreadyAMember "already_a_member" => "That person is already a member of this workspace.",
    InvitationExpired "invitation_expired" => "This invitation has expired; ask for a new one.",
    InvitationForAnotherEmail "invitation_for_another_email" => "This invitation was sent to a different email address.",
    InvitationRoleDiffers "invitation_role_differs" => "This address already has an open invitation with another permission; delete it, then invite again.",
    RequestPending "request_pending" => "You have already asked to join this workspace.",
    DefaultGroupImmutable "default_group_immutable" => "The default group contains every member and cannot be edited.",
    InvalidGroupName "invalid_group_name" => "Group names must be 1 to 64 characters and cannot be \u{201c}default\u{201d}.",
    GroupNameTaken "group_name_taken" => "Another group in this workspace already has that name.",
    InvalidGroupDescription "invalid_group_description" => "Group descriptions can be at most 500 characters.",
    ConfirmationMismatch "confirmation_mismatch" => "Type the group's exact name to delete it.",
    NotAnActiveMember "not_an_active_member" => "Only active members of this workspace can be added to a group.",
    NotInGroup "not_in_group" => "That member is not in this group.",
    DataStudioDisabled "data_studio_disabled" => "Data Studio is not enabled in this workspace.",
    NotInResourceGroups "not_in_resource_groups" => "You are not in any group that may manage this resource.",
    NoGroupAdminOnly "no_group_admin_only" => "This resource has no group, so only the owner and administrators can use it.",
    FlowFollowsIntegration "flow_follows_integration" => "A flow's groups are always its integration's groups; change the integration instead.",
    KindHasNoGroups "kind_has_no_groups" => "Connected accounts and API Gateway users are governed by permissions, not groups.",
    FlowNeedsIntegration "flow_needs_integration" => "A flow must belong to an integration of this workspace.",
    NotAFlow "not_a_flow" => "Only flows can be run.",
    JobWithoutGroup "job_without_group" => "A Data Job or File Job in this flow has no group to run as; an administrator must set one.",
    NotCompanyMember "not_company_member" => "Only members of this company and platform support can see it.",
    NotCompanyAdmin "not_company_admin" => "Only an admin of this company can do this.",
    SupportOnly "support_only" => "Only platform support can turn Partner and Client on or off.",
    NotAClient "not_a_client" => "This company is not enabled as a Client; contact support.",
    NotAPartner "not_a_partner" => "That company is not enabled as a Partner; contact support.",
    OwnPartner "own_partner" => "A company cannot be its own partner.",
    ClientHasPartner "client_has_partner" => "This company already has a partner; delete the current access key first.",
    WorkspaceNotInClient "workspace_not_in_client" => "A grant can only cover the client company's own workspaces.",
    NoWorkspaces "no_workspaces" => "Choose at least one workspace.",
    NoSections "no_sections" => "Choose at least one section.",
    GrantRevoked "grant_revoked" => "This access key has been deleted.",
    GrantExpired "grant_expired" => "This access key has expired; the client can renew it.",
    ExpiryNotInFuture "expiry_not_in_future" => "Choose an expiry date in the future.",
    ExpiryTooFar "expiry_too_far" => "Access can be granted for at most two years.",
    GrantNotRedeemed "grant_not_redeemed" => "The partner has not redeemed this access key yet.",
    AlreadyRedeemed "already_redeemed" => "This access key has already been redeemed.",
    WorkspaceNotGranted "workspace_not_granted" => "This workspace is not part of the partner's access.",
    AnalystNotInPartner "analyst_not_in_partner" => "Analysts must be members of the partner company.",
    NotAnAnalyst "not_an_analyst" => "That member is not one of this partner's analysts.",
    UnknownCompanyMember "unknown_company_member" => "That person is not a member of this company.",
    AlreadyInCompany "already_in_company" => "That person is already a member of this company.",
    LastCompanyAdmin "last_company_admin" => "A company always keeps at least one admin; make someone else admin first.",
    AccountNotVerified "account_not_verified" => "That account has not verified its email address yet.",
    LeftPartnerCompany "left_partner_company" => "You are no longer a member of the partner company that gave you access.",
    /// Only on a slice: the answer depends on a whole set the slice holds
    /// in part; ask the server (a dry run).
    IncompleteFacts "incomplete_facts" => "This depends on more than what is loaded here; the server will check it.",
}

/// A refusal: a stable code and a sentence a person can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The machine-readable reason.
    pub code: Reason,
    /// The sentence to show, e.g. on a disabled control.
    pub message: Cow<'static, str>,
}

/// The outcome of one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The action may proceed.
    Allowed,
    /// The action is refused.
    Denied(Denial),
}

impl Decision {
    /// A denial with the reason's usual sentence.
    pub const fn deny(code: Reason) -> Decision {
        Decision::Denied(Denial { code, message: Cow::Borrowed(code.default_message()) })
    }

    /// A denial with a more specific sentence.
    pub fn deny_with(code: Reason, message: impl Into<Cow<'static, str>>) -> Decision {
        Decision::Denied(Denial { code, message: message.into() })
    }

    /// Allowed when `ok`, otherwise denied for `code`.
    pub const fn require(ok: bool, code: Reason) -> Decision {
        if ok { Decision::Allowed } else { Decision::deny(code) }
    }

    /// Whether the action may proceed.
    pub const fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed)
    }

    /// The reason code, if denied.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Decision::Allowed => None,
            Decision::Denied(d) => Some(d.code),
        }
    }

    /// The sentence to show, if denied.
    pub fn message(&self) -> Option<&str> {
        match self {
            Decision::Allowed => None,
            Decision::Denied(d) => Some(&d.message),
        }
    }

    /// `self` if denied, otherwise the next check: checks chain in order and
    /// the first refusal wins.
    pub fn and_then(self, next: impl FnOnce() -> Decision) -> Decision {
        match self {
            Decision::Allowed => next(),
            denied => denied,
        }
    }

    /// As a `Result`, for `?` in rule code.
    pub fn into_result(self) -> Result<(), Denial> {
        match self {
            Decision::Allowed => Ok(()),
            Decision::Denied(d) => Err(d),
        }
    }
}

impl From<Result<(), Denial>> for Decision {
    fn from(r: Result<(), Denial>) -> Self {
        match r {
            Ok(()) => Decision::Allowed,
            Err(d) => Decision::Denied(d),
        }
    }
}

/// The wire form: `{ "allowed": true }` or
/// `{ "allowed": false, "code": "...", "message": "..." }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Decision))]
pub struct DecisionWire {
    /// Whether the action may proceed.
    pub allowed: bool,
    /// The reason code, present when denied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub code: Option<Reason>,
    /// The sentence to show, present when denied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub message: Option<String>,
}

impl From<&Decision> for DecisionWire {
    fn from(d: &Decision) -> Self {
        match d {
            Decision::Allowed => DecisionWire { allowed: true, code: None, message: None },
            Decision::Denied(d) => DecisionWire {
                allowed: false,
                code: Some(d.code),
                message: Some(d.message.to_string()),
            },
        }
    }
}

impl TryFrom<DecisionWire> for Decision {
    type Error = &'static str;

    fn try_from(w: DecisionWire) -> Result<Self, Self::Error> {
        match (w.allowed, w.code) {
            (true, None) => Ok(Decision::Allowed),
            (true, Some(_)) => Err("an allowed decision has no `code`"),
            (false, Some(code)) => Ok(match w.message {
                Some(m) => Decision::deny_with(code, m),
                None => Decision::deny(code),
            }),
            (false, None) => Err("a denied decision needs a `code`"),
        }
    }
}

impl Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        DecisionWire::from(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Decision {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Decision::try_from(DecisionWire::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}
