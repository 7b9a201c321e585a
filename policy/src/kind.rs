//! Resource kinds and the partner-grant sections that cover them.

use serde::{Deserialize, Serialize};

use crate::toggle::Category;

/// A kind of thing in a workspace that access rules apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Module,
    Integration,
    /// A flow always belongs to an integration and follows its groups.
    Flow,
    ApiGateway,
    ApiGatewayUser,
    ConnectedAccount,
    /// Data Studio kinds exist only while the workspace has Data Studio on.
    DataJob,
    FileJob,
    FileTemplate,
}

/// How a resource kind decides who may manage it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// The resource lists its own groups.
    Own,
    /// The resource uses its integration's groups (flows).
    Integration,
    /// No groups: governed by toggles only.
    None,
}

impl ResourceKind {
    /// Every kind.
    pub const ALL: [ResourceKind; 9] = [
        ResourceKind::Module,
        ResourceKind::Integration,
        ResourceKind::Flow,
        ResourceKind::ApiGateway,
        ResourceKind::ApiGatewayUser,
        ResourceKind::ConnectedAccount,
        ResourceKind::DataJob,
        ResourceKind::FileJob,
        ResourceKind::FileTemplate,
    ];

    /// The name the product shows.
    pub const fn label(self) -> &'static str {
        match self {
            ResourceKind::Module => "Module",
            ResourceKind::Integration => "Integration",
            ResourceKind::Flow => "Flow",
            ResourceKind::ApiGateway => "API Gateway",
            ResourceKind::ApiGatewayUser => "API Gateway user",
            ResourceKind::ConnectedAccount => "Connected account",
            ResourceKind::DataJob => "Data Job",
            ResourceKind::FileJob => "File Job",
            ResourceKind::FileTemplate => "File Template",
        }
    }

    /// Whether the kind belongs to Data Studio.
    pub const fn is_data_studio(self) -> bool {
        matches!(self, ResourceKind::DataJob | ResourceKind::FileJob | ResourceKind::FileTemplate)
    }

    /// Whether a flow can run this kind as one of its components with the
    /// job's own saved group (seed: "Data Job or File Job component").
    pub const fn is_job(self) -> bool {
        matches!(self, ResourceKind::DataJob | ResourceKind::FileJob)
    }

    /// Where the kind's groups come from.
    pub const fn grouping(self) -> Grouping {
        match self {
            ResourceKind::Flow => Grouping::Integration,
            ResourceKind::ApiGatewayUser | ResourceKind::ConnectedAccount => Grouping::None,
            _ => Grouping::Own,
        }
    }

    /// The toggle category governing the kind, if any. Modules and Data
    /// Studio resources have no toggles.
    pub const fn toggle_category(self) -> Option<Category> {
        match self {
            ResourceKind::Integration | ResourceKind::Flow => Some(Category::Integrations),
            ResourceKind::ApiGateway => Some(Category::ApiGateway),
            ResourceKind::ApiGatewayUser => Some(Category::ApiGatewayUsers),
            ResourceKind::ConnectedAccount => Some(Category::ConnectedAccount),
            _ => None,
        }
    }

    /// The partner-grant section that makes the kind visible to analysts.
    pub const fn section(self) -> Section {
        match self {
            ResourceKind::Integration | ResourceKind::Flow => Section::Integrations,
            ResourceKind::Module => Section::Modules,
            ResourceKind::ApiGateway | ResourceKind::ApiGatewayUser => Section::ApiGateway,
            ResourceKind::ConnectedAccount => Section::ConnectedAccounts,
            ResourceKind::DataJob | ResourceKind::FileJob | ResourceKind::FileTemplate => {
                Section::DataStudio
            }
        }
    }
}

/// A part of a client workspace a partner grant can open to analysts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Integrations, with their flows.
    Integrations,
    Modules,
    /// API Gateways, with their users.
    ApiGateway,
    ConnectedAccounts,
    DataStudio,
    /// Read the Users list.
    Users,
    Audit,
}

impl Section {
    /// Every section, in display order.
    pub const ALL: [Section; 7] = [
        Section::Integrations,
        Section::Modules,
        Section::ApiGateway,
        Section::ConnectedAccounts,
        Section::DataStudio,
        Section::Users,
        Section::Audit,
    ];

    /// The name the product shows.
    pub const fn label(self) -> &'static str {
        match self {
            Section::Integrations => "Integrations and flows",
            Section::Modules => "Modules",
            Section::ApiGateway => "API Gateway and its users",
            Section::ConnectedAccounts => "Connected accounts",
            Section::DataStudio => "Data Studio",
            Section::Users => "Users list",
            Section::Audit => "Audit log",
        }
    }
}
