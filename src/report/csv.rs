//! `--format csv`: a header line, then one line per method (and size, for a sweep); for a
//! comparison, one line per experiment and file that has it.

use color_eyre::eyre::WrapErr;

use super::compare::Comparison;
use super::difference::Difference;
use super::facts::{ratio_to_fastest, Fastest};
use super::{live, size_groups, Exporter, RunOutput};
use crate::bench::setting;

pub struct CsvExporter;

impl Exporter for CsvExporter {
    fn run(&self, output: &RunOutput) -> color_eyre::Result<String> {
        run(output)
    }

    fn comparison(&self, comparison: &Comparison) -> color_eyre::Result<String> {
        comparison_rows(comparison)
    }
}

/// The contract's columns, in its order.
const CONTRACT_COLUMNS: [&str; 13] = [
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
];

/// The columns after the identifying settings' own.
const MORE_COLUMNS: [&str; 8] = [
    "warmup",
    "wire_bytes",
    "ratio_to_fastest",
    "partial",
    "ratio_to_fork_floor",
    "median_ci95_low_ns",
    "median_ci95_high_ns",
    "outliers",
];

/// The header: the contract's columns, one column per setting that names the experiment
/// (`access`, …), then the rest.
fn header() -> Vec<&'static str> {
    CONTRACT_COLUMNS
        .into_iter()
        .chain(setting::identifying().map(|setting| setting.id()))
        .chain(MORE_COLUMNS)
        .collect()
}

fn run(output: &RunOutput) -> color_eyre::Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // The living children's columns only where a result has living children: a fresh run's
    // CSV stays as it was.
    let living = output.results.iter().any(|result| result.live.is_some());
    let extra: &[&str] = if living { &live::CSV_COLUMNS } else { &[] };
    writer
        .write_record(header().into_iter().chain(extra.iter().copied()))
        .wrap_err("writing the CSV header")?;
    let with_fastest = size_groups(&output.results).flat_map(|group| {
        let fastest = Fastest::of(group);
        group.iter().map(move |result| (result, fastest))
    });
    for (result, fastest) in with_fastest {
        let summary = result.summary();
        let interval = result.median_ci95();
        let stat = |pick: fn(&crate::bench::stats::Summary) -> u64| {
            summary.as_ref().map_or(String::new(), |s| pick(s).to_string())
        };
        let conditions = setting::identifying()
            .map(|setting| setting::condition(&result.conditions, setting).into_owned());
        let before = [
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
            if result.throughput_applies() {
                result.throughput()
            } else {
                0
            }
            .to_string(),
        ];
        let after = [
            result.warmup.to_string(),
            result.wire_bytes.map_or(String::new(), |bytes| bytes.to_string()),
            ratio_to_fastest(result, fastest).map_or(String::new(), |ratio| format!("{ratio:.3}")),
            result.partial.to_string(),
            result
                .ratio_to_fork_floor()
                .map_or(String::new(), |ratio| format!("{ratio:.3}")),
            interval.map_or(String::new(), |(low, _)| low.to_string()),
            interval.map_or(String::new(), |(_, high)| high.to_string()),
            result.outliers().count().to_string(),
        ];
        let living_cells = live::csv_cells(result);
        let record: Vec<String> = before
            .into_iter()
            .chain(conditions)
            .chain(after)
            .chain(living_cells.into_iter().take(extra.len()))
            .collect();
        writer.write_record(record).wrap_err("writing a CSV row")?;
    }
    finish(writer)
}

fn finish(writer: csv::Writer<Vec<u8>>) -> color_eyre::Result<String> {
    let bytes = writer.into_inner().wrap_err("finishing the CSV")?;
    String::from_utf8(bytes).wrap_err("the CSV is not UTF-8")
}

/// One line per experiment and file that has it.
fn comparison_rows(comparison: &Comparison) -> color_eyre::Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "method",
            "payload",
            "codec",
            "payload_bytes",
            "file",
            "median_ns",
            "ratio_to_baseline",
            "failures",
            "repeats",
            "throughput_bytes_per_sec",
            "matched",
            "significant",
        ])
        .wrap_err("writing the CSV header")?;
    for row in &comparison.rows {
        for (file, result) in row.results.iter().enumerate() {
            let Some(result) = result else {
                continue;
            };
            writer
                .write_record([
                    row.key.method.clone(),
                    row.key.payload.name().to_string(),
                    row.key
                        .codec
                        .map_or(String::new(), |codec| codec.name().to_string()),
                    row.key.payload_bytes.to_string(),
                    comparison.files[file].name.clone(),
                    row.median(file)
                        .map_or(String::new(), |median| median.to_string()),
                    row.ratio(file).map_or(String::new(), |r| format!("{r:.3}")),
                    result.failures.to_string(),
                    result.repeats.to_string(),
                    result.throughput_bytes_per_sec.to_string(),
                    row.is_matched().to_string(),
                    row.difference(file)
                        .is_some_and(Difference::is_significant)
                        .to_string(),
                ])
                .wrap_err("writing a CSV row")?;
        }
    }
    finish(writer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn a_run_is_a_header_and_one_line_per_method() {
        assert_eq!(
            CsvExporter.run(&fixtures::run()).unwrap(),
            r#"method,payload,codec,payload_bytes,repeats,failures,min_ns,median_ns,mean_ns,stddev_ns,p99_ns,max_ns,throughput_bytes_per_sec,access,mode,parallel,message,wake,placement,schedule,py-verify,warmup,wire_bytes,ratio_to_fastest,partial,ratio_to_fork_floor,median_ci95_low_ns,median_ci95_high_ns,outliers
pipe,ints,bincode,4096,3,0,1000,2000,2000,1000,3000,3000,2048000000,read,fresh,1,64 B,futex,same,interleaved,light,0,,1.818,false,4.000,,,0
inherit,ints,,4096,3,0,1000,1100,1100,100,1200,1200,3723636363,read,fresh,1,64 B,futex,same,interleaved,light,0,,1.000,false,,,,0
argument,ints,bincode,4096,1,0,1104,1104,1104,0,1104,1104,3710144927,read,fresh,1,64 B,futex,same,interleaved,light,0,,1.004,false,,,,0
queue,ints,bincode,4096,3,0,,,,,,,0,read,fresh,1,64 B,futex,same,interleaved,light,0,,,false,,,,0
"#
        );
    }

    #[test]
    fn a_comparison_is_one_line_per_experiment_and_file() {
        assert_eq!(
            CsvExporter.comparison(&fixtures::comparison()).unwrap(),
            r#"method,payload,codec,payload_bytes,file,median_ns,ratio_to_baseline,failures,repeats,throughput_bytes_per_sec,matched,significant
pipe,ints,bincode,4096,a.json,100000,1.000,0,1,40960000,true,false
pipe,ints,bincode,4096,b.json,250000,2.500,0,1,16384000,true,false
inherit,ints,,4096,a.json,50000,1.000,0,1,81920000,true,false
inherit,ints,,4096,b.json,75000,1.500,0,1,54613333,true,false
queue,ints,bincode,4096,a.json,300000,1.000,0,1,13653333,false,false
pipe,ints,bincode,8192,b.json,400000,,0,1,20480000,false,false
"#
        );
    }
}
