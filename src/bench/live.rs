//! What a method run with living children (`--mode worker|roundtrip`, `--parallel`) adds to
//! its result. Apart from `mode`, so that results may carry it without importing the modes.

use serde::{Deserialize, Serialize};

use super::kind::Mode;

/// What a method run with living children adds to its result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveRecord {
    pub mode: Mode,
    pub parallel: u32,
    /// The round trips' latency over every one of them (`roundtrip` only).
    pub latency: Option<Latency>,
    /// How long making each living child took, in the order they were made: the first, then
    /// any that replaced one that failed.
    pub worker_spawn_ns: Vec<u64>,
    /// Each child of the pool, in lane order.
    pub lanes: Vec<LaneTotals>,
    /// Verified bytes across the pool per second of the pool's wall time (each way counted
    /// once: a round trip moves its message there and back, counted as one message).
    pub aggregate_bytes_per_sec: u64,
    /// Verified handovers or round trips in all.
    pub samples_total: u64,
    /// How many of them are kept one by one in the result's samples (the first ones).
    pub samples_kept: u64,
}

/// Round-trip percentiles from the HDR histogram of every round trip (3 significant digits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    pub messages_per_sec: f64,
}

/// One child of the pool: what it verified, and how fast.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LaneTotals {
    pub lane: u32,
    pub verified: u64,
    pub median_ns: u64,
    pub bytes_per_sec: u64,
}
