//! The request log behind `GET /_emulator/requests` and `Emulator::requests`.
//!
//! Appends are spread over shards picked by a global sequence number, so concurrent requests
//! rarely meet on one lock; reads merge the shards back into arrival order. The log is bounded
//! (oldest entries dropped) so a long benchmark cannot grow it without limit.

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const SHARDS: usize = 16;
/// Per shard; 16 x 4096 = the latest 65,536 requests kept (about 15 MiB at most).
const SHARD_CAPACITY: usize = 4_096;

/// One request the emulator received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// Kept small: a benchmark fills the log at tens of thousands of entries a second.
#[derive(Debug)]
struct Entry {
    seq: u64,
    time: OffsetDateTime,
    method: axum::http::Method,
    /// Path and query in one allocation, split at `path_len`.
    target: Box<str>,
    path_len: u32,
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

    pub fn record(
        &self,
        seq: u64,
        time: OffsetDateTime,
        method: &axum::http::Method,
        path: &str,
        query: &str,
        status: u16,
    ) {
        let mut target = String::with_capacity(path.len() + query.len());
        target.push_str(path);
        target.push_str(query);
        let shard = &self.shards[(seq as usize) % SHARDS];
        let mut entries = shard.lock();
        if entries.len() >= SHARD_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(Entry {
            seq,
            time,
            method: method.clone(),
            target: target.into_boxed_str(),
            path_len: u32::try_from(path.len()).unwrap_or(u32::MAX),
            status,
        });
    }

    /// Everything kept, in arrival order.
    pub fn snapshot(&self) -> Vec<RecordedRequest> {
        let mut all: Vec<RecordedRequest> = Vec::new();
        for shard in &self.shards {
            let entries = shard.lock();
            all.extend(entries.iter().map(|e| {
                let (path, query) = e.target.split_at((e.path_len as usize).min(e.target.len()));
                RecordedRequest {
                    seq: e.seq,
                    time: e.time.format(&Rfc3339).unwrap_or_default(),
                    method: e.method.to_string(),
                    path: path.to_owned(),
                    query: query.to_owned(),
                    status: e.status,
                }
            }));
        }
        all.sort_by_key(|r| r.seq);
        all
    }
}
