//! Headless progress on stderr, only when it is a terminal: a bar per method with its
//! children done, the time left and the running median, and a line for the preparation.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use ipcscope::bench::event::Event;
use ipcscope::bench::plan::Size;
use ipcscope::bench::sweep::Sweep;
use ipcscope::report;
use ipcscope::tui::median::RunningMedian;

/// The bars of a run or sweep, drawn on stderr when it is a terminal and nowhere otherwise.
pub struct Progress {
    bars: MultiProgress,
    method_ids: Vec<&'static str>,
    children: u64,
    /// `16 KiB 2/5 · ` while a sweep of several sizes runs; empty for a run.
    step: String,
    sizes: usize,
    preparing: Option<ProgressBar>,
    current: Option<(ProgressBar, RunningMedian)>,
}

impl Progress {
    pub fn new(sweep: &Sweep) -> Progress {
        let plan = &sweep.plan;
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Progress {
            bars: MultiProgress::with_draw_target(target),
            method_ids: plan.methods.iter().map(|method| method.id()).collect(),
            children: u64::from(plan.warmup) + u64::from(plan.repeats),
            step: String::new(),
            sizes: sweep.sizes.len(),
            preparing: None,
            current: None,
        }
    }

    /// A sweep moves to its `step`th size.
    pub fn step(&mut self, step: usize, size: u64) {
        if self.sizes > 1 {
            self.step = format!("{} {}/{} · ", Size(size), step + 1, self.sizes);
        }
    }

    pub fn show(&mut self, event: &Event) {
        // Not even a bar drawn nowhere: a bar's ticker is a thread of its own, and a run
        // under a tight process limit has none to spare.
        if self.bars.is_hidden() {
            return;
        }
        match event {
            Event::Preparing { step, .. } => {
                let spinner = self.preparing.get_or_insert_with(|| {
                    let spinner = self.bars.add(ProgressBar::new_spinner());
                    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
                    spinner
                });
                spinner.set_message(format!("{}preparing: {step}", self.step));
            }
            Event::MethodStarted { method, .. } => {
                if let Some(spinner) = self.preparing.take() {
                    spinner.finish_and_clear();
                }
                let bar = self.bars.add(ProgressBar::new(self.children));
                bar.set_style(
                    ProgressStyle::with_template(
                        "{prefix} {bar:30} {pos}/{len} children · ~{eta} left · {msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                let id = self.method_ids.get(*method).copied().unwrap_or("");
                bar.set_prefix(format!("{}{id:<9}", self.step));
                bar.set_message("median —");
                self.current = Some((bar, RunningMedian::default()));
            }
            Event::Samples { samples, .. } => {
                if let Some((bar, median)) = self.current.as_mut() {
                    samples.iter().for_each(|sample| median.push(sample.total_ns));
                    if let Some(value) = median.median() {
                        bar.set_message(format!("median {}", report::duration(value)));
                    }
                }
            }
            Event::Progress {
                warmup_done, done, ..
            } => {
                if let Some((bar, _)) = &self.current {
                    bar.set_position(u64::from(*warmup_done) + u64::from(*done));
                }
            }
            Event::MethodDone { .. } => {
                if let Some((bar, _)) = self.current.take() {
                    bar.finish_and_clear();
                }
            }
            Event::Started { .. } | Event::Finished { .. } | Event::Failed { .. } => {}
        }
    }

    /// Prints `text` on stdout without tearing the bars on stderr.
    pub fn print(&self, text: &str) {
        self.bars.suspend(|| {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
        });
    }

    pub fn clear(&mut self) {
        for bar in [self.preparing.take(), self.current.take().map(|(bar, _)| bar)]
            .into_iter()
            .flatten()
        {
            bar.finish_and_clear();
        }
        let _ = self.bars.clear();
    }
}
