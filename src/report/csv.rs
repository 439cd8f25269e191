//! `--format csv`: a header line, then one line per method (and size, for a sweep).

use color_eyre::eyre::WrapErr;

use super::{size_groups, RunOutput};
use crate::bench::result::{fastest_median, ratio_to_fastest};

const HEADER: [&str; 19] = [
    "method",
    "payload",
    "codec",
    "payload_bytes",
    "repeats",
    "failures",
    "min_ns",
    "median_ns",
    "mean_ns",
    "stddev_ns",
    "p99_ns",
    "max_ns",
    "throughput_bytes_per_sec",
    "access",
    "warmup",
    "wire_bytes",
    "ratio_to_fastest",
    "partial",
    "ratio_to_fork_floor",
];

pub fn render(output: &RunOutput) -> color_eyre::Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER).wrap_err("writing the CSV header")?;
    let with_fastest = size_groups(&output.results).flat_map(|group| {
        let fastest = fastest_median(group);
        group.iter().map(move |result| (result, fastest))
    });
    for (result, fastest) in with_fastest {
        let summary = result.summary();
        let stat = |pick: fn(&crate::bench::stats::Summary) -> u64| {
            summary.as_ref().map_or(String::new(), |s| pick(s).to_string())
        };
        writer
            .write_record([
                result.method.clone(),
                result.payload.name().to_string(),
                result
                    .codec
                    .map_or(String::new(), |codec| codec.name().to_string()),
                result.payload_bytes.to_string(),
                result.repeats.to_string(),
                result.failures.len().to_string(),
                stat(|s| s.min),
                stat(|s| s.median),
                stat(|s| s.mean),
                stat(|s| s.stddev),
                stat(|s| s.p99),
                stat(|s| s.max),
                result.throughput().to_string(),
                result.access.name().to_string(),
                result.warmup.to_string(),
                result.wire_bytes.map_or(String::new(), |bytes| bytes.to_string()),
                ratio_to_fastest(result, fastest).map_or(String::new(), |ratio| format!("{ratio:.3}")),
                result.partial.to_string(),
                result
                    .ratio_to_fork_floor()
                    .map_or(String::new(), |ratio| format!("{ratio:.3}")),
            ])
            .wrap_err("writing a CSV row")?;
    }
    let bytes = writer.into_inner().wrap_err("finishing the CSV")?;
    String::from_utf8(bytes).wrap_err("the CSV is not UTF-8")
}
