//! The run model: what the explorer knows of a run, folded from the runner's events as they
//! come, and kept afterwards to compare with the next. No keys and no drawing here.

use std::time::{Duration, Instant};

use crate::bench::env::Environment;
use crate::bench::event::{Event, RunId};
use crate::bench::method::MethodRef;
use crate::bench::plan::Plan;
use crate::bench::result::{MethodResult, Phase, Sample, Usage};
use crate::bench::stats::{LogHistogram, Summary};
use crate::bench::tutorial::{self, Conclusion};
use crate::report;
use crate::report::facts::Fastest;
use crate::tui::median::RunningMedian;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Asked for; the runner has not said anything yet.
    Starting,
    Running,
    Cancelling,
    Finished,
    Cancelled,
    Failed(String),
}

impl RunState {
    pub fn active(&self) -> bool {
        matches!(
            self,
            RunState::Starting | RunState::Running | RunState::Cancelling
        )
    }

    pub fn word(&self) -> &'static str {
        match self {
            RunState::Starting => "starting",
            RunState::Running => "running",
            RunState::Cancelling => "cancelling",
            RunState::Finished => "finished",
            RunState::Cancelled => "cancelled",
            RunState::Failed(_) => "failed",
        }
    }

    /// The runner says the job ended: finished, or cancelled; a failure stays a failure.
    pub fn finish(&mut self, cancelled: bool) {
        if !matches!(self, RunState::Failed(_)) {
            *self = if cancelled {
                RunState::Cancelled
            } else {
                RunState::Finished
            };
        }
    }

    /// A newer job took the runner: this one is cancelled if it was still going. Says whether
    /// it was.
    pub fn supersede(&mut self) -> bool {
        let active = self.active();
        if active {
            *self = RunState::Cancelled;
        }
        active
    }
}

/// Where one method of a run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodState {
    Waiting,
    WarmingUp,
    Measuring,
    Done,
    /// Ended early: the run was cancelled while it ran.
    Partial,
    /// Never ran: the run ended first.
    Skipped,
}

impl MethodState {
    /// A symbol and a word, so that the state never rests on colour alone.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            MethodState::Waiting => ("·", "waiting"),
            MethodState::WarmingUp => ("▶", "warm-up"),
            MethodState::Measuring => ("▶", "running"),
            MethodState::Done => ("✓", "done"),
            MethodState::Partial => ("■", "partial"),
            MethodState::Skipped => ("-", "skipped"),
        }
    }
}

/// A method's finished result, its summary and the median of its children's kernel
/// accounting, computed once when it arrives.
#[derive(Clone, Debug)]
pub struct Completed {
    pub result: MethodResult,
    pub summary: Option<Summary>,
    pub usage: Usage,
}

impl Completed {
    pub fn of(result: MethodResult) -> Completed {
        Completed {
            summary: result.summary(),
            usage: result.usage_median(),
            result,
        }
    }
}

/// What the explorer knows of one method of a run, folded from the runner's events as they
/// come: running medians and a histogram, so neither a frame nor a batch re-scans the
/// samples. The full summary comes once, with the method's result.
#[derive(Clone, Debug)]
pub struct MethodLive {
    pub method: MethodRef,
    pub phases: Vec<Phase>,
    pub warmup: u32,
    pub repeats: u32,
    pub warmup_done: u32,
    pub done: u32,
    pub failures: u32,
    pub totals: RunningMedian,
    pub histogram: LogHistogram,
    /// Per phase, by `Phase::index`.
    pub phase_times: Vec<RunningMedian>,
    /// The children's minor faults (page copies under `--access write`), as they come.
    pub minor_faults: RunningMedian,
    pub started: Option<Instant>,
    pub ended: Option<Instant>,
    pub completed: Option<Completed>,
}

impl MethodLive {
    fn new(method: MethodRef, plan: &Plan) -> MethodLive {
        MethodLive {
            method,
            phases: method.phases(&plan.shape()),
            warmup: plan.warmup,
            repeats: plan.repeats,
            warmup_done: 0,
            done: 0,
            failures: 0,
            totals: RunningMedian::default(),
            histogram: LogHistogram::default(),
            phase_times: vec![RunningMedian::default(); Phase::ALL.len()],
            minor_faults: RunningMedian::default(),
            started: None,
            ended: None,
            completed: None,
        }
    }

