//! The reports, one file per format, each an `Exporter` that renders a run (or a sweep) and a
//! comparison of saved runs; `facts` decides what they all say about the results.

use crate::bench::crossing::Crossing;
use crate::bench::env::Environment;
use crate::bench::plan::Size;
use crate::bench::python::{Availability, Skipped};
use crate::bench::result::MethodResult;

pub mod compare;
pub mod csv;
pub mod difference;
pub mod facts;
pub mod figures;
pub mod handout;
pub mod json;
pub mod live;
pub mod markdown;
pub mod placement;
pub mod saved;
pub mod table;

use compare::Comparison;

/// An output format: what `--format` chooses, and what the explorer's export writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    Markdown,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Table, Format::Json, Format::Csv, Format::Markdown];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Markdown => "markdown",
        }
    }

    pub fn parse(text: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|format| format.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.into_iter().map(Format::name).collect();
                format!("unknown format '{text}'; allowed: {}", names.join(", "))
            })
    }

    /// The format's renderer.
    pub fn exporter(self) -> &'static dyn Exporter {
        match self {
            Format::Table => &table::TableExporter,
            Format::Json => &json::JsonExporter,
            Format::Csv => &csv::CsvExporter,
            Format::Markdown => &markdown::MarkdownExporter,
        }
    }
}

/// One output format. A new format is a file with one of these and a variant of `Format`.
pub trait Exporter {
    /// What a run, or a sweep, measured.
    fn run(&self, output: &RunOutput) -> color_eyre::Result<String>;
    /// Saved runs side by side, as `compare` matched them.
    fn comparison(&self, comparison: &Comparison) -> color_eyre::Result<String>;
}

/// `output` in `format`.
pub fn render(format: Format, output: &RunOutput) -> color_eyre::Result<String> {
    format.exporter().run(output)
}

/// `comparison` in `format`.
pub fn render_comparison(format: Format, comparison: &Comparison) -> color_eyre::Result<String> {
    format.exporter().comparison(comparison)
}

/// What a run measured, ready to be written out.
#[derive(Clone, Debug)]
pub struct RunOutput {
    pub environment: Environment,
    pub results: Vec<MethodResult>,
    /// The run was interrupted: not every child ran.
    pub partial: bool,
    /// Written while the run still goes (nothing interrupted): how far it had come.
    pub in_progress: Option<InProgress>,
    /// Methods asked for that could not run here and were left out (py-* without python3).
    pub skipped: Vec<Skipped>,
}

/// How far a run still going had come when its results were written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InProgress {
    /// Children finished, warm-up included, over every method.
    pub children_done: u64,
    pub children_total: u64,
}

impl RunOutput {
    /// Counted children that failed, over every method.
    pub fn failures(&self) -> usize {
        self.results.iter().map(|result| result.failures.len()).sum()
    }
}

/// The results in groups of one payload size, in the order run: one group for a run, one per
/// size for a sweep (whose results come size after size). Ratios to the fastest are taken
/// within a group: comparing a method at 1 MiB with another at 4 KiB would say nothing.
pub fn size_groups(results: &[MethodResult]) -> impl Iterator<Item = &[MethodResult]> {
    results.chunk_by(|a, b| a.payload_bytes == b.payload_bytes)
}

/// What a sweep's header says of its sizes: `Sizes 4 KiB to 64 KiB (3), each rounded down to
/// whole ints (8 bytes each).`; `None` for a single size.
pub fn sweep_sizes(results: &[MethodResult]) -> Option<String> {
    let sizes: Vec<u64> = size_groups(results).map(|group| group[0].payload_bytes).collect();
    let (first, last) = (sizes.first()?, sizes.last()?);
    if sizes.len() < 2 {
        return None;
    }
    let payload = results[0].payload;
    let rounding = match payload.element_bytes() {
        1 => String::new(),
        unit => format!(
            ", each rounded down to whole {} ({unit} bytes each)",
            payload.name()
        ),
    };
    Some(format!(
        "Sizes {} to {} ({}){rounding}.",
        Size(*first),
        Size(*last),
        sizes.len()
    ))
}

