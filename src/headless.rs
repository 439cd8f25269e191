//! `ipcscope run`: runs a plan on the runner thread, shows progress on stderr when it is a
//! terminal, writes the report.

use std::io::{IsTerminal, Write};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::sync::Arc;

use color_eyre::eyre::WrapErr;

use crate::bench::env::Environment;
use crate::bench::event::Event;
use crate::bench::plan::Plan;
use crate::bench::runner;
use crate::cli::OutputArgs;
use crate::report::{self, RunOutput};

/// Runs `plan` to the end (or until `cancel`), folding the runner's events.
pub fn execute(plan: &Plan, cancel: Arc<AtomicBool>) -> color_eyre::Result<RunOutput> {
    let (sender, events) = mpsc::channel::<Event>();
    let handle = runner::spawn(plan.clone(), 0, sender, cancel).wrap_err("starting the runner thread")?;
    let mut progress = Progress::new(plan);
    let mut output = RunOutput {
        environment: Environment::default(),
        results: Vec::new(),
        partial: false,
    };
    let mut failed = None;
    for event in events {
        progress.show(&event);
        match event {
            Event::Started { environment, .. } => output.environment = environment,
            Event::MethodDone { result, .. } => output.results.push(result),
            Event::Finished { cancelled, .. } => output.partial = cancelled,
            Event::Failed { error, .. } => failed = Some(error),
            Event::MethodStarted { .. } | Event::Samples { .. } | Event::Progress { .. } => {}
        }
    }
    progress.clear();
    // The events have ended, so the run has: wait for its thread without cancelling anything.
    handle.join();
    if let Some(error) = failed {
        color_eyre::eyre::bail!(error);
    }
    Ok(output)
}

/// Writes the report where `--output` says, or to stdout.
pub fn write(output: &RunOutput, args: &OutputArgs) -> color_eyre::Result<()> {
    let text = report::render(args.format, output)?;
    match &args.output {
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
}

impl Progress {
    fn new(plan: &Plan) -> Progress {
        Progress {
            enabled: std::io::stderr().is_terminal(),
            method_ids: plan.methods.iter().map(|method| method.id()).collect(),
            per_method: plan.repeats,
            warmup: plan.warmup,
            current: 0,
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
        eprint!("\r\x1b[2K[{}/{}] {line}", self.current + 1, self.method_ids.len());
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