    fn push(&mut self, sample: &Sample) {
        self.totals.push(sample.total_ns);
        self.histogram.push(sample.total_ns);
        self.minor_faults.push(sample.usage.minor_faults);
        for phase in &self.phases {
            if let Some(nanos) = sample.phases[phase.index()] {
                self.phase_times[phase.index()].push(nanos);
            }
        }
    }

    pub fn state(&self, run: &RunState) -> MethodState {
        match (&self.completed, self.started) {
            (Some(completed), _) if completed.result.partial => MethodState::Partial,
            (Some(_), _) => MethodState::Done,
            (None, Some(_)) if !run.active() => MethodState::Partial,
            (None, Some(_)) if self.done == 0 && self.warmup_done < self.warmup => MethodState::WarmingUp,
            (None, Some(_)) => MethodState::Measuring,
            (None, None) if run.active() => MethodState::Waiting,
            (None, None) => MethodState::Skipped,
        }
    }

    /// Children finished so far (warm-up included) and in all.
    pub fn children(&self) -> (u32, u32) {
        (
            self.warmup_done.saturating_add(self.done),
            self.warmup.saturating_add(self.repeats),
        )
    }

    pub fn median(&self) -> Option<u64> {
        match &self.completed {
            Some(completed) => completed.summary.map(|summary| summary.median),
            None => self.totals.median(),
        }
    }

    /// The median time of each of the method's phases so far, in the order they happen.
    pub fn phase_medians(&self) -> Vec<(Phase, u64)> {
        self.phases
            .iter()
            .filter_map(|&phase| Some((phase, self.phase_times[phase.index()].median()?)))
            .collect()
    }

    /// The median child's minor faults: from the result once it came, else from the samples so far.
    pub fn faults(&self) -> Option<u64> {
        match &self.completed {
            Some(completed) => Some(completed.usage.minor_faults),
            None => self.minor_faults.median(),
        }
    }

    /// How long the method has run (or ran), at `now`.
    pub fn elapsed(&self, now: Instant) -> Option<Duration> {
        let started = self.started?;
        Some(self.ended.unwrap_or(now).saturating_duration_since(started))
    }

    /// The time left, extrapolated from the children done so far.
    pub fn eta(&self, now: Instant) -> Option<Duration> {
        if self.ended.is_some() {
            return None;
        }
        let (done, total) = self.children();
        let elapsed = self.elapsed(now)?;
        (done > 0).then(|| elapsed.mul_f64(f64::from(total.saturating_sub(done)) / f64::from(done)))
    }
}

/// One run, live while it goes and kept afterwards to compare with the next.
#[derive(Clone, Debug)]
pub struct LiveRun {
    pub id: RunId,
    pub plan: Plan,
    pub state: RunState,
    pub started: Instant,
    pub ended: Option<Instant>,
    pub environment: Environment,
    pub methods: Vec<MethodLive>,
    /// The method the runner is on.
    pub current: Option<usize>,
    /// The tutorial's conclusion from this run's results, once inherit and queue have some;
    /// worked out when a method's result arrives, not per frame.
    pub conclusion: Option<Conclusion>,
}

impl LiveRun {
    pub fn new(id: RunId, plan: Plan, now: Instant) -> LiveRun {
        LiveRun {
            id,
            methods: plan
                .methods
                .iter()
                .map(|&method| MethodLive::new(method, &plan))
                .collect(),
            plan,
            state: RunState::Starting,
            started: now,
            ended: None,
            environment: Environment::default(),
            current: None,
            conclusion: None,
        }
    }

    pub fn elapsed(&self, now: Instant) -> Duration {
        self.ended.unwrap_or(now).saturating_duration_since(self.started)
    }

