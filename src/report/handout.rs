//! The lesson as a Markdown handout for a class (`x` in teach mode; the end of
//! `run --preset seed -f markdown`): the setup and the machine, this machine's figures beside
//! the tutorial's, the conclusion, where each method's time goes, and each method's teaching
//! text. The sentences about the tutorial's context are here once, for the explorer too.

use std::fmt::Write;

use super::facts::{Fastest, Lesson};
use super::{count, duration, RunOutput};
use crate::bench::kind::Access;
use crate::bench::method;
use crate::bench::plan::Size;
use crate::bench::result::MethodResult;
use crate::bench::tutorial::{self, PUBLISHED_CHILDREN, PUBLISHED_PAYLOAD_BYTES};

/// Integers the tutorial handed each child (8 bytes each).
const PUBLISHED_INTS: u64 = PUBLISHED_PAYLOAD_BYTES / 8;

/// What the tutorial measured, in one sentence.
pub fn tutorial_context() -> String {
    format!(
        "The tutorial: Python multiprocessing, each child handed {} ints ({}) with pickle, {} children per method.",
        count(PUBLISHED_INTS),
        Size(PUBLISHED_PAYLOAD_BYTES),
        count(u64::from(PUBLISHED_CHILDREN))
    )
}

/// Whether a run of `payload_bytes` can stand beside the tutorial's figures; if not, why
/// not, in a sentence.
pub fn sizes_differ(payload_bytes: u64) -> Option<String> {
    (payload_bytes != PUBLISHED_PAYLOAD_BYTES).then(|| {
        format!(
            "The tutorial used {}; this run uses {}: its figures are not comparable.",
            Size(PUBLISHED_PAYLOAD_BYTES),
            Size(payload_bytes)
        )
    })
}

/// The whole handout: a title, then [`lesson`].
pub fn handout(output: &RunOutput) -> String {
    let mut text = String::from("# What it costs to hand data to a child process\n\n");
    text.push_str(&lesson(output));
    text
}

/// The lesson's sections, each under a `##` heading.
pub fn lesson(output: &RunOutput) -> String {
    let mut text = String::new();
    let results = &output.results;
    let environment = &output.environment;
    text.push_str("## The setup\n\n");
    let _ = writeln!(text, "{}\n", tutorial_context());
    if let Some(first) = results.first() {
        let codec = results
            .iter()
            .find_map(|result| result.codec)
            .map_or(String::new(), |codec| {
                format!(", encoded with {} where a method encodes", codec.name())
            });
        let _ = writeln!(
            text,
            "This run: ipcscope, in Rust, each child handed {} of {}{codec}, its pages {} by the child; {} counted children per method after {} warm-up.\n",
            Size(first.payload_bytes),
            first.payload.name(),
            match first.access {
                Access::Read => "read",
                Access::Write => "written",
            },
            first.repeats,
            first.warmup
        );
    }
    let _ = writeln!(
        text,
        "The machine: Linux {}, {}, {} cores, {}-byte pages; CPU affinity {}.\n",
        environment.kernel,
        environment.cpu,
        environment.cores,
        environment.page_size,
        environment.conditions.affinity
    );

    text.push_str("## This machine's numbers\n\n");
    figures(&mut text, results);
    if output.partial {
        text.push_str("\n*Partial: the run was interrupted before every child ran.*\n");
    }

    text.push_str("\n## The conclusion\n\n");
    let size = results
        .first()
        .map_or(PUBLISHED_PAYLOAD_BYTES, |first| first.payload_bytes);
    match tutorial::conclude(results) {
        Some(conclusion) => {
            let _ = writeln!(text, "{}", Lesson::of(&conclusion));
            if let Some(pipe) = Lesson::pipe(&conclusion) {
                let _ = writeln!(text, "\n{pipe}");
            }
        }
        None => text.push_str(
            "The tutorial's conclusion needs inherit and queue measured at one size (`--preset seed` runs them).\n",
        ),
    }
    if let Some(differ) = sizes_differ(size) {
        let _ = writeln!(text, "\n{differ}");
    }

    text.push_str("\n## Where the time goes\n\n");
    for result in results {
        let _ = writeln!(text, "- **{}**: {}", result.method, phases(result));
    }

    text.push_str("\n## How each method works\n");
    for result in results {
        if let Some(method) = method::find(&result.method) {
            text.push('\n');
            text.push_str(&demoted(method.teaching().trim_end()));
            text.push('\n');
        }
    }
    text
}

/// One row per method: the median here, the ratio to the fastest, and the tutorial's figure
/// where the run is at the tutorial's size.
fn figures(text: &mut String, results: &[MethodResult]) {
    let fastest = Fastest::of(results);
    let comparable = results
        .first()
        .is_some_and(|first| sizes_differ(first.payload_bytes).is_none());
    text.push_str("| method | median per child here | vs fastest |");
    text.push_str(if comparable {
        " tutorial (Python) |\n|---|---:|---:|---:|\n"
    } else {
        "\n|---|---:|---:|\n"
    });
    for result in results {
        let median = result.summary().map(|summary| summary.median);
        let versus = match (median, fastest) {
            (Some(median), Some(fastest)) => fastest
                .standing(median)
                .map_or("—".to_string(), |standing| standing.cell()),
            _ => "—".to_string(),
        };
        let _ = write!(
            text,
            "| {} | {} | {versus} |",
            result.method,
            median.map_or("no verified child".to_string(), duration)
        );
        if comparable {
            let published = method::find(&result.method)
                .and_then(|method| method.tutorial())
                .and_then(tutorial::published);
            let _ = write!(text, " {} |", published.map_or("—".to_string(), duration));
        }
        text.push('\n');
    }
}

