//! The request log behind `GET /_emulator/requests` and `Emulator::requests`.
//!
//! Appends are spread over shards picked by a global sequence number, so concurrent requests
//! rarely meet on one lock; reads merge the shards back into arrival order. The log is bounded
//! (oldest entries dropped) so a long benchmark cannot grow it without limit.

use parking_lot::Mutex;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const SHARDS: usize = 16;
/// Per shard; 16 x 16384 = 262,144 requests kept.
const SHARD_CAPACITY: usize = 16_384;

/// One request the emulator received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedRequest {
    /// Arrival order, from 1.
    pub seq: u64,
    /// Arrival time, RFC 3339 UTC.
    pub time: String,
    pub method: String,
    pub path: String,
    /// The raw query string, without `?` (empty if none).
    pub query: String,
    /// The status answered; 0 when the connection was dropped without an answer.
    pub status: u16,
}

#[derive(Debug)]
struct Entry {
    seq: u64,
    time: OffsetDateTime,
    method: String,
    path: String,
    query: String,
    status: u16,
}

#[derive(Debug)]
pub(crate) struct RequestLog {
    next: AtomicU64,
    shards: Vec<Mutex<VecDeque<Entry>>>,
}

impl RequestLog {
    pub fn new() -> RequestLog {
        RequestLog {
            next: AtomicU64::new(1),
            shards: (0..SHARDS).map(|_| Mutex::new(VecDeque::new())).collect(),
        }
    }

    /// Takes the next arrival number (the request id).
    pub fn next_seq(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &self,
        seq: u64,
        time: OffsetDateTime,
        method: &str,
        path: &str,
        query: &str,
        status: u16,
    ) {
        let shard = &self.shards[(seq as usize) % SHARDS];
        let mut entries = shard.lock();
        if entries.len() >= SHARD_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(Entry {
            seq,
            time,
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            status,
        });
    }

    /// Everything kept, in arrival order.
    pub fn snapshot(&self) -> Vec<RecordedRequest> {
        let mut all: Vec<RecordedRequest> = Vec::new();
        for shard in &self.shards {
            let entries = shard.lock();
            all.extend(entries.iter().map(|e| RecordedRequest {
                seq: e.seq,
                time: e.time.format(&Rfc3339).unwrap_or_default(),
                method: e.method.clone(),
                path: e.path.clone(),
                query: e.query.clone(),
                status: e.status,
            }));
        }
        all.sort_by_key(|r| r.seq);
        all
    }
}
