//! The permissions read: what the caller may do on a hub.
//!
//! `GET {hub id}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01` returns
//! one entry per role assignment reaching the hub, every page followed (each page one read of
//! ARM's budget). [`crate::models::permits`] answers whether they allow an action.

use futures::TryStreamExt;
use url::Url;

use crate::{
    client::{ArmClient, check_names},
    error::ArmError,
    models::Permission,
};

/// The permissions api-version.
pub const PERMISSIONS_API_VERSION: &str = "2022-04-01";

impl ArmClient {
    /// URL of the first page of the caller's permissions on a hub.
    pub fn permissions_url(&self, resource_group: &str, hub: &str) -> Url {
        let mut segments = self.hubs_segments(resource_group);
        segments.extend([hub, "providers", "Microsoft.Authorization", "permissions"]);
        self.url_with_version(&segments, PERMISSIONS_API_VERSION)
    }

    /// The caller's permissions on a hub (all pages).
    pub async fn permissions(
        &self,
        resource_group: &str,
        hub: &str,
    ) -> Result<Vec<Permission>, ArmError> {
        let first =
            check_names(resource_group, hub).map(|()| self.permissions_url(resource_group, hub));
        self.pages(first).try_collect().await
    }
}
