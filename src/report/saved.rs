//! The JSON report's shape: what `run` and `sweep` write (`json.rs` fills it from a run) and
//! what `compare` and the explorer's baseline read back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::bench::crossing::Crossing;
use crate::bench::env::Environment;
use crate::bench::live::{LaneTotals, LiveRecord};
use crate::bench::plan::{Codec, PayloadKind};
use crate::bench::python::Skipped;
use crate::bench::result::Usage;
use crate::bench::schedule::Schedule;
use crate::bench::stats::{Outliers, Summary};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JsonReport {
    pub ipcscope: String,
    pub environment: Environment,
    #[serde(default)]
    pub partial: bool,
    pub results: Vec<JsonResult>,
    /// Where, in a sweep, one method overtakes another; empty for a single size.
    #[serde(default)]
    pub crossings: Vec<Crossing>,
    /// The order the children ran in: `interleaved` rounds or `blocks`; absent in older files.
    #[serde(default)]
    pub schedule: Option<Schedule>,
    /// Whether `--repeats auto` chose how many children ran (then each result's `repeats` is
    /// how many did, and `precision_reached` how precise its median became).
    #[serde(default)]
    pub repeats_auto: bool,
    /// Methods asked for that could not run here (py-* without a usable python3), and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JsonResult {
    pub method: String,
    pub payload: PayloadKind,
    /// `null` for methods that move no bytes.
    pub codec: Option<Codec>,
    /// The settings that name the experiment (`access`, …), each a key of its own; a file
    /// saved before a setting existed lacks it (see `setting::condition`).
    #[serde(flatten)]
    pub conditions: BTreeMap<String, serde_json::Value>,
    pub payload_bytes: u64,
    pub wire_bytes: Option<u64>,
    pub repeats: u32,
    pub warmup: u32,
    pub failures: usize,
    pub failure_reasons: Vec<JsonFailure>,
    /// `null` when no child verified.
    pub per_child_ns: Option<JsonPerChild>,
    /// For each phase the method has, its summary over the verified children.
    pub phases_ns: BTreeMap<String, JsonSummary>,
    /// The median of the kernel's accounting per child (`wait4`).
    pub usage_median: JsonUsage,
    /// 0 where throughput does not apply (`throughput_applies`).
    pub throughput_bytes_per_sec: u64,
    /// Whether the method moves a payload to its child, so bytes per second mean something
    /// (not the fork floor's).
    #[serde(default = "yes")]
    pub throughput_applies: bool,
    /// Whether `per_child_ns.p99` is a percentile of its own (n ≥ 100) rather than the maximum.
    #[serde(default)]
    pub p99_exact: bool,
    /// The children beyond Tukey's fences.
    #[serde(default)]
    pub outliers: Outliers,
    /// What made the figures noisy, in a sentence; `null` when all was quiet.
    #[serde(default)]
    pub noise_warning: Option<String>,
    /// The median time per child as a multiple of the fastest method's at the same size.
    pub ratio_to_fastest: Option<f64>,
    /// The `fork` baseline's median per child at this payload, measured in the same run.
    #[serde(default)]
    pub fork_floor_ns: Option<u64>,
    /// The median time per child as a multiple of the fork floor.
    #[serde(default)]
    pub ratio_to_fork_floor: Option<f64>,
    pub setup_ns: u64,
    /// `setup_ns` spread over the counted children; `null` without one-time work.
    #[serde(default)]
    pub setup_per_child_ns: Option<u64>,
    pub partial: bool,
    /// Every verified child's total, in the order the children ran; with living children
    /// (`--mode worker|roundtrip`) only the first `samples_kept` of `samples_total`.
    pub samples_ns: Vec<u64>,
    /// Beside `samples_ns`: each child's place among all counted children of the run, every
    /// method and the fork floor together, from 0 (the order the schedule ran them in).
    #[serde(default)]
    pub samples_seq: Vec<u64>,
    /// The share (0…1) of verified children that started on the CPU the parent forked them on.
    #[serde(default)]
    pub child_on_parent_cpu: Option<f64>,
    /// The median of each child's CPU time to the nanosecond (`/proc/PID/schedstat`).
    #[serde(default)]
    pub cpu_ns: Option<u64>,
    /// With `--repeats auto`: the relative half-width of the median's 95% interval aimed at.
    #[serde(default)]
    pub precision_target: Option<f64>,
    /// The relative half-width of the median's 95% interval reached (0.02 for ±2%).
    #[serde(default)]
    pub precision_reached: Option<f64>,
    /// In interleaved rounds, the group of methods set up side by side (as many as fit in
    /// memory) this one ran in, from 0; `null` in blocks.
    #[serde(default)]
    pub round_group: Option<u32>,
    /// What living children add (`--mode worker|roundtrip`, `--parallel`); absent otherwise.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub live: Option<JsonLive>,
}

/// The keys a result with living children adds (see `bench::live::LiveRecord`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonLive {
    /// Round trips only: percentiles of every round trip, from its HDR histogram.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ns: Option<JsonLatency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages_per_sec: Option<f64>,
    pub samples_kept: u64,
    pub samples_total: u64,
    /// How long making each living child took: the first, then each that replaced one.
    pub worker_spawn_ns: Vec<u64>,
    pub aggregate_bytes_per_sec: u64,
    /// Each child of the pool: `lane`, `verified`, `median_ns`, `bytes_per_sec`.
    pub lanes: Vec<LaneTotals>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonLatency {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JsonFailure {
    pub child: u32,
    pub reason: String,
    /// What kind of failure, in snake_case (`signal`, `timeout`, …); absent in older files.
    #[serde(default)]
    pub kind: String,
}

fn yes() -> bool {
    true
}

/// A result's per-child summary and the 95% interval of its median.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonPerChild {
    #[serde(flatten)]
    pub summary: JsonSummary,
    /// `[low, high]`, distribution-free; `null` below 6 verified children.
    #[serde(default)]
    pub median_ci95: Option<[u64; 2]>,
}

/// The median child's kernel accounting, and a reminder that its user/system split is
/// sampled by the clock tick, not measured.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonUsage {
    #[serde(flatten)]
    pub usage: Usage,
    #[serde(default)]
    pub cpu_split_sampled: bool,
}

/// A summary without its count (the count is `repeats - failures`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonSummary {
    pub min: u64,
    pub median: u64,
    pub mean: u64,
    pub stddev: u64,
    pub p99: u64,
    pub max: u64,
}

impl From<Summary> for JsonSummary {
    fn from(summary: Summary) -> Self {
        JsonSummary {
            min: summary.min,
            median: summary.median,
            mean: summary.mean,
            stddev: summary.stddev,
            p99: summary.p99,
            max: summary.max,
        }
    }
}

impl From<&LiveRecord> for JsonLive {
    fn from(live: &LiveRecord) -> JsonLive {
        JsonLive {
            latency_ns: live.latency.map(|latency| JsonLatency {
                p50: latency.p50,
                p90: latency.p90,
                p99: latency.p99,
                p999: latency.p999,
                max: latency.max,
            }),
            messages_per_sec: live.latency.map(|latency| latency.messages_per_sec),
            samples_kept: live.samples_kept,
            samples_total: live.samples_total,
            worker_spawn_ns: live.worker_spawn_ns.clone(),
            aggregate_bytes_per_sec: live.aggregate_bytes_per_sec,
            lanes: live.lanes.clone(),
        }
    }
}
