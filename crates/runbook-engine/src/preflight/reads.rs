//! The preflight's ARM reads: the hub, its Activity Log, the locks at its three scopes and the
//! caller's permissions on it, each kept as a result (a read that fails is evidence, not an
//! error of the preflight).
//!
//! Reads per hub: the hub (none when the caller already holds a reading, as a fleet's target
//! listing), the Activity Log (1 page, at most `ACTIVITY_LOG_PAGES`), the locks at the hub,
//! its resource group and its subscription (3), the permissions (1): 6 for one hub. A fleet
//! (`SharedReads::for_fleet`) lists the subscription's locks once (ARM's subscription-level
//! list holds every lock in the subscription, on groups and resources too) and keeps those on
//! each hub or above it, so a fleet hub costs 2 reads (Activity Log, permissions) plus its
//! share of one lock list per subscription; when that list cannot be read, the hub's own
//! scopes are read as for one hub.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use iothub_arm::{ActivityLog, ArmClient, IotHub, LockScope, ManagementLock, Permission};
use time::OffsetDateTime;
use tokio::sync::OnceCell;

use crate::target::HubTarget;

/// At most this many Activity Log pages per hub (Azure sends newest first, so the last
/// failovers are on the first page; a cut log says so).
pub const ACTIVITY_LOG_PAGES: usize = 3;

/// How far back the Activity Log is read: Azure's 24-hour window plus a margin for the hour
/// rule at its edge.
pub const ACTIVITY_LOG_LOOKBACK: time::Duration = time::Duration::hours(25);

type LockRead = Result<Vec<ManagementLock>, String>;

/// One cell per scope key, filled by the first preflight that reads it.
type LockCells = Arc<Mutex<HashMap<String, Arc<OnceCell<LockRead>>>>>;

/// Lock lists of resource groups and subscriptions, read once and shared by every hub's
/// preflight in this process. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct SharedReads {
    locks: LockCells,
    /// Take every hub's locks from its subscription's list (a fleet).
    subscription_wide: bool,
}

impl SharedReads {
    /// For one hub: the locks are read at the hub, its resource group and its subscription.
    pub fn new() -> Self {
        Self::default()
    }

    /// For many hubs: each subscription's lock list, read once, answers for all its hubs.
    pub fn for_fleet() -> Self {
        Self {
            subscription_wide: true,
            ..Self::default()
        }
    }

    /// The locks listed at `scope` of `target`, read at most once per scope key; the second
    /// value is the reads this call made (0 when another hub's preflight made them).
    async fn locks(
        &self,
        client: &ArmClient,
        target: &HubTarget,
        scope: LockScope,
    ) -> (LockRead, u32) {
        let key = match scope {
            LockScope::Subscription => format!("s\0{}", target.subscription.to_lowercase()),
            LockScope::ResourceGroup => format!(
                "g\0{}\0{}",
                target.subscription.to_lowercase(),
                target.resource_group.to_lowercase()
            ),
            LockScope::Hub => return (read_locks(client, target, scope).await, 1),
        };
        let cell = {
            let mut map = self.locks.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(key).or_default().clone()
        };
        let mut made = 0;
        let read = cell
            .get_or_init(|| async {
                made = 1;
                read_locks(client, target, scope).await
            })
            .await;
        (read.clone(), made)
    }
}

async fn read_locks(client: &ArmClient, target: &HubTarget, scope: LockScope) -> LockRead {
    client
        .locks(scope, &target.resource_group, &target.hub)
        .await
        .map_err(|e| e.to_string())
}

/// What the preflight read about one hub.
#[derive(Debug)]
pub struct Readings {
    pub hub: Result<IotHub, String>,
    pub activity: Result<ActivityLog, String>,
    /// Per scope, narrowest first.
    pub locks: Vec<(LockScope, LockRead)>,
    pub permissions: Result<Vec<Permission>, String>,
    /// ARM reads made for this hub (pages of the Activity Log counted one each).
    pub reads: u32,
    /// The hub's resource id (from the reading, or built from the target).
    pub hub_id: String,
}

/// Reads everything the checks need. `hub` is a reading the caller already holds.
pub async fn read_all(
    client: &ArmClient,
    target: &HubTarget,
    hub: Option<IotHub>,
    shared: &SharedReads,
    now: OffsetDateTime,
) -> Readings {
    let mut reads = 0u32;
    let hub = match hub {
        Some(h) => Ok(h),
        None => {
            reads += 1;
            client
                .get_hub(&target.resource_group, &target.hub)
                .await
                .map_err(|e| e.to_string())
        }
    };
    let hub_id = hub
        .as_ref()
        .ok()
        .map(|h| h.id.clone())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| {
            format!(
                "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Devices/IotHubs/{}",
                target.subscription, target.resource_group, target.hub
            )
        });
    // The other reads need nothing of each other: made at once, a preflight costs about two
    // round trips instead of six.
    let activity = async {
        let activity = client
            .activity_log(
                now - ACTIVITY_LOG_LOOKBACK,
                now,
                &hub_id,
                ACTIVITY_LOG_PAGES,
            )
            .await;
        let made = match &activity {
            Ok(log) => u32::try_from(log.pages).unwrap_or(u32::MAX),
            Err(_) => 1,
        };
        (activity.map_err(|e| e.to_string()), made)
    };
    let locks = async {
        let mut made = 0;
        let mut locks = Vec::new();
        if shared.subscription_wide {
            let (read, n) = shared.locks(client, target, LockScope::Subscription).await;
            made += n;
            if read.is_ok() {
                locks.push((LockScope::Subscription, read));
            }
        }
        if locks.is_empty() {
            for scope in LockScope::ALL {
                let (read, n) = shared.locks(client, target, scope).await;
                made += n;
                locks.push((scope, read));
            }
        }
        (locks, made)
    };
    let permissions = async {
        client
            .permissions(&target.resource_group, &target.hub)
            .await
            .map_err(|e| e.to_string())
    };
    let ((activity, activity_reads), (locks, lock_reads), permissions) =
        tokio::join!(activity, locks, permissions);
    reads += activity_reads + lock_reads + 1;
    Readings {
        hub,
        activity,
        locks,
        permissions,
        reads,
        hub_id,
    }
}
