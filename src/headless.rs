//! `ipcscope run` and `ipcscope sweep`: run on the runner thread, show progress on stderr when
//! it is a terminal, write the report. A run is a sweep of one size.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::sync::Arc;

use color_eyre::eyre::WrapErr;

use ipcscope::bench::env::Environment;
use ipcscope::bench::event::Event;
use ipcscope::bench::matrix::Column;
use ipcscope::bench::plan::Plan;
use ipcscope::bench::result::MethodResult;
use ipcscope::bench::sweep::{self, Sweep, SweepEvent};
use ipcscope::report::placement::Matrix;
use ipcscope::report::{self, Format, RunOutput};

use crate::cli::{OutputArgs, Preset};
use crate::progress::Progress;

/// What a run measured, and why it stopped early if a size could not even be set up.
pub struct Executed {
    pub output: RunOutput,
    /// Set when the run stopped on an error after measuring something; what it measured
    /// before stands and is written all the same.
    pub stopped_by: Option<String>,
    /// The table's head and each method's block are on stdout already, printed as they came.
    pub streamed: bool,
}

/// Whether a run's table goes to stdout as it is measured, a method's block as soon as the
/// method finishes (as hyperfine does): a long run shows results early, and a late failure
/// loses nothing. A sweep's table, grouped by size, comes at the end.
pub fn streams(args: &OutputArgs, sweep: &Sweep) -> bool {
    args.format == Format::Table && args.output.is_none() && sweep.sizes.len() == 1
}

/// Runs `plan` to the end (or until `cancel`), folding the runner's events; `stream`s the
/// table as it goes when `streams` says so.
pub fn execute(plan: &Plan, cancel: Arc<AtomicBool>, stream: bool) -> color_eyre::Result<Executed> {
    execute_sweep(&Sweep::single(plan.clone()), cancel, stream)
}

/// Runs every size of `sweep` to the end (or until `cancel`), folding the runner's events.
pub fn execute_sweep(sweep: &Sweep, cancel: Arc<AtomicBool>, stream: bool) -> color_eyre::Result<Executed> {
    let (sender, events) = mpsc::channel::<SweepEvent>();
    let handle = sweep::spawn(sweep.clone(), 0, sender, cancel).wrap_err("starting the runner thread")?;
    let mut progress = Progress::new(sweep);
    let mut output = RunOutput {
        environment: Environment::default(),
        results: Vec::new(),
        partial: false,
        in_progress: None,
        skipped: Vec::new(),
    };
    let mut failed = None;
    let mut finished = false;
    for event in events {
        let event = match event {
            SweepEvent::Step { step, size, .. } => {
                progress.step(step, size);
                continue;
            }
            SweepEvent::Finished { cancelled, .. } => {
                output.partial |= cancelled;
                finished = true;
                continue;
            }
            SweepEvent::Run(event) => event,
        };
        progress.show(&event);
        match event {
            Event::Started { environment, .. } => {
                // A sweep starts a run per size: the load seen by the earlier ones stays.
                let seen = output.environment.conditions.load;
                if stream {
                    progress.print(&report::table::head(&environment));
                }
                output.environment = environment;
                if let Some(load) = seen {
                    output.environment.add_load(load);
                }
            }
            Event::MethodDone { result, .. } => {
                if stream {
                    progress.print(&report::table::method(&result));
                }
                output.results.push(*result);
            }
            Event::Finished { cancelled, load, .. } => {
                output.partial |= cancelled;
                if let Some(load) = load {
                    output.environment.add_load(load);
                }
            }
            Event::Failed { error, .. } => failed = Some(error),
            Event::Preparing { .. }
            | Event::MethodStarted { .. }
            | Event::Samples { .. }
            | Event::Progress { .. } => {}
        }
    }
    progress.clear();
    // The channel closed: the thread is on its way out. Join rather than drop, since dropping
    // an unfinished handle cancels it, and a cancelled run would exit 130.
    handle.join();
    match failed {
        Some(error) if output.results.is_empty() => color_eyre::eyre::bail!(error),
        stopped_by @ Some(_) => {
            return Ok(Executed {
                output,
                stopped_by,
                streamed: stream,
            })
        }
        None => {}
    }
    if !finished {
        // The runner thread ended without saying so: it panicked. Its results are not whole.
        color_eyre::eyre::bail!("the run stopped unexpectedly");
    }
    Ok(Executed {
        output,
        stopped_by: None,
        streamed: stream,
    })
}