/// `above 64 KiB, shm beats pipe (at 256 KiB: shm 40.1 µs, pipe 55.3 µs; at 64 KiB: shm 15.2 µs, pipe 12.0 µs)`
pub fn crossing(crossing: &Crossing) -> String {
    let (faster, slower) = (&crossing.faster, &crossing.slower);
    format!(
        "above {}, {faster} beats {slower} (at {}: {faster} {}, {slower} {}; at {}: {faster} {}, {slower} {})",
        Size(crossing.below_bytes),
        Size(crossing.above_bytes),
        duration(crossing.faster_above_ns),
        duration(crossing.slower_above_ns),
        Size(crossing.below_bytes),
        duration(crossing.faster_below_ns),
        duration(crossing.slower_below_ns),
    )
}

/// The crossings beyond noise, the ones every face announces.
pub fn announced(found: &[Crossing]) -> impl Iterator<Item = &Crossing> {
    found.iter().filter(|crossing| crossing.significant)
}

/// What is said of the crossings left unannounced: `2 changes of places within noise (the
/// medians' 95% intervals overlap) are not shown`; `None` when every one was beyond noise.
pub fn within_noise(found: &[Crossing]) -> Option<String> {
    let (_, dropped) = crate::bench::crossing::count_significant(found);
    let what = match dropped {
        0 => return None,
        1 => "1 change of places within noise (the medians' 95% intervals overlap) is".to_string(),
        _ => format!("{dropped} changes of places within noise (the medians' 95% intervals overlap) are"),
    };
    Some(format!("{what} not shown"))
}

/// A duration in the unit that reads best: `412 ns`, `12.3 µs`, `4.56 ms`, `1.23 s`.
pub fn duration(nanos: u64) -> String {
    let value = nanos as f64;
    let (scaled, unit) = match nanos {
        0..=999 => return format!("{nanos} ns"),
        1_000..=999_999 => (value / 1e3, "µs"),
        1_000_000..=999_999_999 => (value / 1e6, "ms"),
        _ => (value / 1e9, "s"),
    };
    if scaled >= 100.0 {
        format!("{scaled:.0} {unit}")
    } else if scaled >= 10.0 {
        format!("{scaled:.1} {unit}")
    } else {
        format!("{scaled:.2} {unit}")
    }
}

