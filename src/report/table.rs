//! `--format table`: for a person at a terminal, in the manner of hyperfine.

use std::fmt::Write;

use super::compare::{Comparison, Row};
use super::facts::{self, Fastest, Lesson};
use super::figures;
use super::{
    announced, crossing, describe, duration, live, ratio, size_groups, sweep_sizes, within_noise, Exporter,
    RunOutput,
};
use crate::bench::crossing::crossings;
use crate::bench::env::Environment;
use crate::bench::plan::Size;
use crate::bench::result::MethodResult;
use crate::bench::tutorial::{self, Conclusion, PUBLISHED_CHILDREN, PUBLISHED_PAYLOAD_BYTES};

pub struct TableExporter;

impl Exporter for TableExporter {
    fn run(&self, output: &RunOutput) -> color_eyre::Result<String> {
        Ok(run(output))
    }

    fn comparison(&self, comparison: &Comparison) -> color_eyre::Result<String> {
        Ok(comparison_table(comparison))
    }
}

fn run(output: &RunOutput) -> String {
    let mut text = head(&output.environment);
    let env = &output.environment;
    if let Some(sizes) = sweep_sizes(&output.results) {
        // A sweep: one compact block per size, then where the lines cross.
        let _ = writeln!(text, "{sizes}\n");
        for group in size_groups(&output.results) {
            let _ = writeln!(
                text,
                "At {} {}",
                Size(group[0].payload_bytes),
                group[0].payload.name()
            );
            summary_rows(&mut text, group, env, true);
            text.push('\n');
        }
        crossings_block(&mut text, &output.results);
    } else {
        for result in &output.results {
            method_block(&mut text, result);
        }
    }
    text + &tail(output)
}

/// The table's first line: the version and the machine. A run's table is `head`, then
/// `method` for each result as it comes, then `tail`: so it can be printed as it is measured.
pub fn head(env: &Environment) -> String {
    format!(
        "ipcscope {} · Linux {} · {} · {} cores · page {} · pipe max {} · queue messages {} × {}{}\n\n",
        env!("CARGO_PKG_VERSION"),
        env.kernel,
        env.cpu,
        env.cores,
        Size(env.page_size),
        Size(env.pipe_max_size),
        Size(env.mq_msgsize_max),
        env.mq_msg_max,
        env.mq_bytes_limit.map_or(String::new(), |budget| format!(
            " within {} (RLIMIT_MSGQUEUE)",
            Size(budget)
        )),
    )
}

/// One method's block of a run's table.
pub fn method(result: &MethodResult) -> String {
    let mut text = String::new();
    method_block(&mut text, result);
    text
}

/// What follows the methods' blocks: the summary of a run (none for a sweep, whose blocks
/// are summaries), and whether it was cut short.
pub fn tail(output: &RunOutput) -> String {
    let mut text = String::new();
    if sweep_sizes(&output.results).is_none()
        && output.results.iter().any(|result| result.summary().is_some())
    {
        text.push_str("Summary\n");
        summary_rows(&mut text, &output.results, &output.environment, false);
    }
    if output.partial {
        text.push_str("\nPartial: the run was interrupted before every child ran.\n");
    }
    text
}

