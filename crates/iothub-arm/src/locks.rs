//! The management-lock reads: the locks at a hub, its resource group and its subscription.
//!
//! `GET <scope>/providers/Microsoft.Authorization/locks?api-version=2016-09-01` for each
//! [`LockScope`], every page followed (each page one read of ARM's budget). What a lock means
//! for a failover is the caller's business ([`crate::models::LockLevel::blocks_actions`]).

use futures::TryStreamExt;
use url::Url;

use crate::{
    client::{ArmClient, check_names, non_empty},
    error::ArmError,
    models::ManagementLock,
};

/// The management locks api-version.
pub const LOCKS_API_VERSION: &str = "2016-09-01";

/// Where locks are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockScope {
    /// The hub itself (ARM's `ListAtResourceLevel`).
    Hub,
    /// The hub's resource group.
    ResourceGroup,
    /// The subscription.
    Subscription,
}

impl LockScope {
    /// Every scope a lock on which applies to a hub, the narrowest first.
    pub const ALL: [LockScope; 3] = [
        LockScope::Hub,
        LockScope::ResourceGroup,
        LockScope::Subscription,
    ];

    /// A short name for messages (`hub`, `resource group`, `subscription`).
    pub fn as_str(self) -> &'static str {
        match self {
            LockScope::Hub => "hub",
            LockScope::ResourceGroup => "resource group",
            LockScope::Subscription => "subscription",
        }
    }
}

const LOCKS: [&str; 3] = ["providers", "Microsoft.Authorization", "locks"];

impl ArmClient {
    /// URL of the first page of the locks at `scope` for hub `hub` in `resource_group`.
    pub fn locks_url(&self, scope: LockScope, resource_group: &str, hub: &str) -> Url {
        let mut segments: Vec<&str> = match scope {
            LockScope::Subscription => vec!["subscriptions", self.subscription()],
            LockScope::ResourceGroup => vec![
                "subscriptions",
                self.subscription(),
                "resourceGroups",
                resource_group,
            ],
            LockScope::Hub => {
                let mut s = self.hubs_segments(resource_group);
                s.push(hub);
                s
            }
        };
        segments.extend(LOCKS);
        self.url_with_version(&segments, LOCKS_API_VERSION)
    }

    /// Every lock ARM lists at `scope` (all pages).
    pub async fn locks(
        &self,
        scope: LockScope,
        resource_group: &str,
        hub: &str,
    ) -> Result<Vec<ManagementLock>, ArmError> {
        let first = match scope {
            LockScope::Subscription => Ok(()),
            LockScope::ResourceGroup => non_empty("resource group", resource_group),
            LockScope::Hub => check_names(resource_group, hub),
        }
        .map(|()| self.locks_url(scope, resource_group, hub));
        self.pages(first).try_collect().await
    }
}
