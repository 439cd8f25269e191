//! `ipcscope run` and `ipcscope sweep`: run on the runner thread, show progress on stderr when
//! it is a terminal, write the report. A run is a sweep of one size.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::sync::Arc;

use color_eyre::eyre::WrapErr;

use ipcscope::bench::env::Environment;
use ipcscope::bench::event::Event;
use ipcscope::bench::plan::{Plan, Size};
use ipcscope::bench::sweep::{self, Sweep, SweepEvent};
use ipcscope::report::{self, Format, RunOutput};

use crate::cli::{OutputArgs, Preset};

/// What a run measured, and why it stopped early if a size could not even be set up.
pub struct Executed {
    pub output: RunOutput,
    /// Set when the run stopped on an error after measuring something; what it measured
    /// before stands and is written all the same.
    pub stopped_by: Option<String>,
}

/// Runs `plan` to the end (or until `cancel`), folding the runner's events.
pub fn execute(plan: &Plan, cancel: Arc<AtomicBool>) -> color_eyre::Result<Executed> {
    execute_sweep(&Sweep::single(plan.clone()), cancel)
}

/// Runs every size of `sweep` to the end (or until `cancel`), folding the runner's events.
pub fn execute_sweep(sweep: &Sweep, cancel: Arc<AtomicBool>) -> color_eyre::Result<Executed> {
    let (sender, events) = mpsc::channel::<SweepEvent>();
    let handle = sweep::spawn(sweep.clone(), 0, sender, cancel).wrap_err("starting the runner thread")?;
    let mut progress = Progress::new(sweep);
    let mut output = RunOutput {
        environment: Environment::default(),
        results: Vec::new(),
        partial: false,
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
            Event::Started { environment, .. } => output.environment = environment,
            Event::MethodDone { result, .. } => output.results.push(result),
            Event::Finished { cancelled, .. } => output.partial |= cancelled,
            Event::Failed { error, .. } => failed = Some(error),
            Event::MethodStarted { .. } | Event::Samples { .. } | Event::Progress { .. } => {}
        }
    }
    progress.clear();
    // The channel closed: the thread is on its way out. Join rather than drop, since dropping
    // an unfinished handle cancels it, and a cancelled run would exit 130.
    handle.join();
    match failed {
        Some(error) if output.results.is_empty() => color_eyre::eyre::bail!(error),
        stopped_by @ Some(_) => return Ok(Executed { output, stopped_by }),
        None => {}
    }
    if !finished {
        // The runner thread ended without saying so: it panicked. Its results are not whole.
        color_eyre::eyre::bail!("the run stopped unexpectedly");
    }
    Ok(Executed {
        output,
        stopped_by: None,
    })
}

/// Writes the report where `--output` says, or to stdout. The seed preset's table ends with
/// the tutorial's conclusion from this machine's numbers, its Markdown with the lesson.
pub fn write(output: &RunOutput, args: &OutputArgs, preset: Option<Preset>) -> color_eyre::Result<()> {
    let mut text = report::render(args.format, output)?;
    if args.format == Format::Table && preset == Some(Preset::Seed) {
        text.push_str(&report::table::tutorial_conclusion(&output.results));
    }
    if args.format == Format::Markdown && preset == Some(Preset::Seed) {
        text.push('\n');
        text.push_str(&report::handout::lesson(output));
    }
    write_text(&text, args.output.as_deref())
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

/// One status line on stderr, redrawn in place, only when stderr is a terminal.
struct Progress {
    enabled: bool,
    method_ids: Vec<&'static str>,
    per_method: u32,
    warmup: u32,
    current: usize,
    /// `16 KiB 2/5 · ` while a sweep of several sizes runs; empty for a run.
    step: String,
    sizes: usize,
}

impl Progress {
    fn new(sweep: &Sweep) -> Progress {
        let plan = &sweep.plan;
        Progress {
            enabled: std::io::stderr().is_terminal(),
            method_ids: plan.methods.iter().map(|method| method.id()).collect(),
            per_method: plan.repeats,
            warmup: plan.warmup,
            current: 0,
            step: String::new(),
            sizes: sweep.sizes.len(),
        }
    }

    fn step(&mut self, step: usize, size: u64) {
        if self.sizes > 1 {
            self.step = format!("{} {}/{} · ", Size(size), step + 1, self.sizes);
        }
    }

    fn show(&mut self, event: &Event) {
        if !self.enabled {
            return;
        }
        let line = match event {
            Event::MethodStarted { method, .. } => {
                self.current = *method;
                format!("{}: starting", self.name())
            }
            Event::Progress {
                warmup_done, done, ..
            } if *done == 0 => {
                format!("{}: warm-up {warmup_done}/{}", self.name(), self.warmup)
            }
            Event::Progress { done, .. } => format!("{}: {done}/{} children", self.name(), self.per_method),
            _ => return,
        };
        eprint!(
            "\r\x1b[2K[{}{}/{}] {line}",
            self.step,
            self.current + 1,
            self.method_ids.len()
        );
    }

    fn name(&self) -> &'static str {
        self.method_ids.get(self.current).copied().unwrap_or("")
    }

    fn clear(&self) {
        if self.enabled {
            eprint!("\r\x1b[2K");
        }
    }
}