/// A count with its thousands grouped: `1,954`.
pub fn count(count: u64) -> String {
    let digits = count.to_string();
    let mut grouped = String::new();
    for (at, digit) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// Bytes per second in decimal units: `812 MB/s`, `19.4 GB/s`.
pub fn rate(bytes_per_second: u64) -> String {
    let value = bytes_per_second as f64;
    let (scaled, unit) = match bytes_per_second {
        0..=999_999 => (value / 1e3, "KB/s"),
        1_000_000..=999_999_999 => (value / 1e6, "MB/s"),
        _ => (value / 1e9, "GB/s"),
    };
    format!("{scaled:.1} {unit}")
}

/// `29.3×`, `1.01×`.
pub fn ratio(ratio: f64) -> String {
    if ratio >= 10.0 {
        format!("{ratio:.1}×")
    } else {
        format!("{ratio:.2}×")
    }
}

/// A result's title line: `pipe · 8 MB ints · bincode`.
pub fn describe(result: &MethodResult) -> String {
    compare::Key::from(result).to_string()
}

/// `ipcscope methods`: every method's id and one-line explanation, ipcscope's own first, then
/// the Python family under a heading that says whether (and with which python3) it can run.
pub fn methods(python: &Availability) -> String {
    use crate::bench::method::{self, Family};
    let width = method::every().map(|method| method.id().len()).max().unwrap_or(0);
    let line = |method: &dyn method::Method| format!("{:<width$}  {}\n", method.id(), method.summary());
    let mut listing: String = method::ALL.iter().map(|method| line(*method)).collect();
    listing.push('\n');
    match python {
        Availability::Ready(interpreter) => {
            let (major, minor, micro) = interpreter.version;
            listing.push_str(&format!(
                "{} (python3 {major}.{minor}.{micro}, {}; the codec setting does not apply):\n",
                Family::Python.heading(),
                interpreter.path.display()
            ));
        }
        Availability::Unavailable(why) => {
            listing.push_str(&format!("{} (unavailable: {why}):\n", Family::Python.heading()));
        }
    }
    let unavailable = python.interpreter().is_none();
    for method in method::PYTHON {
        let text = line(*method);
        match unavailable {
            true => listing.push_str(&text.replacen("Python: ", "(unavailable) ", 1)),
            false => listing.push_str(&text),
        }
    }
    listing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(412), "412 ns");
        assert_eq!(duration(12_345), "12.3 µs");
        assert_eq!(duration(4_561_000), "4.56 ms");
        assert_eq!(duration(123_000_000), "123 ms");
        assert_eq!(duration(1_230_000_000), "1.23 s");
    }

    #[test]
    fn a_crossing_reads_as_a_sentence_with_its_numbers() {
        let found = Crossing {
            faster: "shm".into(),
            slower: "pipe".into(),
            below_bytes: 64 << 10,
            above_bytes: 256 << 10,
            faster_below_ns: 15_200,
            slower_below_ns: 12_000,
            faster_above_ns: 40_100,
            slower_above_ns: 55_300,
            significant: true,
        };
        assert_eq!(
            crossing(&found),
            "above 64 KiB, shm beats pipe (at 256 KiB: shm 40.1 µs, pipe 55.3 µs; at 64 KiB: shm 15.2 µs, pipe 12.0 µs)"
        );
    }

    #[test]
    fn a_sweep_is_grouped_by_size_in_every_format_with_its_crossings() {
        let output = fixtures::sweep();
        let sentence = "above 16 KiB, shm beats pipe";

        let rendered = |format| render(format, &output).unwrap();
        let table = rendered(Format::Table);
        for expected in [
            "At 4 KiB ints",
            "At 16 KiB ints",
            "At 64 KiB ints",
            "Crossings",
            sentence,
        ] {
            assert!(table.contains(expected), "{expected}: {table}");
        }
        // Ratios are within a size: at 64 KiB shm is the fastest, pipe 1.25× slower.
        let at_64 = table.split("At 64 KiB ints").nth(1).unwrap();
        assert!(at_64.contains("1.25× slower than shm"), "{table}");
        assert!(
            at_64.contains("1.6 GB/s") && at_64.contains("2.0 GB/s"),
            "{table}"
        );

        let markdown = rendered(Format::Markdown);
        assert!(markdown.contains("### 16 KiB ints") && markdown.contains(&format!("- {sentence}")));

        let json: serde_json::Value = serde_json::from_str(&rendered(Format::Json)).unwrap();
        assert_eq!(json["crossings"][0]["faster"], "shm");
        assert_eq!(json["crossings"][0]["below_bytes"], 16 << 10);
        assert_eq!(json["results"][4]["ratio_to_fastest"], 1.25);
        assert_eq!(json["results"].as_array().map(Vec::len), Some(6));

        let csv = rendered(Format::Csv);
        let column = csv
            .lines()
            .next()
            .and_then(|header| header.split(',').position(|name| name == "ratio_to_fastest"))
            .unwrap();
        let ratio_in_row = |row: usize| csv.lines().nth(row).unwrap().split(',').nth(column).unwrap();
        assert_eq!((ratio_in_row(1), ratio_in_row(2)), ("1.000", "3.000"), "{csv}");
    }

    #[test]
    fn formats_go_by_their_names() {
        for format in Format::ALL {
            assert_eq!(Format::parse(format.name()), Ok(format));
        }
        assert_eq!(Format::parse("Markdown"), Ok(Format::Markdown));
        assert!(Format::parse("xml")
            .unwrap_err()
            .contains("allowed: table, json, csv, markdown"));
    }

    #[test]
    fn rates_and_ratios_read_well() {
        assert_eq!(rate(19_400_000_000), "19.4 GB/s");
        assert_eq!(rate(812_000_000), "812.0 MB/s");
        assert_eq!(ratio(29.26), "29.3×");
        assert_eq!(ratio(1.012), "1.01×");
    }
}

