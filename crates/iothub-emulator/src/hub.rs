//! One hub at run time: its mutable state behind its own lock, and the failover state machine.
//!
//! Transitions are lazy: an operation records when it will end, and every read or write of the
//! hub first calls `advance`, which completes the operation if its time has come. So there is no
//! background task per failover, and a hub costs only memory until someone asks about it.
//! The rendered GET body is cached per hub and dropped whenever the state changes.

use crate::clock::Clock;
use crate::ordered::OrderedMap;
use crate::scenario::{Devices, EndpointHealth, HubSeed, OperationErrorSeed, Outcome};
use bytes::Bytes;
use parking_lot::Mutex;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Region names compare like ARM does: case and spaces do not matter ("West US" == "westus").
pub fn same_region(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    norm(a) == norm(b)
}

/// A hub: fixed identity and seed, mutable state behind its own lock (no global lock).
#[derive(Debug)]
pub(crate) struct Hub {
    pub index: usize,
    pub seed: HubSeed,
    pub state: Mutex<HubState>,
}

/// Status of a failover operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpStatus {
    InProgress,
    Succeeded,
    Failed,
}

impl OpStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OpStatus::InProgress => "InProgress",
            OpStatus::Succeeded => "Succeeded",
            OpStatus::Failed => "Failed",
        }
    }
}

/// One manual failover.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub seq: u64,
    pub started_at: OffsetDateTime,
    /// `None`: stuck, never ends.
    pub ends_at: Option<Instant>,
    pub status: OpStatus,
    pub ended_at: Option<OffsetDateTime>,
    pub error: Option<OperationErrorSeed>,
}

/// The mutable part of a hub.
#[derive(Debug)]
pub(crate) struct HubState {
    pub state: String,
    pub location: String,
    pub primary: String,
    pub secondary: String,
    pub devices: Devices,
    pub quotas: Option<OrderedMap<[u64; 2]>>,
    pub endpoints: OrderedMap<EndpointHealth>,
    pub operations: Vec<Operation>,
    pub last_failover_done: Option<Instant>,
    /// Failovers that succeeded, for the per-direction daily limit.
    pub completed: Vec<CompletedFailover>,
    pub version: u64,
    /// Rendered GET body and etag, until the state changes.
    pub body_cache: Option<(Bytes, String)>,
}

/// A failover that succeeded: its direction and when it ended.
#[derive(Debug, Clone)]
pub(crate) struct CompletedFailover {
    pub from: String,
    pub to: String,
    pub at: Instant,
}

