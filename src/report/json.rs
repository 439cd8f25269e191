//! `--format json`: the object the stable contract fixes (assets/CONTRACT.md), plus more
//! keys, in the shape `saved.rs` gives it (what `compare` reads back); a comparison is an
//! object of its own.

use color_eyre::eyre::WrapErr;
use serde::Serialize;

use super::compare::{Comparison, Key, Row};
use super::difference::Difference;
use super::facts::{self, Fastest};
use super::figures;
pub use super::saved::{JsonFailure, JsonLive, JsonPerChild, JsonReport, JsonResult, JsonSummary, JsonUsage};
use super::{size_groups, Exporter, RunOutput};
use crate::bench::crossing;
use crate::bench::env::Environment;
use crate::bench::result::MethodResult;
use crate::bench::schedule::Schedule;

impl JsonReport {
    pub fn of(output: &RunOutput) -> JsonReport {
        JsonReport {
            ipcscope: env!("CARGO_PKG_VERSION").to_string(),
            environment: output.environment.clone(),
            partial: output.partial,
            results: size_groups(&output.results)
                .flat_map(|group| {
                    let fastest = Fastest::of(group);
                    group
                        .iter()
                        .map(move |result| JsonResult::of(result, fastest, &output.environment))
                })
                .collect(),
            crossings: crossing::crossings(&output.results),
            schedule: output
                .results
                .first()
                .and_then(|result| result.conditions.get("schedule"))
                .and_then(|schedule| Schedule::parse(schedule).ok()),
            repeats_auto: output
                .results
                .iter()
                .any(|result| result.precision_target.is_some()),
            skipped: output.skipped.clone(),
        }
    }
}

impl JsonResult {
    fn of(result: &MethodResult, fastest: Option<Fastest<'_>>, environment: &Environment) -> JsonResult {
        JsonResult {
            method: result.method.clone(),
            payload: result.payload,
            codec: result.codec,
            conditions: result
                .conditions
                .iter()
                .map(|(id, value)| (id.clone(), serde_json::Value::String(value.clone())))
                .collect(),
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
            per_child_ns: result.summary().map(|summary| JsonPerChild {
                summary: summary.into(),
                median_ci95: result.median_ci95().map(|(low, high)| [low, high]),
            }),
            phases_ns: result
                .phases
                .iter()
                .filter_map(|&phase| Some((phase.name().to_string(), result.phase_summary(phase)?.into())))
                .collect(),
            usage_median: JsonUsage {
                usage: result.usage_median(),
                cpu_split_sampled: true,
            },
            throughput_bytes_per_sec: if result.throughput_applies() {
                result.throughput()
            } else {
                0
            },
            throughput_applies: result.throughput_applies(),
            p99_exact: result.p99_exact(),
            outliers: result.outliers(),
            noise_warning: figures::noise_warning(result, environment),
            ratio_to_fastest: facts::ratio_to_fastest(result, fastest),
            fork_floor_ns: result.fork_floor_ns,
            ratio_to_fork_floor: result.ratio_to_fork_floor(),
            setup_ns: result.setup_ns,
            setup_per_child_ns: result.setup_per_child_ns(),
            partial: result.partial,
            samples_ns: result.totals(),
            live: result.live.as_deref().map(JsonLive::from),
            samples_seq: result.samples.iter().map(|sample| sample.seq).collect(),
            child_on_parent_cpu: result.child_on_parent_cpu(),
            cpu_ns: result.cpu_ns_median(),
            precision_target: result.precision_target,
            precision_reached: result.precision_reached(),
            round_group: result.round_group,
        }
    }
}

pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn run(&self, output: &RunOutput) -> color_eyre::Result<String> {
        pretty(&JsonReport::of(output)).wrap_err("encoding the results as JSON")
    }

    fn comparison(&self, comparison: &Comparison) -> color_eyre::Result<String> {
        pretty(&JsonComparison::of(comparison)).wrap_err("encoding the comparison as JSON")
    }
}

/// Indented, with a final newline.
fn pretty(value: &impl Serialize) -> serde_json::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