/// Made-up results that every exporter's exact-string tests render.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::compare::{Comparison, Saved};
    use super::json::JsonReport;
    use super::RunOutput;
    use crate::bench::env::Environment;
    use crate::bench::result::MethodResult;

    fn output(results: Vec<MethodResult>, partial: bool) -> RunOutput {
        RunOutput {
            environment: Environment::default(),
            results,
            partial,
            in_progress: None,
            skipped: Vec::new(),
        }
    }

    /// pipe against its fork floor, inherit the fastest, argument within rounding of it (a
    /// tie), and a queue whose children all failed to verify.
    pub fn run() -> RunOutput {
        let mut pipe = MethodResult::made_up("pipe", 4096, &[3000, 1000, 2000]);
        pipe.fork_floor_ns = Some(500);
        let mut queue = MethodResult::made_up("queue", 4096, &[]);
        queue.repeats = 3;
        output(
            vec![
                pipe,
                MethodResult::made_up("inherit", 4096, &[1000, 1200, 1100]),
                MethodResult::made_up("argument", 4096, &[1104]),
                queue,
            ],
            false,
        )
    }

    /// pipe is cheap at small sizes and grows; shm costs more up front and stays flat, each
    /// with six children alike, so their intervals separate; the sweep was interrupted.
    pub fn sweep() -> RunOutput {
        let results = [(4, 10_000, 30_000), (16, 20_000, 31_000), (64, 40_000, 32_000)]
            .into_iter()
            .flat_map(|(kib, pipe, shm)| {
                [
                    MethodResult::made_up("pipe", kib << 10, &[pipe; 6]),
                    MethodResult::made_up("shm", kib << 10, &[shm; 6]),
                ]
            })
            .collect();
        output(results, true)
    }

    /// Twenty children each: a pipe with two stragglers, shm with one-time setup, and the two
    /// floors, faster than both.
    pub fn honest() -> RunOutput {
        let mut pipe_times: Vec<u64> = (0..18).map(|i| 2000 + i * 10).collect();
        pipe_times.extend([9000, 9500]);
        let mut pipe = MethodResult::made_up("pipe", 4096, &pipe_times);
        pipe.fork_floor_ns = Some(500);
        let shm_times: Vec<u64> = (0..20).map(|i| 3000 + i * 10).collect();
        let mut shm = MethodResult::made_up("shm", 4096, &shm_times);
        shm.setup_ns = 400_000;
        let floor = |method, base: u64| {
            let times: Vec<u64> = (0..20).map(|i| base + i).collect();
            MethodResult::made_up(method, 4096, &times)
        };
        output(vec![pipe, shm, floor("fork", 500), floor("memcpy", 100)], false)
    }

    /// Two saved runs: pipe and inherit in both, queue in the first only, pipe at another size
    /// in the second only.
    pub fn comparison() -> Comparison {
        let saved = |name: &str, results| Saved {
            name: name.into(),
            report: JsonReport::of(&output(results, false)),
        };
        Comparison::of(vec![
            saved(
                "a.json",
                vec![
                    MethodResult::made_up("pipe", 4096, &[100_000]),
                    MethodResult::made_up("inherit", 4096, &[50_000]),
                    MethodResult::made_up("queue", 4096, &[300_000]),
                ],
            ),
            saved(
                "b.json",
                vec![
                    MethodResult::made_up("inherit", 4096, &[75_000]),
                    MethodResult::made_up("pipe", 4096, &[250_000]),
                    MethodResult::made_up("pipe", 8192, &[400_000]),
                ],
            ),
        ])
    }
}
