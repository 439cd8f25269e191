//! `--format json`: the object CONTRACT.md fixes, plus more keys. `compare` reads it back.

use std::collections::BTreeMap;

use color_eyre::eyre::WrapErr;
use serde::{Deserialize, Serialize};

use super::{size_groups, RunOutput};
use crate::bench::crossing::{self, Crossing};
use crate::bench::env::Environment;
use crate::bench::plan::{Access, Codec, PayloadKind};
use crate::bench::result::{MethodResult, Usage};
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
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JsonResult {
    pub method: String,
    pub payload: PayloadKind,
    /// `null` for methods that move no bytes.
    pub codec: Option<Codec>,
    pub access: Access,
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

impl JsonReport {
    pub fn of(output: &RunOutput) -> JsonReport {
        JsonReport {
            ipcscope: env!("CARGO_PKG_VERSION").to_string(),
            environment: output.environment.clone(),
            partial: output.partial,
            results: size_groups(&output.results)
                .flat_map(|group| {
                    let fastest = crate::bench::result::fastest_median(group);
                    group.iter().map(move |result| JsonResult::of(result, fastest))
                })
                .collect(),
            crossings: crossing::crossings(&output.results),
        }
    }
}

impl JsonResult {
    fn of(result: &MethodResult, fastest: Option<u64>) -> JsonResult {
        JsonResult {
            method: result.method.clone(),
            payload: result.payload,
            codec: result.codec,
            access: result.access,
            payload_bytes: result.payload_bytes,
            wire_bytes: result.wire_bytes,
            repeats: result.repeats,
            warmup: result.warmup,
            failures: result.failures.len(),
            failure_reasons: result
                .failures
                .iter()
                .map(|failure| JsonFailure {
                    child: failure.child,
                    reason: failure.reason.to_string(),
                    kind: failure.reason.kind().to_string(),
                })
                .collect(),
            per_child_ns: result.summary().map(JsonSummary::from),
            phases_ns: result
                .phases
                .iter()
                .filter_map(|&phase| Some((phase.name().to_string(), result.phase_summary(phase)?.into())))
                .collect(),
            usage_median: result.usage_median(),
            throughput_bytes_per_sec: result.throughput(),
            ratio_to_fastest: crate::bench::result::ratio_to_fastest(result, fastest),
            fork_floor_ns: result.fork_floor_ns,
            ratio_to_fork_floor: result.ratio_to_fork_floor(),
            setup_ns: result.setup_ns,
            partial: result.partial,
            samples_ns: result.totals(),
        }
    }
}

pub fn render(output: &RunOutput) -> color_eyre::Result<String> {
    let mut text =
        serde_json::to_string_pretty(&JsonReport::of(output)).wrap_err("encoding the results as JSON")?;
    text.push('\n');
    Ok(text)
}