#[derive(Serialize)]
struct JsonComparison<'a> {
    ipcscope: &'static str,
    /// The files compared, the baseline first.
    files: Vec<JsonFile<'a>>,
    /// Experiments in more than one file: each file's figures, or `null` where it lacks one.
    matched: Vec<JsonRow<'a>>,
    /// Experiments in one file only.
    unmatched: Vec<JsonUnmatched<'a>>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    file: &'a str,
    ipcscope: &'a str,
    environment: &'a Environment,
}

#[derive(Serialize)]
struct JsonRow<'a> {
    #[serde(flatten)]
    key: &'a Key,
    /// Whether any file differs from the baseline beyond noise.
    significant: bool,
    runs: Vec<Option<JsonRun>>,
}

#[derive(Serialize)]
struct JsonRun {
    median_ns: Option<u64>,
    /// This file's median over the baseline's.
    ratio_to_baseline: Option<f64>,
    failures: usize,
    repeats: u32,
    throughput_bytes_per_sec: u64,
    /// Whether this file's children differ from the baseline's beyond noise (Mann–Whitney U
    /// at 5%); `false` for the baseline itself.
    significant: bool,
}

#[derive(Serialize)]
struct JsonUnmatched<'a> {
    file: &'a str,
    #[serde(flatten)]
    key: &'a Key,
    median_ns: Option<u64>,
}