    /// Folds one of this run's events into its state.
    pub fn fold(&mut self, event: Event, now: Instant) {
        match event {
            Event::Started { environment, .. } => {
                self.environment = environment;
                if self.state == RunState::Starting {
                    self.state = RunState::Running;
                }
            }
            Event::MethodStarted { method, .. } => {
                self.current = Some(method);
                if let Some(live) = self.methods.get_mut(method) {
                    live.started = Some(now);
                }
            }
            Event::Samples {
                method,
                samples,
                failures,
                ..
            } => {
                if let Some(live) = self.methods.get_mut(method) {
                    samples.iter().for_each(|sample| live.push(sample));
                    live.failures = live.failures.saturating_add(failures.len() as u32);
                }
            }
            Event::Progress {
                method,
                warmup_done,
                done,
                ..
            } => {
                if let Some(live) = self.methods.get_mut(method) {
                    live.warmup_done = warmup_done;
                    live.done = done;
                }
            }
            Event::MethodDone { method, result, .. } => {
                if let Some(live) = self.methods.get_mut(method) {
                    live.started.get_or_insert(now);
                    live.ended = Some(now);
                    live.failures = result.failures.len() as u32;
                    live.completed = Some(Completed::of(result));
                }
                // From the summaries already kept: no copy or sort of anybody's samples.
                let points: Vec<tutorial::Point<'_>> = self
                    .completed()
                    .map(|completed| tutorial::Point {
                        method: &completed.result.method,
                        payload_bytes: completed.result.payload_bytes,
                        median: completed.summary.map(|summary| summary.median),
                    })
                    .collect();
                self.conclusion = tutorial::conclude_from(&points);
            }
            Event::Finished { cancelled, .. } => {
                self.ended = Some(now);
                self.state.finish(cancelled);
            }
            Event::Failed { error, .. } => {
                self.state = RunState::Failed(error);
            }
        }
    }

    /// The finished results, in the order run.
    pub fn completed(&self) -> impl Iterator<Item = &Completed> {
        self.methods.iter().filter_map(|method| method.completed.as_ref())
    }

    /// The fastest finished method, which every "N× slower" is to.
    pub fn fastest(&self) -> Option<Fastest<'_>> {
        Fastest::among(self.completed().map(|completed| {
            (
                completed.result.method.as_str(),
                completed.summary.map(|summary| summary.median),
            )
        }))
    }

    /// `8 MB ints · bincode · read · n=100 w=3`: the settings, to title a result.
    pub fn describe(&self) -> String {
        crate::bench::setting::describe(&self.plan)
    }

    /// "queue is 31.2× slower than inherit", once two methods have results.
    pub fn headline(&self) -> Option<String> {
        let medians: Vec<(&str, u64)> = self
            .completed()
            .filter_map(|completed| {
                completed
                    .summary
                    .map(|summary| (completed.result.method.as_str(), summary.median))
            })
            .collect();
        let fastest = medians.iter().min_by_key(|(_, median)| *median)?;
        let slowest = medians.iter().max_by_key(|(_, median)| *median)?;
        if medians.len() < 2 || fastest.1 == 0 {
            return Some(format!(
                "{} takes {} per child",
                fastest.0,
                report::duration(fastest.1)
            ));
        }
        Some(format!(
            "{} is {} slower than {}",
            slowest.0,
            report::ratio(slowest.1 as f64 / fastest.1 as f64),
            fastest.0
        ))
    }
}

/// A clock on screen: tenths of a second below ten seconds, whole seconds above, so that it
/// turns at most ten times a second and once a second in long runs.
pub fn clock(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..10 => format!("{}.{}s", seconds, duration.subsec_millis() / 100),
        10..60 => format!("{seconds}s"),
        _ => format!("{}m{:02}s", seconds / 60, seconds % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::model::fake;

    #[test]
    fn samples_fold_into_running_aggregates() {
        let plan = fake::plan();
        let base = Instant::now();
        let mut run = LiveRun::new(1, plan.clone(), base);
        for event in fake::events(1, &plan, &[3_000_000, 400_000], 1, 3) {
            run.fold(event, base);
        }
        assert_eq!(run.methods[0].totals.count(), 5);
        assert_eq!(run.methods[0].median(), Some(3_000_000));
        assert_eq!(run.methods[1].totals.count(), 3);
        assert_eq!(run.methods[1].children(), (4, 6));
        assert_eq!(run.current, Some(1));
    }

    #[test]
    fn clocks_read_well() {
        assert_eq!(clock(Duration::from_millis(2_345)), "2.3s");
        assert_eq!(clock(Duration::from_secs(42)), "42s");
        assert_eq!(clock(Duration::from_secs(75)), "1m15s");
    }
}
