//! The JSON report's shape: what `run` and `sweep` write (`json.rs` fills it from a run) and
//! what `compare` and the explorer's baseline read back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::bench::crossing::Crossing;
use crate::bench::env::Environment;
use crate::bench::plan::{Codec, PayloadKind};
use crate::bench::python::Skipped;
use crate::bench::result::Usage;
use crate::bench::stats::Summary;

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
    pub per_child_ns: Option<JsonSummary>,
    /// For each phase the method has, its summary over the verified children.
    pub phases_ns: BTreeMap<String, JsonSummary>,
    /// The median of the kernel's accounting per child (`wait4`).
    pub usage_median: Usage,
    pub throughput_bytes_per_sec: u64,
    /// The median time per child as a multiple of the fastest method's at the same size.
    pub ratio_to_fastest: Option<f64>,
    /// The `fork` baseline's median per child at this payload, measured in the same run.
    #[serde(default)]
    pub fork_floor_ns: Option<u64>,
    /// The median time per child as a multiple of the fork floor.
    #[serde(default)]
    pub ratio_to_fork_floor: Option<f64>,
    pub setup_ns: u64,
    pub partial: bool,
    /// Every verified child's total, in the order the children ran.
    pub samples_ns: Vec<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JsonFailure {
    pub child: u32,
    pub reason: String,
    /// What kind of failure, in snake_case (`signal`, `timeout`, …); absent in older files.
    #[serde(default)]
    pub kind: String,
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