fn method_block(text: &mut String, result: &MethodResult) {
    let _ = writeln!(text, "{}", describe(result));
    let counted = result.samples.len() + result.failures.len();
    let Some(summary) = result.summary() else {
        if result.partial && result.failures.is_empty() {
            text.push_str("  Interrupted before any child was counted (partial).\n");
        } else {
            let _ = writeln!(
                text,
                "  No child verified its payload ({} failed{}).",
                result.failures.len(),
                if result.partial { ", partial" } else { "" }
            );
        }
        failures_lines(text, result);
        text.push('\n');
        return;
    };
    let _ = writeln!(
        text,
        "  Time per child (median):   {:>10}{}{}",
        duration(summary.median),
        figures::interval_share(result)
            .map_or(String::new(), |share| format!(" {}", figures::plus_minus(share))),
        result.ratio_to_fork_floor().map_or(String::new(), |r| format!(
            "    {} the fork floor ({})",
            ratio(r),
            duration(result.fork_floor_ns.unwrap_or(0))
        ))
    );
    let _ = writeln!(
        text,
        "  95% interval of median:    {}",
        figures::interval_ends(result)
    );
    let _ = writeln!(
        text,
        "  Time per child (mean ± σ): {:>10} ± {}",
        duration(summary.mean),
        duration(summary.stddev)
    );
    let _ = writeln!(
        text,
        "  Range (min … max):         {:>10} … {}    {}",
        duration(summary.min),
        duration(summary.max),
        figures::p99_phrase(result)
    );
    let _ = writeln!(
        text,
        "  Outliers (Tukey fences):   {}",
        figures::outliers_phrase(result)
    );
    let phases: Vec<String> = result
        .phases
        .iter()
        .filter_map(|&phase| {
            Some(format!(
                "{} {}",
                phase.name(),
                duration(result.phase_summary(phase)?.median)
            ))
        })
        .collect();
    let _ = writeln!(text, "  Phases (median):           {}", phases.join(" · "));
    // A living child's accounting is per process, not per item: it has no median per item.
    if result.live.is_none() {
        let _ = writeln!(
            text,
            "  Kernel (median per child): {}",
            figures::kernel(result, &result.usage_median())
        );
    }
    let _ = writeln!(
        text,
        "  Throughput (at median):    {:>10}",
        figures::throughput(result).unwrap_or_else(|| "—".into())
    );
    if let Some(setup) = figures::setup_note(result) {
        let _ = writeln!(text, "  Setup, once:               {setup}");
    }
    let _ = writeln!(
        text,
        "  Children:                  {} counted, {} failed, {} warm-up{}",
        counted,
        result.failures.len(),
        result.warmup,
        if result.partial { " (partial)" } else { "" }
    );
    live::table_lines(text, result);
    if let Some(note) = facts::python_note(result) {
        let _ = writeln!(text, "  Python:                    {note}");
    }
    failures_lines(text, result);
    text.push('\n');
}

/// The first few failures with their reasons; a count of the rest.
fn failures_lines(text: &mut String, result: &MethodResult) {
    const SHOWN: usize = 5;
    for failure in result.failures.iter().take(SHOWN) {
        let _ = writeln!(text, "    child {}: {}", failure.child, failure.reason);
    }
    if result.failures.len() > SHOWN {
        let _ = writeln!(text, "    … and {} more", result.failures.len() - SHOWN);
    }
}

/// One line per result: median time per child with its interval, throughput, how it
/// compares with the fastest of `results` (a floor is a floor); failure counts, and with
/// `reasons` the first few reasons; then the noise warnings and the one-time work.
fn summary_rows(text: &mut String, results: &[MethodResult], environment: &Environment, reasons: bool) {
    let fastest = Fastest::of(results);
    let width = results
        .iter()
        .map(|result| result.method.len())
        .max()
        .unwrap_or(0)
        .max("method".len());
    let medians: Vec<String> = results
        .iter()
        .map(|result| figures::median_with_interval(result).unwrap_or_else(|| "—".into()))
        .collect();
    let median_width = medians
        .iter()
        .map(|median| median.chars().count())
        .max()
        .unwrap_or(0)
        .max("per child".len() + 1);
    let _ = writeln!(
        text,
        "  {:<width$}  {:>median_width$}  {:>11}",
        "method", "per child", "throughput"
    );
    for (result, median) in results.iter().zip(&medians) {
        let failed = match result.failures.len() {
            0 => String::new(),
            failures => format!(" · {failures} of {} failed", result.repeats),
        };
        let Some(summary) = result.summary() else {
            let _ = writeln!(
                text,
                "  {:<width$}  {median:>median_width$}  {:>11}   no verified child{failed}",
                result.method, "—"
            );
            if reasons {
                failures_lines(text, result);
            }
            continue;
        };
        let comparison = if result.is_floor() {
            "floor".to_string()
        } else {
            fastest
                .and_then(|fastest| Some(fastest.standing(summary.median)?.against(fastest.method)))
                .unwrap_or_default()
        };
        let _ = writeln!(
            text,
            "  {:<width$}  {median:>median_width$}  {:>11}   {comparison}{failed}",
            result.method,
            figures::throughput(result).unwrap_or_else(|| "—".into()),
        );
        if reasons {
            failures_lines(text, result);
        }
    }
    for setup in results.iter().filter_map(figures::setup_note) {
        let _ = writeln!(text, "  Setup, once: {setup}");
    }
    for warning in figures::warnings(results, environment) {
        let _ = writeln!(text, "  Warning: {warning}");
    }
}

/// Where one method overtakes another beyond noise, size by size, and how many changes of
/// places were within noise.
fn crossings_block(text: &mut String, results: &[MethodResult]) {
    let found = crossings(results);
    let dropped = within_noise(&found);
    let mut announced = announced(&found).peekable();
    if announced.peek().is_none() {
        match dropped {
            None => text.push_str("Crossings: none; no two methods change places between sizes.\n"),
            Some(dropped) => {
                let _ = writeln!(text, "Crossings: none beyond noise; {dropped}.");
            }
        }
        return;
    }
    text.push_str("Crossings\n");
    for found in announced {
        let _ = writeln!(text, "  {}", crossing(found));
    }
    if let Some(dropped) = dropped {
        let _ = writeln!(text, "  ({dropped}.)");
    }
}