impl<'a> JsonComparison<'a> {
    fn of(comparison: &'a Comparison) -> JsonComparison<'a> {
        let run = |row: &Row, file: usize| {
            row.results[file].as_ref().map(|result| JsonRun {
                median_ns: row.median(file),
                ratio_to_baseline: row.ratio(file),
                failures: result.failures,
                repeats: result.repeats,
                throughput_bytes_per_sec: result.throughput_bytes_per_sec,
                significant: row.difference(file).is_some_and(Difference::is_significant),
            })
        };
        JsonComparison {
            ipcscope: env!("CARGO_PKG_VERSION"),
            files: comparison
                .files
                .iter()
                .map(|saved| JsonFile {
                    file: &saved.name,
                    ipcscope: &saved.report.ipcscope,
                    environment: &saved.report.environment,
                })
                .collect(),
            matched: comparison
                .matched()
                .map(|row| JsonRow {
                    key: &row.key,
                    significant: row.significant(),
                    runs: (0..comparison.files.len()).map(|file| run(row, file)).collect(),
                })
                .collect(),
            unmatched: comparison
                .unmatched()
                .filter_map(|row| {
                    let file = row.results.iter().position(Option::is_some)?;
                    Some(JsonUnmatched {
                        file: &comparison.files[file].name,
                        key: &row.key,
                        median_ns: row.median(file),
                    })
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::report::fixtures;

    fn parsed(text: color_eyre::Result<String>) -> Value {
        serde_json::from_str(&text.unwrap()).unwrap()
    }

    #[test]
    fn a_run_gives_the_contracts_keys_and_ratios_to_the_fastest() {
        let json = parsed(JsonExporter.run(&fixtures::run()));
        assert_eq!(json["ipcscope"], env!("CARGO_PKG_VERSION"));
        let results = json["results"].as_array().unwrap();
        // To three decimals: serde_json reads floats back to within a unit in the last place.
        let ratios: Vec<Option<f64>> = results
            .iter()
            .map(|result| {
                result["ratio_to_fastest"]
                    .as_f64()
                    .map(|r| (r * 1000.0).round() / 1000.0)
            })
            .collect();
        assert_eq!(ratios, [Some(1.818), Some(1.0), Some(1.004), None]);
        assert_eq!(
            results[0]["per_child_ns"],
            json!({ "min": 1000, "median": 2000, "mean": 2000, "stddev": 1000, "p99": 3000, "max": 3000, "median_ci95": null })
        );
        assert_eq!(results[0]["samples_ns"], json!([3000, 1000, 2000]));
        assert_eq!(
            (&results[0]["fork_floor_ns"], &results[0]["ratio_to_fork_floor"]),
            (&json!(500), &json!(4.0))
        );
        assert_eq!(results[3]["per_child_ns"], Value::Null);
        assert_eq!(json["crossings"], json!([]));
    }

    #[test]
    fn a_run_says_what_its_figures_are_and_are_not() {
        let json = parsed(JsonExporter.run(&fixtures::honest()));
        let results = json["results"].as_array().unwrap();
        let keys = |result: &Value| {
            json!({
                "median_ci95": result["per_child_ns"]["median_ci95"],
                "p99_exact": result["p99_exact"],
                "outliers": result["outliers"],
                "noise_warning": result["noise_warning"],
                "throughput": [result["throughput_bytes_per_sec"], result["throughput_applies"]],
                "setup_per_child_ns": result["setup_per_child_ns"],
                "cpu_split_sampled": result["usage_median"]["cpu_split_sampled"],
                "ratio_to_fastest": result["ratio_to_fastest"],
            })
        };
        let no_outliers = json!({ "low": 0, "high": 0, "far": 0 });
        assert_eq!(
            results.iter().map(keys).collect::<Vec<_>>(),
            [
                json!({
                    "median_ci95": [2050, 2140], "p99_exact": false,
                    "outliers": { "low": 0, "high": 2, "far": 2 },
                    "noise_warning": "2 of 20 children were outliers (Tukey fences). These figures may be off: rerun on a quieter machine or with more children.",
                    "throughput": [1_955_131_264u64, true], "setup_per_child_ns": null,
                    "cpu_split_sampled": true, "ratio_to_fastest": 1.0,
                }),
                json!({
                    "median_ci95": [3050, 3140], "p99_exact": false, "outliers": no_outliers,
                    "noise_warning": null, "throughput": [1_323_424_878u64, true],
                    "setup_per_child_ns": 20_000, "cpu_split_sampled": true,
                    "ratio_to_fastest": 3095.0 / 2095.0,
                }),
                json!({
                    "median_ci95": [505, 514], "p99_exact": false, "outliers": no_outliers,
                    "noise_warning": null, "throughput": [0, false], "setup_per_child_ns": null,
                    "cpu_split_sampled": true, "ratio_to_fastest": null,
                }),
                json!({
                    "median_ci95": [105, 114], "p99_exact": false, "outliers": no_outliers,
                    "noise_warning": null, "throughput": [37_577_981_651u64, true],
                    "setup_per_child_ns": null, "cpu_split_sampled": true, "ratio_to_fastest": null,
                }),
            ]
        );
    }

    #[test]
    fn a_comparison_gives_each_files_figures_and_the_unmatched() {
        let json = parsed(JsonExporter.comparison(&fixtures::comparison()));
        let files: Vec<&Value> = json["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|file| &file["file"])
            .collect();
        assert_eq!(files, ["a.json", "b.json"]);
        let run = |median: u64, ratio: f64, throughput: u64| {
            json!({
                "median_ns": median,
                "ratio_to_baseline": ratio,
                "failures": 0,
                "repeats": 1,
                "throughput_bytes_per_sec": throughput,
                "significant": false,
            })
        };
        assert_eq!(
            json["matched"],
            json!([
                {
                    "method": "pipe", "payload": "ints", "codec": "bincode", "payload_bytes": 4096, "access": "read",
                    "mode": "fresh", "parallel": "1", "message": "64 B", "wake": "futex", "placement": "same", "schedule": "interleaved", "py-verify": "light",
                    "significant": false,
                    "runs": [run(100_000, 1.0, 40_960_000), run(250_000, 2.5, 16_384_000)],
                },
                {
                    "method": "inherit", "payload": "ints", "codec": null, "payload_bytes": 4096, "access": "read",
                    "mode": "fresh", "parallel": "1", "message": "64 B", "wake": "futex", "placement": "same", "schedule": "interleaved", "py-verify": "light",
                    "significant": false,
                    "runs": [run(50_000, 1.0, 81_920_000), run(75_000, 1.5, 54_613_333)],
                },
            ])
        );
        assert_eq!(
            json["unmatched"],
            json!([
                { "file": "a.json", "method": "queue", "payload": "ints", "codec": "bincode",
                  "payload_bytes": 4096, "access": "read", "mode": "fresh", "parallel": "1", "message": "64 B", "wake": "futex", "placement": "same", "schedule": "interleaved", "py-verify": "light",
                  "median_ns": 300_000 },
                { "file": "b.json", "method": "pipe", "payload": "ints", "codec": "bincode",
                  "payload_bytes": 8192, "access": "read", "mode": "fresh", "parallel": "1", "message": "64 B", "wake": "futex", "placement": "same", "schedule": "interleaved", "py-verify": "light",
                  "median_ns": 400_000 },
            ])
        );
    }
}
