//! `--format markdown`: a table to paste into notes, one row per method; for a sweep, one
//! table per size and the crossings; for a comparison, one row per experiment, a column per file.

use std::fmt::Write;

use super::compare::{Comparison, Row};
use super::facts::{self, Fastest};
use super::figures;
use super::{
    announced, crossing, duration, live, ratio, size_groups, sweep_sizes, within_noise, Exporter, RunOutput,
};
use crate::bench::crossing::crossings;
use crate::bench::env::Environment;
use crate::bench::plan::Size;
use crate::bench::result::MethodResult;

pub struct MarkdownExporter;

impl Exporter for MarkdownExporter {
    fn run(&self, output: &RunOutput) -> color_eyre::Result<String> {
        Ok(run(output))
    }

    fn comparison(&self, comparison: &Comparison) -> color_eyre::Result<String> {
        Ok(comparison_table(comparison))
    }
}

fn run(output: &RunOutput) -> String {
    let mut text = String::new();
    if let Some(sizes) = sweep_sizes(&output.results) {
        let _ = writeln!(text, "{sizes}\n");
        for group in size_groups(&output.results) {
            let _ = writeln!(
                text,
                "### {} {}\n",
                Size(group[0].payload_bytes),
                group[0].payload.name()
            );
            table(&mut text, group, &output.environment);
            text.push('\n');
        }
        text.push_str("### Crossings\n\n");
        let found = crossings(&output.results);
        let mut shown = 0;
        for found in announced(&found) {
            let _ = writeln!(text, "- {}", crossing(found));
            shown += 1;
        }
        match within_noise(&found) {
            Some(dropped) if shown == 0 => {
                let _ = writeln!(text, "None beyond noise: {dropped}.");
            }
            Some(dropped) => {
                let _ = writeln!(text, "\n{}.", capitalized(&dropped));
            }
            None if shown == 0 => text.push_str("None: no two methods change places between sizes.\n"),
            None => {}
        }
    } else {
        table(&mut text, &output.results, &output.environment);
    }
    live::markdown_latency(&mut text, &output.results);
    let _ = writeln!(
        text,
        "\n± is half the median's 95% interval (none below {} children); p99 needs {} children.",
        figures::INTERVAL_CHILDREN,
        figures::P99_CHILDREN
    );
    if let Some(progress) = output.in_progress {
        let _ = writeln!(
            text,
            "\n*In progress: {} of {} children so far; the methods still running are not in this table yet.*",
            progress.children_done, progress.children_total
        );
    } else if output.partial {
        text.push_str("\n*Partial: the run was interrupted before every child ran.*\n");
    }
    text
}

/// One row per result, with its ratio to the fastest of `results`; under the table what the
/// figures need saying: the one-time work, the noise warnings.
fn table(text: &mut String, results: &[MethodResult], environment: &Environment) {
    let fastest = Fastest::of(results);
    text.push_str(
        "| method | payload | codec | median per child | mean ± σ | p99 | throughput | failures | vs fastest | × fork floor |\n\
         |---|---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for result in results {
        let summary = result.summary();
        let dash = || "—".to_string();
        let _ = writeln!(
            text,
            "| {}{} | {} {} | {} | {} | {} | {} | {} | {} of {} | {} | {} |",
            result.method,
            if result.partial { " (partial)" } else { "" },
            Size(result.payload_bytes),
            result.payload.name(),
            result.codec.map_or("none", |codec| codec.name()),
            figures::median_with_interval(result).unwrap_or_else(dash),
            summary.map_or_else(dash, |s| format!("{} ± {}", duration(s.mean), duration(s.stddev))),
            figures::p99(result).unwrap_or_else(dash),
            figures::throughput(result).unwrap_or_else(dash),
            result.failures.len(),
            // An interrupted method's failures are of the children that ran, not of all it
            // was to run.
            if result.partial {
                format!("{} run", result.samples.len() + result.failures.len())
            } else {
                result.repeats.to_string()
            },
            facts::versus_fastest_cell(result, fastest),
            result.ratio_to_fork_floor().map_or_else(dash, ratio),
        );
    }
    let notes: Vec<String> = results
        .iter()
        .filter_map(figures::setup_note)
        .map(|setup| format!("- Setup, once: {setup}"))
        .chain(
            figures::warnings(results, environment)
                .into_iter()
                .map(|warning| format!("- **Warning**: {warning}")),
        )
        .collect();
    if !notes.is_empty() {
        let _ = write!(text, "\n{}\n", notes.join("\n"));
    }
}

/// `text` with its first letter in capitals.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or(String::new(), |first| first.to_uppercase().chain(chars).collect())
}