/// The tutorial's conclusion from this machine's numbers, beside its published figures: what
/// `run --preset seed` ends with.
pub fn tutorial_conclusion(results: &[MethodResult]) -> String {
    let mut text = String::from("\nThe tutorial's lesson, from this machine's numbers\n");
    let Some(conclusion) = tutorial::conclude(results) else {
        text.push_str(
            "  It needs both inherit and queue, each with a verified child; run them both to see it.\n",
        );
        return text;
    };
    let _ = writeln!(text, "  {}", Lesson::of(&conclusion));
    if let Some(pipe) = Lesson::pipe(&conclusion) {
        let _ = writeln!(text, "  {pipe}");
    }
    if conclusion.has_python() {
        text.push_str(&three_columns(&conclusion));
        return text;
    }
    let here = format!("here ({})", Size(conclusion.payload_bytes));
    let published = format!(
        "tutorial ({}, {PUBLISHED_CHILDREN} children)",
        Size(PUBLISHED_PAYLOAD_BYTES)
    );
    let (here_width, published_width) = (here.len().max(10), published.len());
    let _ = writeln!(
        text,
        "  {:<8}  {here:>here_width$}  {published:>published_width$}",
        "method"
    );
    for (published, measured) in &conclusion.figures {
        let _ = writeln!(
            text,
            "  {:<8}  {:>here_width$}  {:>published_width$}",
            published.method(),
            measured.map_or("—".to_string(), duration),
            duration(published.per_child_ns),
        );
    }
    text
}

/// The lesson's figures where the tutorial's Python ran here too: the published figure, the
/// py-* method here, ipcscope's method here, and the lesson in both languages.
fn three_columns(conclusion: &Conclusion) -> String {
    let mut text = String::new();
    if let Some(python) = Lesson::python(conclusion) {
        let _ = writeln!(text, "  {python}");
    }
    let published = format!(
        "tutorial ({}, {PUBLISHED_CHILDREN} children)",
        Size(PUBLISHED_PAYLOAD_BYTES)
    );
    let python = format!("Python here ({})", Size(conclusion.payload_bytes));
    let rust = format!("ipcscope here ({})", Size(conclusion.payload_bytes));
    let widths = (published.len(), python.len(), rust.len());
    let _ = writeln!(
        text,
        "  {:<8}  {published:>published_width$}  {python:>python_width$}  {rust:>rust_width$}",
        "method",
        published_width = widths.0,
        python_width = widths.1,
        rust_width = widths.2,
    );
    let figure = |measured: Option<u64>| measured.map_or("—".to_string(), duration);
    for ((published, rust), (_, python)) in conclusion.figures.iter().zip(&conclusion.python) {
        let _ = writeln!(
            text,
            "  {:<8}  {:>published_width$}  {:>python_width$}  {:>rust_width$}",
            published.method(),
            duration(published.per_child_ns),
            figure(*python),
            figure(*rust),
            published_width = widths.0,
            python_width = widths.1,
            rust_width = widths.2,
        );
    }
    text
}

fn environment_line(environment: &Environment) -> String {
    format!(
        "Linux {} · {} · {} cores",
        environment.kernel, environment.cpu, environment.cores
    )
}