/// `spawn 200 µs (4%), encode 1.10 ms (22%), …`: each phase's median and share.
fn phases(result: &MethodResult) -> String {
    let medians: Vec<(&str, u64)> = result
        .phases
        .iter()
        .filter_map(|&phase| Some((phase.name(), result.phase_summary(phase)?.median)))
        .collect();
    let total: u64 = medians.iter().map(|&(_, nanos)| nanos).sum();
    if total == 0 {
        return "no verified child".into();
    }
    medians
        .iter()
        .map(|&(name, nanos)| {
            format!(
                "{name} {} ({:.0}%)",
                duration(nanos),
                nanos as f64 / total as f64 * 100.0
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A teaching text with its headings one level down, to sit under the handout's sections.
fn demoted(markdown: &str) -> String {
    markdown
        .lines()
        .map(|line| {
            if line.starts_with('#') {
                format!("##{line}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::env::Environment;
    use crate::bench::plan::Plan;
    use crate::bench::result::Sample;
    use crate::bench::stats::Summary;

    /// A result of `method` at `plan`'s size whose children took `median` split over phases.
    fn result(method: &str, plan: &Plan, median: u64) -> MethodResult {
        let method = method::find(method).unwrap();
        let mut result = MethodResult::new(method, plan, plan.size);
        result.samples = (0..5)
            .map(|i| {
                let total_ns = median + i * 1000;
                let mut sample = Sample {
                    total_ns,
                    phases: [None; crate::bench::result::Phase::ALL.len()],
                    usage: Default::default(),
                };
                for (at, phase) in result.phases.iter().enumerate() {
                    sample.phases[phase.index()] = Some(total_ns / (at as u64 + 2));
                }
                sample
            })
            .collect();
        result
    }

    #[test]
    fn the_handout_of_a_seed_run_holds_the_machine_every_figure_and_the_conclusion() {
        let plan = Plan {
            repeats: 5,
            warmup: 0,
            ..Plan::seed()
        };
        let medians = [2_100_000, 1_900_000, 61_000_000, 70_500_000];
        let results: Vec<MethodResult> = plan
            .methods
            .iter()
            .zip(medians)
            .map(|(method, median)| result(method.id(), &plan, median))
            .collect();
        let environment = Environment {
            kernel: "6.8.0-test".into(),
            cpu: "Test CPU @ 3 GHz".into(),
            cores: 2,
            ..Environment::default()
        };
        let handout = handout(&RunOutput {
            environment,
            results,
            partial: false,
        });
        for expected in [
            "## The setup",
            "Python multiprocessing, each child handed 1,000,000 ints (8 MB) with pickle, 1,000 children",
            "Linux 6.8.0-test, Test CPU @ 3 GHz, 2 cores",
            "| method | median per child here | vs fastest | tutorial (Python) |",
            "Inheriting is 29.0× faster than sending through a queue here",
            "## Where the time goes",
            "## How each method works",
        ] {
            assert!(handout.contains(expected), "no {expected:?} in:\n{handout}");
        }
        for (method, median) in ["inherit", "argument", "queue", "pipe"].iter().zip(medians) {
            let figure = Summary::of(&[median, median + 1000, median + 2000, median + 3000, median + 4000])
                .map(|summary| duration(summary.median))
                .unwrap();
            assert!(
                handout.contains(&format!("| {method} | {figure} |")),
                "no {method} at {figure}:\n{handout}"
            );
            assert!(
                handout.contains(&format!("- **{method}**: ")),
                "{method}'s phases"
            );
            let teaching = method::find(method).unwrap().teaching();
            let first_paragraph = teaching
                .lines()
                .find(|line| !line.starts_with('#') && !line.is_empty());
            assert!(
                handout.contains(first_paragraph.unwrap()),
                "{method}'s teaching text"
            );
        }
        assert!(!handout.contains("not comparable"), "{handout}");
    }

    #[test]
    fn a_run_at_another_size_says_its_figures_are_not_the_tutorials() {
        let plan = Plan {
            size: 256 << 20,
            ..Plan::seed()
        };
        let results = vec![
            result("inherit", &plan, 2_000_000),
            result("queue", &plan, 78_000_000),
        ];
        let handout = handout(&RunOutput {
            environment: Environment::default(),
            results,
            partial: false,
        });
        assert!(
            handout
                .contains("The tutorial used 8 MB; this run uses 256 MiB: its figures are not comparable."),
            "{handout}"
        );
        assert!(!handout.contains("tutorial (Python)"), "{handout}");
    }
}
