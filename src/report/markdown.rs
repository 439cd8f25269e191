//! `--format markdown`: a table to paste into notes, one row per method.

use std::fmt::Write;

use super::{duration, rate, ratio, RunOutput};
use crate::bench::plan::Size;
use crate::bench::result::{fastest_median, ratio_to_fastest};

pub fn render(output: &RunOutput) -> String {
    let fastest = fastest_median(&output.results);
    let mut text = String::from(
        "| method | payload | codec | median per child | mean ± σ | p99 | throughput | failures | vs fastest |\n\
         |---|---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for result in &output.results {
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
            "| {} | {} {} | {} | {} | {} | {} | {} | {} of {} | {} |",
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
        );
    }
    if output.partial {
        text.push_str("\n*Partial: the run was interrupted before every child ran.*\n");
    }
    text
}
