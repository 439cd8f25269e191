//! `--format markdown`: a table to paste into notes, one row per method; for a sweep, one
//! table per size and the crossings.

use std::fmt::Write;

use super::{crossing, duration, is_sweep, rate, ratio, size_groups, RunOutput};
use crate::bench::crossing::crossings;
use crate::bench::plan::Size;
use crate::bench::result::{fastest_median, ratio_to_fastest, MethodResult};

pub fn render(output: &RunOutput) -> String {
    let mut text = String::new();
    if is_sweep(&output.results) {
        for group in size_groups(&output.results) {
            let _ = writeln!(
                text,
                "### {} {}\n",
                Size(group[0].payload_bytes),
                group[0].payload.name()
            );
            table(&mut text, group);
            text.push('\n');
        }
        text.push_str("### Crossings\n\n");
        let found = crossings(&output.results);
        if found.is_empty() {
            text.push_str("None: no two methods change places between sizes.\n");
        }
        for found in &found {
            let _ = writeln!(text, "- {}", crossing(found));
        }
    } else {
        table(&mut text, &output.results);
    }
    if output.partial {
        text.push_str("\n*Partial: the run was interrupted before every child ran.*\n");
    }
    text
}

/// One row per result, with its ratio to the fastest of `results`.
fn table(text: &mut String, results: &[MethodResult]) {
    let fastest = fastest_median(results);
    text.push_str(
        "| method | payload | codec | median per child | mean ± σ | p99 | throughput | failures | vs fastest | × fork floor |\n\
         |---|---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for result in results {
        let summary = result.summary();
        let cell = |pick: fn(&crate::bench::stats::Summary) -> String| {
            summary.as_ref().map_or("—".to_string(), pick)
        };
        let vs = match ratio_to_fastest(result, fastest) {
            Some(r) if (r - 1.0).abs() < 0.005 => "fastest".to_string(),
            Some(r) => ratio(r),
            None => "—".to_string(),
        };
        let _ = writeln!(
            text,
            "| {} | {} {} | {} | {} | {} | {} | {} | {} of {} | {} | {} |",
            result.method,
            Size(result.payload_bytes),
            result.payload.name(),
            result.codec.map_or("none", |codec| codec.name()),
            cell(|s| duration(s.median)),
            cell(|s| format!("{} ± {}", duration(s.mean), duration(s.stddev))),
            cell(|s| duration(s.p99)),
            if summary.is_some() {
                rate(result.throughput())
            } else {
                "—".into()
            },
            result.failures.len(),
            result.repeats,
            vs,
            result.ratio_to_fork_floor().map_or("—".to_string(), ratio),
        );
    }
}