/// The files, then one line per experiment found in more than one, with each file's median
/// and ratio to the baseline; then the experiments found in one file only.
fn comparison_table(comparison: &Comparison) -> String {
    let mut text =
        String::from("Compared with the first file (the baseline): median per child · its ratio, marked (noise) or (too few) where the children do not differ beyond noise (Mann–Whitney U at 5%)\n");
    for (index, saved) in comparison.files.iter().enumerate() {
        let _ = writeln!(
            text,
            "  [{}] {} · ipcscope {} · {}",
            index + 1,
            saved.name,
            saved.report.ipcscope,
            environment_line(&saved.report.environment)
        );
    }
    text.push('\n');
    let matched: Vec<&Row> = comparison.matched().collect();
    if matched.is_empty() {
        text.push_str("No experiment is in more than one file.\n");
    } else {
        let mut lines: Vec<Vec<String>> = vec![std::iter::once("experiment".to_string())
            .chain((1..=comparison.files.len()).map(|index| format!("[{index}]")))
            .collect()];
        lines.extend(matched.iter().map(|row| {
            std::iter::once(row.key.to_string())
                .chain((0..comparison.files.len()).map(|file| facts::versus_baseline(row, file)))
                .collect()
        }));
        let widths: Vec<usize> = (0..lines[0].len())
            .map(|column| {
                lines
                    .iter()
                    .map(|line| line[column].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for line in &lines {
            let mut row = String::from(" ");
            for (column, value) in line.iter().enumerate() {
                let width = widths[column];
                if column == 0 {
                    let _ = write!(row, " {value:<width$}");
                } else {
                    let _ = write!(row, "   {value:>width$}");
                }
            }
            let _ = writeln!(text, "{}", row.trim_end());
        }
    }
    let unmatched: Vec<&Row> = comparison.unmatched().collect();
    if !unmatched.is_empty() {
        text.push_str("\nUnmatched (in one file only)\n");
        for row in unmatched {
            let _ = writeln!(text, "  {}", facts::only_in(comparison, row));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    /// The text after the environment's header line.
    fn below_header(text: String) -> String {
        text.split_once("\n\n")
            .map(|(_, rest)| rest.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_run_table_is_its_head_each_method_block_then_its_tail() {
        let output = fixtures::run();
        let mut pieced = head(&output.environment);
        for result in &output.results {
            pieced += &method(result);
        }
        pieced += &tail(&output);
        assert_eq!(pieced, TableExporter.run(&output).unwrap());
        assert!(tail(&output).starts_with("Summary"));
    }

    #[test]
    fn a_run_reads_method_by_method_then_the_summary() {
        let text = TableExporter.run(&fixtures::run()).unwrap();
        assert!(text.starts_with(&format!("ipcscope {} · Linux ", env!("CARGO_PKG_VERSION"))));
        assert_eq!(
            below_header(text),
            r#"pipe · 4 KiB ints · bincode
  Time per child (median):      2.00 µs    4.00× the fork floor (500 ns)
  95% interval of median:    needs 6 children
  Time per child (mean ± σ):    2.00 µs ± 1.00 µs
  Range (min … max):            1.00 µs … 3.00 µs    p99 needs 100 children
  Outliers (Tukey fences):   none
  Phases (median):           
  Kernel (median per child): 0 minor faults · 0 voluntary / 0 involuntary switches · CPU ~0 ns user, ~0 ns system (sampled)
  Throughput (at median):      2.0 GB/s
  Children:                  3 counted, 0 failed, 0 warm-up

inherit · 4 KiB ints · no codec
  Time per child (median):      1.10 µs
  95% interval of median:    needs 6 children
  Time per child (mean ± σ):    1.10 µs ± 100 ns
  Range (min … max):            1.00 µs … 1.20 µs    p99 needs 100 children
  Outliers (Tukey fences):   none
  Phases (median):           
  Kernel (median per child): 0 minor faults · 0 voluntary / 0 involuntary switches · CPU ~0 ns user, ~0 ns system (sampled)
  Throughput (at median):      3.7 GB/s
  Children:                  3 counted, 0 failed, 0 warm-up

argument · 4 KiB ints · bincode
  Time per child (median):      1.10 µs
  95% interval of median:    needs 6 children
  Time per child (mean ± σ):    1.10 µs ± 0 ns
  Range (min … max):            1.10 µs … 1.10 µs    p99 needs 100 children
  Outliers (Tukey fences):   none
  Phases (median):           
  Kernel (median per child): 0 minor faults · 0 voluntary / 0 involuntary switches · CPU ~0 ns user, ~0 ns system (sampled)
  Throughput (at median):      3.7 GB/s
  Children:                  1 counted, 0 failed, 0 warm-up

queue · 4 KiB ints · bincode
  No child verified its payload (0 failed).

Summary
  method     per child   throughput
  pipe         2.00 µs     2.0 GB/s   1.82× slower than inherit
  inherit      1.10 µs     3.7 GB/s   fastest
  argument     1.10 µs     3.7 GB/s   fastest
  queue              —            —   no verified child
  Warning: pipe at 4 KiB: the middle half of the children spread over 50% of their median. These figures may be off: rerun on a quieter machine or with more children.
"#
        );
    }

    #[test]
    fn a_sweep_reads_size_by_size_then_the_crossings() {
        assert_eq!(
            below_header(TableExporter.run(&fixtures::sweep()).unwrap()),
            r#"Sizes 4 KiB to 64 KiB (3), each rounded down to whole ints (8 bytes each).

At 4 KiB ints
  method       per child   throughput
  pipe    10.0 µs ± 0.0%   409.6 MB/s   fastest
  shm     30.0 µs ± 0.0%   136.5 MB/s   3.00× slower than pipe

At 16 KiB ints
  method       per child   throughput
  pipe    20.0 µs ± 0.0%   819.2 MB/s   fastest
  shm     31.0 µs ± 0.0%   528.5 MB/s   1.55× slower than pipe

At 64 KiB ints
  method       per child   throughput
  pipe    40.0 µs ± 0.0%     1.6 GB/s   1.25× slower than shm
  shm     32.0 µs ± 0.0%     2.0 GB/s   fastest

Crossings
  above 16 KiB, shm beats pipe (at 64 KiB: shm 32.0 µs, pipe 40.0 µs; at 16 KiB: shm 31.0 µs, pipe 20.0 µs)

Partial: the run was interrupted before every child ran.
"#
        );
    }

    #[test]
    fn labels_are_honest_about_intervals_noise_floors_and_setup() {
        let text = below_header(TableExporter.run(&fixtures::honest()).unwrap());
        let (blocks, summary) = text.split_once("Summary\n").unwrap();
        assert_eq!(
            summary,
            r#"  method       per child   throughput
  pipe    2.10 µs ± 2.1%     2.0 GB/s   fastest
  shm     3.10 µs ± 1.5%     1.3 GB/s   1.48× slower than pipe
  fork     509 ns ± 0.9%            —   floor
  memcpy   109 ns ± 4.1%    37.6 GB/s   floor
  Setup, once: shm: one-time setup 400 µs, 20.0 µs per child over its 20 children
  Warning: pipe at 4 KiB: 2 of 20 children were outliers (Tukey fences). These figures may be off: rerun on a quieter machine or with more children.
"#
        );
        let memcpy = blocks.split("memcpy · ").nth(1).unwrap();
        assert_eq!(
            memcpy,
            r#"4 KiB ints · bincode
  Time per child (median):       109 ns ± 4.1%
  95% interval of median:    105 ns … 114 ns
  Time per child (mean ± σ):     110 ns ± 6 ns
  Range (min … max):             100 ns … 119 ns    p99 needs 100 children
  Outliers (Tukey fences):   none
  Phases (median):           
  Kernel (median per child): — (memcpy makes no child)
  Throughput (at median):     37.6 GB/s
  Children:                  20 counted, 0 failed, 0 warm-up

"#
        );
    }

    #[test]
    fn a_comparison_lines_up_each_files_median_and_ratio() {
        let text = TableExporter.comparison(&fixtures::comparison()).unwrap();
        assert_eq!(
            text.replace(env!("CARGO_PKG_VERSION"), "<version>"),
            r#"Compared with the first file (the baseline): median per child · its ratio, marked (noise) or (too few) where the children do not differ beyond noise (Mann–Whitney U at 5%)
  [1] a.json · ipcscope <version> · Linux  ·  · 0 cores
  [2] b.json · ipcscope <version> · Linux  ·  · 0 cores

  experiment                            [1]                         [2]
  pipe · 4 KiB ints · bincode        100 µs    250 µs · 2.50× (too few)
  inherit · 4 KiB ints · no codec   50.0 µs   75.0 µs · 1.50× (too few)

Unmatched (in one file only)
  queue · 4 KiB ints · bincode: only in a.json (300 µs)
  pipe · 8 KiB ints · bincode: only in b.json (400 µs)
"#
        );
    }

    #[test]
    fn the_tutorials_lesson_sits_above_its_published_figures() {
        let results = [
            MethodResult::made_up("inherit", 8_000_000, &[2_100_000]),
            MethodResult::made_up("argument", 8_000_000, &[1_900_000]),
            MethodResult::made_up("queue", 8_000_000, &[61_000_000]),
            MethodResult::made_up("pipe", 8_000_000, &[70_500_000]),
        ];
        assert_eq!(
            tutorial_conclusion(&results),
            r#"
The tutorial's lesson, from this machine's numbers
  Inheriting is 29.0× faster than sending through a queue here (2.10 ms against 61.0 ms per child at 8 MB); the tutorial found ~34×.
  Sending through a pipe takes 33.6× as long as inheriting here; in the tutorial, 36.1×.
  method    here (8 MB)  tutorial (8 MB, 1000 children)
  inherit       2.10 ms                         2.40 ms
  argument      1.90 ms                         2.20 ms
  queue         61.0 ms                         82.8 ms
  pipe          70.5 ms                         86.7 ms
"#
        );
        assert_eq!(
            tutorial_conclusion(&results[1..]),
            r#"
The tutorial's lesson, from this machine's numbers
  It needs both inherit and queue, each with a verified child; run them both to see it.
"#
        );
    }
}
