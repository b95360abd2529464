//! Management locks (Microsoft.Authorization `locks`, api-version 2016-09-01).
//!
//! A `ReadOnly` lock on a resource, its resource group or its subscription makes ARM refuse
//! POST actions (409 `ScopeLocked`); `CanNotDelete` only blocks deletes.

use serde::Deserialize;

/// The level of a lock. The spec models it as an open string enum, so unknown levels survive.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub enum LockLevel {
    /// No level given.
    NotSpecified,
    /// Reads and changes allowed, deletes refused.
    CanNotDelete,
    /// Only reads allowed: changes, deletes and POST actions are refused.
    ReadOnly,
    /// A level this client does not know, as ARM spelled it.
    #[serde(untagged)]
    Other(String),
}

impl LockLevel {
    /// Whether the lock makes ARM refuse a POST action such as a failover.
    pub fn blocks_actions(&self) -> bool {
        matches!(self, LockLevel::ReadOnly)
    }
}

/// The owner of a lock.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LockOwner {
    /// Application id of the owner.
    #[serde(default)]
    pub application_id: Option<String>,
}

/// A lock's properties.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockProperties {
    /// The lock's level.
    pub level: LockLevel,
    /// Why it is there (at most 512 characters).
    #[serde(default)]
    pub notes: Option<String>,
    /// Who owns it.
    #[serde(default)]
    pub owners: Vec<LockOwner>,
}

/// One management lock.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagementLock {
    /// Resource id of the lock (`<scope>/providers/Microsoft.Authorization/locks/<name>`).
    #[serde(default)]
    pub id: String,
    /// The lock's name.
    #[serde(default)]
    pub name: String,
    /// `Microsoft.Authorization/locks`.
    #[serde(default, rename = "type")]
    pub resource_type: String,
    /// Level, notes, owners.
    pub properties: LockProperties,
}

impl ManagementLock {
    /// The lock's level.
    pub fn level(&self) -> &LockLevel {
        &self.properties.level
    }

    /// The scope the lock sits on: its id without `/providers/Microsoft.Authorization/locks/<name>`.
    pub fn scope(&self) -> &str {
        let lower = self.id.to_ascii_lowercase();
        match lower.rfind("/providers/microsoft.authorization/locks/") {
            Some(at) => &self.id[..at],
            None => "",
        }
    }
}
