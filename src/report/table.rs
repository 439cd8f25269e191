//! `--format table`: for a person at a terminal, in the manner of hyperfine.

use std::fmt::Write;

use super::{describe, duration, rate, ratio, RunOutput};
use crate::bench::plan::Size;
use crate::bench::result::{fastest_median, ratio_to_fastest, MethodResult};

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
    for result in &output.results {
        method_block(&mut text, result);
    }
    summary_block(&mut text, &output.results);
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
        "  Time per child (median):   {:>10}",
        duration(summary.median)
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

fn summary_block(text: &mut String, results: &[MethodResult]) {
    let fastest = fastest_median(results);
    let Some(fastest_result) = results
        .iter()
        .find(|result| result.summary().map(|s| s.median) == fastest && fastest.is_some())
    else {
        return;
    };
    text.push_str("Summary\n");
    let width = results
        .iter()
        .map(|result| result.method.len())
        .max()
        .unwrap_or(0);
    for result in results {
        let Some(summary) = result.summary() else {
            let _ = writeln!(
                text,
                "  {:<width$}  {:>10}   no verified child",
                result.method, "—"
            );
            continue;
        };
        let comparison = match ratio_to_fastest(result, fastest) {
            _ if std::ptr::eq(result, fastest_result) => "fastest".to_string(),
            Some(r) => format!("{} slower than {}", ratio(r), fastest_result.method),
            None => String::new(),
        };
        let _ = writeln!(
            text,
            "  {:<width$}  {:>10}   {}",
            result.method,
            duration(summary.median),
            comparison
        );
    }
}