/// What `ipcscope placement` measured: the matrix, and how its runs ended (the last run's
/// output, partial and failed children counted over every column).
pub struct Measured {
    pub matrix: Matrix,
    pub executed: Executed,
}

/// Runs `base` once per column, pinned to the column's CPUs.
pub fn placement_matrix(
    base: &Plan,
    columns: &[Column],
    cancel: Arc<AtomicBool>,
) -> color_eyre::Result<Measured> {
    let mut matrix = Matrix { columns: Vec::new() };
    let mut executed = Executed {
        output: RunOutput {
            environment: Environment::default(),
            results: Vec::new(),
            partial: false,
            in_progress: None,
            skipped: Vec::new(),
        },
        stopped_by: None,
        streamed: false,
    };
    for column in columns {
        let ran = execute(&column.plan(base), Arc::clone(&cancel), false)?;
        executed.output.environment = ran.output.environment;
        executed.output.partial |= ran.output.partial;
        executed.output.results.extend(ran.output.results.iter().cloned());
        executed.stopped_by = executed.stopped_by.or(ran.stopped_by);
        matrix.columns.push((*column, ran.output.results));
        if executed.output.partial || executed.stopped_by.is_some() {
            break;
        }
    }
    Ok(Measured { matrix, executed })
}

/// Writes the report where `--output` says, or to stdout; after a streamed table, only what
/// follows the methods' blocks. The seed preset's table ends with the tutorial's conclusion
/// from this machine's numbers.
pub fn write(executed: &Executed, args: &OutputArgs, preset: Option<Preset>) -> color_eyre::Result<()> {
    let output = &executed.output;
    if let Some(notice) = side_by_side_notice(&output.results) {
        eprintln!("{notice}");
    }
    let mut text = if executed.streamed {
        report::table::tail(output)
    } else {
        report::render(args.format, output)?
    };
    if args.format == Format::Table && matches!(preset, Some(Preset::Seed | Preset::SeedRust)) {
        text.push_str(&report::table::tutorial_conclusion(&output.results));
    }
    if args.format == Format::Markdown && preset == Some(Preset::Seed) {
        text.push('\n');
        text.push_str(&report::handout::lesson(output));
    }
    write_text(&text, args.output.as_deref())
}

/// Where interleaved rounds could not set every method up at once (memory), which groups ran
/// side by side: `note: not all methods fitted in memory side by side; rounds ran in 2 groups: pipe, queue | shm`.
fn side_by_side_notice(results: &[MethodResult]) -> Option<String> {
    let mut groups: Vec<(u32, Vec<&str>)> = Vec::new();
    for result in results {
        let group = result.round_group?;
        match groups.last_mut() {
            Some((last, methods)) if *last == group => methods.push(&result.method),
            _ => groups.push((group, vec![result.method.as_str()])),
        }
    }
    let distinct = groups
        .iter()
        .map(|(group, _)| group)
        .collect::<std::collections::BTreeSet<_>>();
    (distinct.len() > 1).then(|| {
        let listed: Vec<String> = groups.iter().map(|(_, methods)| methods.join(", ")).collect();
        format!(
            "note: not all methods fitted in memory side by side; rounds ran in {} groups: {}",
            distinct.len(),
            listed.join(" | ")
        )
    })
}

/// Writes `text` to `destination`, or to stdout.
pub fn write_text(text: &str, destination: Option<&Path>) -> color_eyre::Result<()> {
    match destination {
        Some(path) => {
            std::fs::write(path, text).wrap_err_with(|| format!("writing the results to {}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .wrap_err("writing the results to stdout")?;
            stdout.flush().wrap_err("writing the results to stdout")
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use ipcscope::bench::method;

    #[test]
    fn a_run_in_several_memory_groups_says_which_methods_ran_side_by_side() {
        let plan = Plan::default();
        let result = |id: &str, group: Option<u32>| MethodResult {
            round_group: group,
            ..MethodResult::new(method::find(id).unwrap(), &plan, 8)
        };
        let split = [
            result("pipe", Some(0)),
            result("queue", Some(0)),
            result("shm", Some(1)),
        ];
        assert_eq!(
            side_by_side_notice(&split).as_deref(),
            Some("note: not all methods fitted in memory side by side; rounds ran in 2 groups: pipe, queue | shm")
        );
        assert_eq!(side_by_side_notice(&split[..2]), None, "one group");
        assert_eq!(side_by_side_notice(&[result("pipe", None)]), None, "blocks");
    }
}
