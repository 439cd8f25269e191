//! `--format table`: for a person at a terminal, in the manner of hyperfine.

use std::fmt::Write;

use super::{crossing, describe, duration, is_sweep, rate, ratio, size_groups, RunOutput};
use crate::bench::crossing::crossings;
use crate::bench::method::TutorialPart;
use crate::bench::plan::Size;
use crate::bench::result::{fastest_median, ratio_to_fastest, MethodResult};
use crate::bench::tutorial::{self, PUBLISHED_CHILDREN, PUBLISHED_LESSON, PUBLISHED_PAYLOAD_BYTES};

pub fn render(output: &RunOutput) -> String {
    let mut text = String::new();
    let env = &output.environment;
    let _ = writeln!(
        text,
        "ipcscope {} · Linux {} · {} · {} cores · page {} · pipe max {} · queue messages {} × {}{}\n",
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
    );
    if is_sweep(&output.results) {
        // A sweep: one compact block per size, then where the lines cross.
        for group in size_groups(&output.results) {
            let _ = writeln!(
                text,
                "At {} {}",
                Size(group[0].payload_bytes),
                group[0].payload.name()
            );
            summary_rows(&mut text, group, true);
            text.push('\n');
        }
        crossings_block(&mut text, &output.results);
    } else {
        for result in &output.results {
            method_block(&mut text, result);
        }
        if fastest_median(&output.results).is_some() {
            text.push_str("Summary\n");
            summary_rows(&mut text, &output.results, false);
        }
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
        "  Time per child (median):   {:>10}{}",
        duration(summary.median),
        result.ratio_to_fork_floor().map_or(String::new(), |r| format!(
            "    {} the fork floor ({})",
            ratio(r),
            duration(result.fork_floor_ns.unwrap_or(0))
        ))
    );
    let _ = writeln!(
        text,
        "  Time per child (mean ± σ): {:>10} ± {}",
        duration(summary.mean),
        duration(summary.stddev)
    );
    let _ = writeln!(
        text,
        "  Range (min … max):         {:>10} … {}    p99 {}",
        duration(summary.min),
        duration(summary.max),
        duration(summary.p99)
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
    let usage = result.usage_median();
    let _ = writeln!(
        text,
        "  Kernel (median per child): {} minor faults · {} voluntary / {} involuntary switches · CPU {} user, {} system",
        usage.minor_faults,
        usage.voluntary_switches,
        usage.involuntary_switches,
        duration(usage.user_ns),
        duration(usage.system_ns),
    );
    let _ = writeln!(
        text,
        "  Throughput (at median):    {:>10}",
        rate(result.throughput())
    );
    let _ = writeln!(
        text,
        "  Children:                  {} counted, {} failed, {} warm-up{}",
        counted,
        result.failures.len(),
        result.warmup,
        if result.partial { " (partial)" } else { "" }
    );
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

/// One line per result: median time per child, throughput, how it compares with the fastest
/// of `results`; failure counts, and with `reasons` the first few reasons.
fn summary_rows(text: &mut String, results: &[MethodResult], reasons: bool) {
    let fastest = fastest_median(results);
    let fastest_result = results
        .iter()
        .find(|result| fastest.is_some() && result.summary().map(|s| s.median) == fastest);
    let width = results
        .iter()
        .map(|result| result.method.len())
        .max()
        .unwrap_or(0)
        .max("method".len());
    let _ = writeln!(
        text,
        "  {:<width$}  {:>10}  {:>11}",
        "method", "per child", "throughput"
    );
    for result in results {
        let failed = match result.failures.len() {
            0 => String::new(),
            failures => format!(" · {failures} of {} failed", result.repeats),
        };
        let Some(summary) = result.summary() else {
            let _ = writeln!(
                text,
                "  {:<width$}  {:>10}  {:>11}   no verified child{failed}",
                result.method, "—", "—"
            );
            if reasons {
                failures_lines(text, result);
            }
            continue;
        };
        let comparison = match (fastest_result, ratio_to_fastest(result, fastest)) {
            (Some(fastest), _) if std::ptr::eq(result, fastest) => "fastest".to_string(),
            (Some(fastest), Some(r)) => format!("{} slower than {}", ratio(r), fastest.method),
            _ => String::new(),
        };
        let _ = writeln!(
            text,
            "  {:<width$}  {:>10}  {:>11}   {comparison}{failed}",
            result.method,
            duration(summary.median),
            rate(result.throughput()),
        );
        if reasons {
            failures_lines(text, result);
        }
    }
}

/// Where one method overtakes another, size by size.
fn crossings_block(text: &mut String, results: &[MethodResult]) {
    let found = crossings(results);
    if found.is_empty() {
        text.push_str("Crossings: none; no two methods change places between sizes.\n");
        return;
    }
    text.push_str("Crossings\n");
    for found in &found {
        let _ = writeln!(text, "  {}", crossing(found));
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
    let here = conclusion.queue_over_inherit();
    let lesson = if here >= 1.0 {
        format!(
            "Inheriting is {} faster than sending through a queue here",
            ratio(here)
        )
    } else {
        format!(
            "Here sending through a queue is {} faster than inheriting, unlike in the tutorial",
            ratio(1.0 / here)
        )
    };
    let _ = writeln!(
        text,
        "  {lesson} ({} against {} per child); the tutorial found ~{PUBLISHED_LESSON:.0}×.",
        duration(conclusion.inherit_ns),
        duration(conclusion.queue_ns),
    );
    if let (Some(pipe), Some(tutorial_pipe), Some(tutorial_inherit)) = (
        conclusion.pipe_over_inherit(),
        tutorial::published(TutorialPart::Pipe),
        tutorial::published(TutorialPart::Inherit),
    ) {
        let _ = writeln!(
            text,
            "  Sending through a pipe takes {} as long as inheriting here; in the tutorial, {}.",
            ratio(pipe),
            ratio(tutorial_pipe as f64 / tutorial_inherit as f64),
        );
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