/// Why a failover request was refused: HTTP status, ARM code, message.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl Hub {
    pub fn new(index: usize, seed: HubSeed) -> Hub {
        let primary = seed
            .primary
            .clone()
            .unwrap_or_else(|| seed.location.clone());
        let state = HubState {
            state: seed.state.clone(),
            location: seed.location.clone(),
            primary,
            secondary: seed.secondary.clone(),
            devices: seed.devices,
            quotas: seed.quotas.clone(),
            endpoints: seed.endpoints.clone(),
            operations: Vec::new(),
            last_failover_done: None,
            completed: Vec::new(),
            version: 0,
            body_cache: None,
        };
        Hub {
            index,
            seed,
            state: Mutex::new(state),
        }
    }

    /// Starts a failover to `region`, or says why not. Returns the operation's sequence number.
    pub fn start_failover(
        &self,
        region: &str,
        clock: &Clock,
        now: Instant,
    ) -> Result<u64, Refusal> {
        // ARM's exact answer is undocumented; this code is the emulator's own (see README).
        if self.seed.enable_data_residency {
            return Err(Refusal {
                status: 400,
                code: "FailoverNotSupportedWithDataResidency",
                message: format!(
                    "IoT hub '{}' has data residency enabled (properties.enableDataResidency), which disables disaster recovery: it cannot fail over.",
                    self.seed.name
                ),
            });
        }
        let mut st = self.state.lock();
        st.advance(&self.seed, now);
        // A failover already running answers 409 whatever region the second request names.
        if st
            .operations
            .iter()
            .any(|op| op.status == OpStatus::InProgress)
        {
            return Err(Refusal {
                status: 409,
                code: "FailoverInProgress",
                message: format!(
                    "A failover of IoT hub '{}' is already in progress.",
                    self.seed.name
                ),
            });
        }
        if !same_region(region, &st.secondary) {
            return Err(Refusal {
                status: 400,
                code: "InvalidFailoverRegion",
                message: format!(
                    "Failover region '{region}' is not the paired secondary region '{}' of IoT hub '{}'.",
                    st.secondary, self.seed.name
                ),
            });
        }
        if !st.state.eq_ignore_ascii_case("Active") {
            return Err(Refusal {
                status: 409,
                code: "IotHubNotActive",
                message: format!(
                    "IoT hub '{}' is in state '{}'; only an Active hub can fail over.",
                    self.seed.name, st.state
                ),
            });
        }
        if let Some(refusal) = self.limit_refusal(&st, region, clock, now) {
            return Err(refusal);
        }
        let seq = st.operations.len() as u64 + 1;
        let ends_at = if self.seed.failover.stuck
            || self.seed.failover.complete == crate::scenario::Completion::Manual
        {
            None
        } else {
            Some(now + clock.scale(self.seed.failover.duration))
        };
        st.operations.push(Operation {
            seq,
            // On the request's clock, as its end is: a wall-clock read here, later than `now`
            // by however long the request waited, could fall after a short failover's end.
            started_at: wall_time_of(now),
            ends_at,
            status: OpStatus::InProgress,
            ended_at: None,
            error: None,
        });
        st.state = "FailingOver".to_owned();
        st.touch();
        Ok(seq)
    }
}

impl Hub {
    /// Ends the running failover now, as its `outcome` says; `None` if none is running.
    pub fn complete_failover(&self, now: Instant) -> Option<OpStatus> {
        let mut st = self.state.lock();
        st.advance(&self.seed, now);
        let op = st.operations.last_mut()?;
        if op.status != OpStatus::InProgress {
            return None;
        }
        op.ends_at = Some(now);
        st.advance(&self.seed, now);
        st.operations.last().map(|op| op.status)
    }

    /// Azure's failover limits: a cooldown after the last failover ended, and at most so many
    /// completed failovers per direction in any rolling 24 h. The hub's scenario overrides the
    /// emulator-wide defaults; both scale with the clock.
    fn limit_refusal(
        &self,
        st: &HubState,
        region: &str,
        clock: &Clock,
        now: Instant,
    ) -> Option<Refusal> {
        let name = &self.seed.name;
        let allowed_in = |left: Duration| {
            // Whole seconds, rounded up: the time said is never before the time allowed.
            let at = OffsetDateTime::now_utc() + left;
            let at = at.replace_nanosecond(0).unwrap_or(at)
                + if at.nanosecond() > 0 {
                    Duration::from_secs(1)
                } else {
                    Duration::ZERO
                };
            format!(
                "in {} s (at {})",
                Clock::retry_after_secs(left),
                crate::wire::rfc3339(at)
            )
        };
        let cooldown = self
            .seed
            .failover
            .cooldown
            .map_or_else(|| clock.cooldown(), |c| clock.scale(c));
        let mut waits: Vec<(Duration, String)> = Vec::new();
        if let Some(done) = st.last_failover_done {
            let since = now.saturating_duration_since(done);
            if since < cooldown {
                waits.push((cooldown - since, "failed over recently".to_owned()));
            }
        }
        let limit = self
            .seed
            .failover
            .per_direction_per_day
            .or(clock.per_direction_per_day);
        if let Some(limit) = limit {
            let window = clock.failover_window();
            let from = st.primary.clone();
            let mut same_way: Vec<Instant> = st
                .completed
                .iter()
                .filter(|f| same_region(&f.from, &from) && same_region(&f.to, region))
                .filter(|f| now.saturating_duration_since(f.at) < window)
                .map(|f| f.at)
                .collect();
            let limit = limit as usize;
            if same_way.len() >= limit {
                same_way.sort();
                // The oldest of them must leave the window so that one fewer than the limit
                // remain; with a limit of 0 nothing ever frees up within a window.
                let frees = same_way
                    .len()
                    .checked_sub(limit)
                    .and_then(|i| same_way.get(i))
                    .map_or(window, |at| {
                        window.saturating_sub(now.saturating_duration_since(*at))
                    });
                waits.push((
                    frees,
                    format!(
                        "already failed over from '{from}' to '{region}' {} times in the last 24 hours (at most {limit} per direction per day)",
                        same_way.len()
                    ),
                ));
            }
        }
        let (left, why) = waits.into_iter().max_by_key(|(left, _)| *left)?;
        Some(Refusal {
            status: 400,
            code: "FailoverNotAllowed",
            message: format!(
                "IoT hub '{name}' {why}; the next failover is allowed {}.",
                allowed_in(left)
            ),
        })
    }
}