fn comparison_table(comparison: &Comparison) -> String {
    let mut text = String::from("| experiment |");
    for saved in &comparison.files {
        let _ = write!(text, " {} |", saved.name);
    }
    text.push_str("\n|---|");
    text.push_str(&"---:|".repeat(comparison.files.len()));
    text.push('\n');
    for row in comparison.matched() {
        let _ = write!(text, "| {} |", row.key);
        for file in 0..comparison.files.len() {
            let _ = write!(text, " {} |", facts::versus_baseline(row, file));
        }
        text.push('\n');
    }
    let _ = writeln!(
        text,
        "\nMedian time per child; the ratio is to {}, the baseline, marked (noise) or (too few) where the children do not differ beyond noise (Mann–Whitney U at 5%).",
        comparison
            .files
            .first()
            .map_or("the first file", |saved| saved.name.as_str())
    );
    let unmatched: Vec<&Row> = comparison.unmatched().collect();
    if !unmatched.is_empty() {
        text.push_str("\nUnmatched (in one file only):\n\n");
        for row in unmatched {
            let _ = writeln!(text, "- {}", facts::only_in(comparison, row));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn a_run_is_one_row_per_method() {
        assert_eq!(
            MarkdownExporter.run(&fixtures::run()).unwrap(),
            r#"| method | payload | codec | median per child | mean ± σ | p99 | throughput | failures | vs fastest | × fork floor |
|---|---|---|---:|---:|---:|---:|---:|---:|---:|
| pipe | 4 KiB ints | bincode | 2.00 µs | 2.00 µs ± 1.00 µs | — | 2.0 GB/s | 0 of 3 | 1.82× | 4.00× |
| inherit | 4 KiB ints | none | 1.10 µs | 1.10 µs ± 100 ns | — | 3.7 GB/s | 0 of 3 | fastest | — |
| argument | 4 KiB ints | bincode | 1.10 µs | 1.10 µs ± 0 ns | — | 3.7 GB/s | 0 of 1 | fastest | — |
| queue | 4 KiB ints | bincode | — | — | — | — | 0 of 3 | — | — |

- **Warning**: pipe at 4 KiB: the middle half of the children spread over 50% of their median. These figures may be off: rerun on a quieter machine or with more children.

± is half the median's 95% interval (none below 6 children); p99 needs 100 children.
"#
        );
    }

    #[test]
    fn a_sweep_is_one_table_per_size_then_the_crossings() {
        assert_eq!(
            MarkdownExporter.run(&fixtures::sweep()).unwrap(),
            r#"Sizes 4 KiB to 64 KiB (3), each rounded down to whole ints (8 bytes each).

### 4 KiB ints

| method | payload | codec | median per child | mean ± σ | p99 | throughput | failures | vs fastest | × fork floor |
|---|---|---|---:|---:|---:|---:|---:|---:|---:|
| pipe | 4 KiB ints | bincode | 10.0 µs ± 0.0% | 10.0 µs ± 0 ns | — | 409.6 MB/s | 0 of 6 | fastest | — |
| shm | 4 KiB ints | bincode | 30.0 µs ± 0.0% | 30.0 µs ± 0 ns | — | 136.5 MB/s | 0 of 6 | 3.00× | — |

### 16 KiB ints

| method | payload | codec | median per child | mean ± σ | p99 | throughput | failures | vs fastest | × fork floor |
|---|---|---|---:|---:|---:|---:|---:|---:|---:|
| pipe | 16 KiB ints | bincode | 20.0 µs ± 0.0% | 20.0 µs ± 0 ns | — | 819.2 MB/s | 0 of 6 | fastest | — |
| shm | 16 KiB ints | bincode | 31.0 µs ± 0.0% | 31.0 µs ± 0 ns | — | 528.5 MB/s | 0 of 6 | 1.55× | — |

### 64 KiB ints

| method | payload | codec | median per child | mean ± σ | p99 | throughput | failures | vs fastest | × fork floor |
|---|---|---|---:|---:|---:|---:|---:|---:|---:|
| pipe | 64 KiB ints | bincode | 40.0 µs ± 0.0% | 40.0 µs ± 0 ns | — | 1.6 GB/s | 0 of 6 | 1.25× | — |
| shm | 64 KiB ints | bincode | 32.0 µs ± 0.0% | 32.0 µs ± 0 ns | — | 2.0 GB/s | 0 of 6 | fastest | — |

### Crossings

- above 16 KiB, shm beats pipe (at 64 KiB: shm 32.0 µs, pipe 40.0 µs; at 16 KiB: shm 31.0 µs, pipe 20.0 µs)

± is half the median's 95% interval (none below 6 children); p99 needs 100 children.

*Partial: the run was interrupted before every child ran.*
"#
        );
    }

    #[test]
    fn a_partial_row_says_so_and_counts_the_children_that_ran() {
        use crate::bench::result::{Failure, Reason};
        let mut pipe =
            MethodResult::made_up("pipe", 4096, &[2_000, 2_100, 2_200, 2_300, 2_400, 2_500, 2_600]);
        pipe.repeats = 20;
        pipe.partial = true;
        pipe.failures = (7..10)
            .map(|child| Failure {
                child,
                reason: Reason::Panicked,
            })
            .collect();
        let mut output = fixtures::run();
        output.results = vec![pipe];
        output.partial = true;
        let text = MarkdownExporter.run(&output).unwrap();
        assert!(text.contains("| pipe (partial) |"), "{text}");
        assert!(text.contains("| 3 of 10 run |"), "{text}");
        assert!(text.contains("interrupted"), "{text}");

        // Written while the run goes on, nothing was interrupted.
        output.partial = false;
        output.in_progress = Some(crate::report::InProgress {
            children_done: 10,
            children_total: 40,
        });
        let text = MarkdownExporter.run(&output).unwrap();
        assert!(!text.contains("interrupted"), "{text}");
        assert!(text.contains("*In progress: 10 of 40 children so far"), "{text}");
    }

    #[test]
    fn a_comparison_is_one_row_per_experiment_and_a_column_per_file() {
        assert_eq!(
            MarkdownExporter.comparison(&fixtures::comparison()).unwrap(),
            r#"| experiment | a.json | b.json |
|---|---:|---:|
| pipe · 4 KiB ints · bincode | 100 µs | 250 µs · 2.50× (too few) |
| inherit · 4 KiB ints · no codec | 50.0 µs | 75.0 µs · 1.50× (too few) |

Median time per child; the ratio is to a.json, the baseline, marked (noise) or (too few) where the children do not differ beyond noise (Mann–Whitney U at 5%).

Unmatched (in one file only):

- queue · 4 KiB ints · bincode: only in a.json (300 µs)
- pipe · 8 KiB ints · bincode: only in b.json (400 µs)
"#
        );
    }
}
