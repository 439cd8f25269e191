//! What the reports add for results with living children (`--mode worker|roundtrip`,
//! `--parallel`): CSV cells, a Markdown table of round-trip latency, and table lines. Every
//! exporter calls one function of this file, so a fresh run's reports stay as they were.

use std::fmt::Write;

use super::{duration, rate};
use crate::bench::live::LiveRecord;
use crate::bench::result::MethodResult;

/// The CSV columns after the others; empty cells for a fresh result.
pub const CSV_COLUMNS: [&str; 7] = [
    "latency_p50_ns",
    "latency_p90_ns",
    "latency_p99_ns",
    "latency_p999_ns",
    "latency_max_ns",
    "messages_per_sec",
    "aggregate_bytes_per_sec",
];

pub fn csv_cells(result: &MethodResult) -> [String; CSV_COLUMNS.len()] {
    let live = result.live.as_deref();
    let latency = live.and_then(|live| live.latency);
    let pick = |value: fn(&crate::bench::live::Latency) -> u64| {
        latency.map_or(String::new(), |l| value(&l).to_string())
    };
    [
        pick(|l| l.p50),
        pick(|l| l.p90),
        pick(|l| l.p99),
        pick(|l| l.p999),
        pick(|l| l.max),
        latency.map_or(String::new(), |l| format!("{:.0}", l.messages_per_sec)),
        live.map_or(String::new(), |live| live.aggregate_bytes_per_sec.to_string()),
    ]
}

/// A table of the round trips' latency under the results' table, if any result has one.
pub fn markdown_latency(text: &mut String, results: &[MethodResult]) {
    let with: Vec<(&MethodResult, &LiveRecord)> = results
        .iter()
        .filter_map(|result| {
            Some((
                result,
                result.live.as_deref().filter(|live| live.latency.is_some())?,
            ))
        })
        .collect();
    if with.is_empty() {
        return;
    }
    text.push_str(
        "\n| method | message | p50 | p90 | p99 | p99.9 | max | messages/s | round trips |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (result, live) in with {
        let Some(latency) = live.latency else { continue };
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {} | {} | {} | {:.0} | {} |",
            result.method,
            crate::bench::plan::Size(result.payload_bytes),
            duration(latency.p50),
            duration(latency.p90),
            duration(latency.p99),
            duration(latency.p999),
            duration(latency.max),
            latency.messages_per_sec,
            live.samples_total,
        );
    }
}

/// The lines a method block adds in the table report.
pub fn table_lines(text: &mut String, result: &MethodResult) {
    let Some(live) = result.live.as_deref() else {
        return;
    };
    if let Some(latency) = live.latency {
        let _ = writeln!(
            text,
            "  Round trip (all {}):  p50 {} · p90 {} · p99 {} · p99.9 {} · max {} · {:.0} messages/s",
            live.samples_total,
            duration(latency.p50),
            duration(latency.p90),
            duration(latency.p99),
            duration(latency.p999),
            duration(latency.max),
            latency.messages_per_sec,
        );
    }
    let spawns: Vec<String> = live.worker_spawn_ns.iter().map(|&ns| duration(ns)).collect();
    let _ = writeln!(
        text,
        "  Living children:           {} at once ({}), made in {}; {} kept of {} samples",
        live.parallel,
        live.mode.name(),
        spawns.join(", "),
        live.samples_kept,
        live.samples_total,
    );
    if live.parallel > 1 {
        let lanes: Vec<String> = live
            .lanes
            .iter()
            .map(|lane| {
                format!(
                    "#{} {} ({})",
                    lane.lane,
                    duration(lane.median_ns),
                    rate(lane.bytes_per_sec)
                )
            })
            .collect();
        let _ = writeln!(
            text,
            "  Pool: {} in all · per child (median) {}",
            rate(live.aggregate_bytes_per_sec),
            lanes.join(" · ")
        );
    }
}
