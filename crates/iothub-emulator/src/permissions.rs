//! The caller's permissions on a hub (`{hub id}/providers/Microsoft.Authorization/permissions`,
//! api-version 2022-04-01): the hub's scenario `permissions:` (default one entry granting `*`),
//! rendered as the spec's `Permission` objects. The emulator grants or refuses nothing on their
//! account: they are data for a client to judge.

use crate::preflight_seed::PermissionSeed;
use serde::Serialize;

pub(crate) const API_VERSION: &str = "2022-04-01";

/// One entry as the spec's `Permission` has it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Permission<'a> {
    actions: &'a [String],
    not_actions: &'a [String],
    data_actions: &'a [String],
    not_data_actions: &'a [String],
}

pub(crate) fn list(seeds: &[PermissionSeed]) -> Vec<Permission<'_>> {
    seeds
        .iter()
        .map(|p| Permission {
            actions: &p.actions,
            not_actions: &p.not_actions,
            data_actions: &p.data_actions,
            not_data_actions: &p.not_data_actions,
        })
        .collect()
}