impl HubState {
    /// The state changed: new etag, re-render on next GET.
    pub fn touch(&mut self) {
        self.version += 1;
        self.body_cache = None;
    }

    /// Completes the running operation if its end time has passed.
    pub fn advance(&mut self, seed: &HubSeed, now: Instant) {
        let Some(op) = self.operations.last_mut() else {
            return;
        };
        let Some(end) = op.ends_at else { return };
        if op.status != OpStatus::InProgress || end > now {
            return;
        }
        let fail = seed.failover.outcome == Outcome::Failed;
        // State changes are applied when someone next looks, but they happened at `end`: the
        // operation's endTime and the cooldown count from then, not from the look.
        // After it began, whatever the clocks' reads did meanwhile, and by a microsecond at
        // least: the Activity Log lists newest first, and a failover's end must come above
        // its start even when it took no time.
        op.ended_at = Some(wall_time_of(end).max(op.started_at + time::Duration::microseconds(1)));
        if fail {
            op.status = OpStatus::Failed;
            op.error = Some(seed.failover.error.clone().unwrap_or(OperationErrorSeed {
                code: "FailoverFailed".to_owned(),
                message: format!("The manual failover of IoT hub '{}' failed.", seed.name),
                status: None,
            }));
        } else {
            op.status = OpStatus::Succeeded;
            self.completed.push(CompletedFailover {
                from: self.primary.clone(),
                to: self.secondary.clone(),
                at: end,
            });
            std::mem::swap(&mut self.primary, &mut self.secondary);
            self.location = self.primary.clone();
        }
        self.state = "Active".to_owned();
        if let Some(after) = &seed.failover.after {
            if let Some(d) = after.devices {
                self.devices = d.apply(self.devices);
            }
            for (name, health) in after.endpoints.iter() {
                self.endpoints.set(name, *health);
            }
            if !after.quotas.is_empty() {
                let mut quotas = self.effective_quotas();
                for (name, value) in after.quotas.iter() {
                    quotas.set(name, *value);
                }
                self.quotas = Some(quotas);
            }
            if let Some(state) = &after.state {
                self.state = state.clone();
            }
        }
        self.last_failover_done = Some(end);
        self.touch();
    }

    /// Quota metrics as reported: the seeded ones, or defaults following the device counts.
    pub fn effective_quotas(&self) -> OrderedMap<[u64; 2]> {
        match &self.quotas {
            Some(q) => q.clone(),
            None => OrderedMap::from([
                ("TotalMessages", [1200, 400_000]),
                ("TotalDeviceCount", [self.devices.total(), 500_000]),
            ]),
        }
    }

    /// The operation with this sequence number.
    pub fn operation(&self, seq: u64) -> Option<&Operation> {
        self.operations.iter().find(|op| op.seq == seq)
    }
}

/// The wall-clock time of the monotonic instant `at` (in the past or now): the emulator
/// schedules on `Instant`s and reports times in UTC.
fn wall_time_of(at: Instant) -> OffsetDateTime {
    OffsetDateTime::now_utc() - Instant::now().saturating_duration_since(at)
}

/// How long a client should wait before polling a running operation.
pub(crate) fn poll_interval(seed: &HubSeed) -> Duration {
    seed.failover.retry_after
}
