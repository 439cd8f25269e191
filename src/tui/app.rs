//! The model: the explorer's state and `update(message)`. No drawing, no threads, no clock
//! of its own: time comes in `Tick`s, and what must happen outside (start or cancel a run,
//! write files, quit) goes back to the loop as an `Effect`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::event::Message;
use super::keymap::{self, Action};
use super::median::RunningMedian;
use super::sweep::{plan_sweep, SweepRange, SweepRun};
use crate::bench::env::Environment;
use crate::bench::event::{Event, RunId};
use crate::bench::method::{self, MethodRef};
use crate::bench::plan::{Access, Codec, PayloadKind, Plan, Size};
use crate::bench::result::{MethodResult, Phase, Sample, Usage};
use crate::bench::stats::{LogHistogram, Summary};
use crate::bench::sweep::{Sweep, SweepEvent};
use crate::bench::tutorial::{self, Conclusion};
use crate::report::compare::Saved;
use crate::report::{self, RunOutput};

/// Payload sizes `+` and `-` step through: powers of two from 1 KiB to 4 GiB; any other
/// size can be typed.
const SIZE_STEPS: [u64; 23] = {
    let mut steps = [0; 23];
    let mut at = 0;
    while at < steps.len() {
        steps[at] = 1 << (10 + at);
        at += 1;
    }
    steps
};

/// Repeat counts `+` and `-` step through.
const REPEAT_STEPS: [u32; 13] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

/// The longest value one may type.
const MAX_TYPED: usize = 16;

/// The longest path one may type.
const MAX_PATH: usize = 1024;

/// Factors between a sweep's sizes that `+` and `-` step through; any other can be typed.
const FACTOR_STEPS: [f64; 5] = [1.5, 2.0, 4.0, 8.0, 16.0];

/// The panels `Tab` moves between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Settings,
    Live,
    Results,
}

impl Panel {
    const ORDER: [Panel; 3] = [Panel::Settings, Panel::Live, Panel::Results];

    fn step(self, forward: bool) -> Panel {
        let at = Self::ORDER.iter().position(|&panel| panel == self).unwrap_or(0);
        let next = if forward {
            at + 1
        } else {
            at + Self::ORDER.len() - 1
        };
        Self::ORDER[next % Self::ORDER.len()]
    }
}

/// One row of the settings panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    /// A method, by its place in `method::ALL`.
    Method(usize),
    Size,
    /// The sweep's smallest size, largest size, and the factor between steps.
    From,
    To,
    Factor,
    Repeats,
    Warmup,
    Payload,
    Codec,
    Access,
}

impl Row {
    /// Every row of `view`: each method the core has, then the values (a sweep's range in
    /// place of the size).
    pub fn of(view: View) -> Vec<Row> {
        let sizes: &[Row] = match view {
            View::Run => &[Row::Size],
            View::Sweep => &[Row::From, Row::To, Row::Factor],
        };
        (0..method::ALL.len())
            .map(Row::Method)
            .chain(sizes.iter().copied())
            .chain([Row::Repeats, Row::Warmup, Row::Payload, Row::Codec, Row::Access])
            .collect()
    }

    fn typed(self) -> bool {
        matches!(
            self,
            Row::Size | Row::From | Row::To | Row::Factor | Row::Repeats | Row::Warmup
        )
    }

    /// A row's counterpart in the other view: the size and the sweep's range stand for each other.
    fn in_view(self, view: View) -> Row {
        match (self, view) {
            (Row::Size, View::Sweep) => Row::From,
            (Row::From | Row::To | Row::Factor, View::Run) => Row::Size,
            (row, _) => row,
        }
    }
}

/// What `r` runs, and what the screen shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// One size: the live panel and the results table.
    Run,
    /// A range of sizes: time per child against size, one line per method.
    Sweep,
}

/// What the results table shows of each method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultsView {
    /// Time per child: median, mean ± σ, min, max, p99, ratios.
    Times,
    /// Bytes per second beside time per child, against the floors.
    Throughput,
    /// The kernel's accounting of a child: faults, context switches, CPU time.
    Kernel,
}

impl ResultsView {
    fn next(self) -> ResultsView {
        match self {
            ResultsView::Times => ResultsView::Throughput,
            ResultsView::Throughput => ResultsView::Kernel,
            ResultsView::Kernel => ResultsView::Times,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ResultsView::Times => "time per child",
            ResultsView::Throughput => "throughput",
            ResultsView::Kernel => "kernel accounting",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Overlay {
    Help { scroll: u16 },
    Teaching { method: MethodRef, scroll: u16 },
}

/// A value being typed into a settings row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub row: Row,
    pub text: String,
}

/// The one-line message under the panels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Info(String),
    /// Something asked for was not done, and why.
    Refused(String),
}

/// What the loop must do for the model.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Cancel and reap any run in progress, then start this one.
    StartRun {
        plan: Plan,
        run: RunId,
    },
    CancelRun,
    /// Cancel and reap any run in progress, then start this sweep.
    StartSweep {
        sweep: Sweep,
        run: RunId,
    },
    /// Write `App::export_output` to files and report with `App::exported`.
    Export,
    /// Read this saved result and report with `App::baseline_loaded`.
    LoadBaseline(PathBuf),
    /// Cancel and reap any run in progress, then leave.
    Quit,
}

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
            started: None,
            ended: None,
            completed: None,
        }
    }

    fn push(&mut self, sample: &Sample) {
        self.totals.push(sample.total_ns);
        self.histogram.push(sample.total_ns);
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

    pub fn fastest_median(&self) -> Option<u64> {
        self.completed()
            .filter_map(|completed| completed.summary.map(|summary| summary.median))
            .min()
    }

    /// `8 MB ints · bincode · read · n=100 w=3`: the settings, to title a result.
    pub fn describe(&self) -> String {
        describe_plan(&self.plan)
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

pub fn describe_plan(plan: &Plan) -> String {
    format!(
        "{} {} · {} · {} · n={} w={}",
        Size(plan.size),
        plan.payload.name(),
        plan.codec.name(),
        plan.access.name(),
        plan.repeats,
        plan.warmup
    )
}

/// The explorer's whole state.
pub struct App {
    /// What the next run will use.
    pub settings: Plan,
    pub environment: Environment,
    pub focus: Panel,
    /// The settings row under the cursor.
    pub cursor: Row,
    pub edit: Option<Edit>,
    /// A baseline file's path being typed.
    pub prompt: Option<String>,
    pub view: View,
    /// The presentation view for a class: large figures and the teaching text.
    pub teach: bool,
    pub results_view: ResultsView,
    /// The sizes `r` sweeps over in the sweep view.
    pub range: SweepRange,
    /// The sweep in progress, or the latest one.
    pub sweep: Option<SweepRun>,
    /// A saved result that the results are compared with.
    pub baseline: Option<Saved>,
    pub overlay: Option<Overlay>,
    pub notice: Option<Notice>,
    /// The run in progress, or the latest one.
    pub run: Option<LiveRun>,
    /// The run before, kept on screen for comparison.
    pub previous: Option<LiveRun>,
    /// The method (index in the run) whose details the live view shows; `None` follows the
    /// runner.
    pub viewed: Option<usize>,
    pub next_run: RunId,
    pub now: Instant,
    /// Something visible changed since the last frame.
    pub dirty: bool,
    pub quitting: bool,
}

impl App {
    pub fn new(settings: Plan, environment: Environment, now: Instant) -> App {
        App {
            settings,
            environment,
            focus: Panel::Settings,
            cursor: Row::Method(0),
            edit: None,
            prompt: None,
            view: View::Run,
            teach: false,
            results_view: ResultsView::Times,
            range: SweepRange::default(),
            sweep: None,
            baseline: None,
            overlay: None,
            notice: None,
            run: None,
            previous: None,
            viewed: None,
            next_run: 1,
            now,
            dirty: true,
            quitting: false,
        }
    }

    pub fn update(&mut self, message: Message) -> Option<Effect> {
        match message {
            Message::Key(key) => {
                self.dirty = true;
                self.key(key)
            }
            Message::Resize => {
                self.dirty = true;
                None
            }
            Message::Tick(now) => {
                self.tick(now);
                None
            }
            Message::Run(event) => {
                self.fold(event);
                None
            }
            Message::Sweep(event) => {
                self.fold_sweep(event);
                None
            }
            Message::Stop => Some(self.quit()),
        }
    }

    /// Whether the loop should send ticks: only while a run's clocks move.
    /// The run before, where it measured the same experiment as the run on screen (the same
    /// payload, size, codec and access; methods, repeats and warm-up may differ): only then
    /// is it a comparison.
    pub fn comparable_previous(&self) -> Option<&LiveRun> {
        self.previous.as_ref().filter(|previous| {
            self.run.as_ref().is_none_or(|run| {
                let (now, then) = (&run.plan, &previous.plan);
                (now.payload, now.size, now.codec, now.access)
                    == (then.payload, then.size, then.codec, then.access)
            })
        })
    }

    pub fn wants_ticks(&self) -> bool {
        self.run.as_ref().is_some_and(|run| run.state.active())
            || self.sweep.as_ref().is_some_and(|sweep| sweep.state.active())
    }

    /// The settings row under the cursor, as the current view has it.
    pub fn row(&self) -> Row {
        self.cursor.in_view(self.view)
    }

    /// The method the live view details: the one chosen with ↑/↓, or the one running.
    pub fn viewed_method(&self) -> Option<&MethodLive> {
        let run = self.run.as_ref()?;
        let index = self.viewed.or(run.current).unwrap_or(0);
        run.methods.get(index)
    }

    fn tick(&mut self, now: Instant) {
        // Redraw for the clock only when the run's clock on screen turns.
        if let Some(run) = self.run.as_ref().filter(|run| run.state.active()) {
            if clock(run.elapsed(self.now)) != clock(run.elapsed(now)) {
                self.dirty = true;
            }
        }
        if let Some(sweep) = self.sweep.as_ref().filter(|sweep| sweep.state.active()) {
            let elapsed = |at: Instant| at.saturating_duration_since(sweep.started);
            if clock(elapsed(self.now)) != clock(elapsed(now)) {
                self.dirty = true;
            }
        }
        self.now = now;
    }

    fn quit(&mut self) -> Effect {
        self.quitting = true;
        Effect::Quit
    }

    fn refuse(&mut self, why: impl Into<String>) -> Option<Effect> {
        self.notice = Some(Notice::Refused(why.into()));
        None
    }

    fn key(&mut self, key: KeyEvent) -> Option<Effect> {
        // A path may hold any character, q included: while one is typed only Ctrl-C quits.
        if self.prompt.is_some() && !key.modifiers.contains(KeyModifiers::CONTROL) {
            self.notice = None;
            return self.prompt_key(key);
        }
        let action = keymap::action_for(&key);
        if action == Some(Action::Quit) {
            return Some(self.quit());
        }
        self.notice = None;
        if self.edit.is_some() {
            return self.edit_key(key);
        }
        if let Some(overlay) = self.overlay {
            return self.overlay_key(overlay, action);
        }
        // Teach mode hides the settings: keys that change them would act unseen.
        let changes_settings = matches!(
            action,
            Some(Action::Decrease | Action::Increase | Action::Toggle | Action::Type)
        ) || (action.is_none()
            && matches!(key.code, KeyCode::Char(c) if c.is_ascii_digit()));
        if self.teach && changes_settings {
            return self.refuse("teach mode shows no settings: p leaves it to change them");
        }
        let Some(action) = action else {
            return self.unbound_key(key);
        };
        match action {
            Action::Run => match self.view {
                View::Run => self.start_run(),
                View::Sweep => self.start_sweep(),
            },
            Action::Cancel => self.cancel_run(),
            Action::Quit => Some(self.quit()),
            Action::Help => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                None
            }
            Action::NextPanel | Action::PreviousPanel if self.teach || self.view == View::Sweep => {
                // The live and results panels are not on screen here: the keys stay where they act.
                self.focus = Panel::Settings;
                self.notice = Some(Notice::Info(
                    "this view has no other panel: the arrows move in the settings (teach mode: the methods)"
                        .into(),
                ));
                None
            }
            Action::NextPanel | Action::PreviousPanel => {
                self.focus = self.focus.step(action == Action::NextPanel);
                None
            }
            Action::Up | Action::Down => {
                self.move_cursor(action == Action::Down);
                None
            }
            Action::Decrease | Action::Increase => self.change(action == Action::Increase),
            Action::Toggle => match self.row() {
                Row::Method(index) if self.focus == Panel::Settings => self.toggle_method(index),
                _ => self.refuse("Space chooses a method: move to one in the settings panel"),
            },
            Action::Type => match self.row() {
                Row::Method(index) if self.focus == Panel::Settings => self.toggle_method(index),
                row if self.focus == Panel::Settings && row.typed() => {
                    self.edit = Some(Edit {
                        row,
                        text: String::new(),
                    });
                    None
                }
                _ => None,
            },
            Action::Teach => {
                self.overlay = Some(Overlay::Teaching {
                    method: self.teaching_method(),
                    scroll: 0,
                });
                None
            }
            Action::Export => {
                if self.has_results_to_export() {
                    Some(Effect::Export)
                } else {
                    self.refuse("nothing to export yet: press r to run first")
                }
            }
            Action::Sweep => {
                self.view = match self.view {
                    View::Run => View::Sweep,
                    View::Sweep => View::Run,
                };
                self.cursor = self.cursor.in_view(self.view);
                self.notice = Some(Notice::Info(match self.view {
                    View::Sweep => format!(
                        "sweep view: r runs the chosen methods at {} (with the fork and memcpy floors); s goes back",
                        self.range.describe()
                    ),
                    View::Run => "run view: r runs the chosen methods at one size".into(),
                }));
                None
            }
            Action::Present => {
                self.teach = !self.teach;
                None
            }
            Action::ResultsView => {
                self.results_view = self.results_view.next();
                self.notice = Some(Notice::Info(format!(
                    "the results show {} (v for the next)",
                    self.results_view.name()
                )));
                None
            }
            Action::Baseline => {
                self.prompt = Some(String::new());
                None
            }
        }
    }

    /// Typing a baseline file's path: any character, Enter loads, Esc drops.
    fn prompt_key(&mut self, key: KeyEvent) -> Option<Effect> {
        let text = self.prompt.as_mut()?;
        match key.code {
            KeyCode::Esc => {
                self.prompt = None;
                None
            }
            KeyCode::Backspace => {
                text.pop();
                None
            }
            KeyCode::Enter if text.trim().is_empty() => {
                self.prompt = None;
                if self.baseline.take().is_some() {
                    self.notice = Some(Notice::Info("baseline dropped".into()));
                }
                None
            }
            KeyCode::Enter => {
                let path = std::path::PathBuf::from(text.trim());
                self.prompt = None;
                Some(Effect::LoadBaseline(path))
            }
            KeyCode::Char(c) if text.chars().count() < MAX_PATH => {
                text.push(c);
                None
            }
            KeyCode::Char(_) => self.refuse(format!("a path of at most {MAX_PATH} characters")),
            _ => self.refuse("finish typing the path first: Enter loads it, Esc drops it"),
        }
    }

    /// Takes a loaded baseline, or says why the file could not be one.
    pub fn baseline_loaded(&mut self, loaded: Result<Saved, String>) {
        self.dirty = true;
        self.notice = Some(match loaded {
            Ok(saved) if saved.report.results.is_empty() => {
                Notice::Refused(format!("{} holds no results to compare with", saved.name))
            }
            Ok(saved) => {
                let text = format!(
                    "baseline: {} ({} results); the results show the ratio to it",
                    saved.name,
                    saved.report.results.len()
                );
                self.baseline = Some(saved);
                Notice::Info(text)
            }
            Err(problem) => Notice::Refused(format!("no baseline loaded: {problem}")),
        });
    }

    /// A digit on a value row starts typing a value.
    fn unbound_key(&mut self, key: KeyEvent) -> Option<Effect> {
        let row = self.row();
        match key.code {
            KeyCode::Char(c) if c.is_ascii_digit() && self.focus == Panel::Settings && row.typed() => {
                self.edit = Some(Edit {
                    row,
                    text: c.to_string(),
                });
                None
            }
            KeyCode::Char(c) if c.is_ascii_digit() => {
                self.refuse("to type a value, move to size, repeats or warm-up in the settings panel")
            }
            _ => None,
        }
    }

    fn overlay_key(&mut self, overlay: Overlay, action: Option<Action>) -> Option<Effect> {
        // Scrolling stops at the last line of the text: past it the box would be empty.
        let scrolled = |scroll: u16, down: bool, lines: usize| {
            if down {
                scroll
                    .saturating_add(1)
                    .min(u16::try_from(lines).unwrap_or(u16::MAX))
            } else {
                scroll.saturating_sub(1)
            }
        };
        self.overlay = match (overlay, action) {
            (Overlay::Help { .. }, Some(Action::Help)) | (Overlay::Teaching { .. }, Some(Action::Teach)) => {
                None
            }
            (_, Some(Action::Cancel)) => None,
            (_, Some(Action::Help)) => Some(Overlay::Help { scroll: 0 }),
            (Overlay::Help { scroll }, Some(direction @ (Action::Up | Action::Down))) => {
                Some(Overlay::Help {
                    scroll: scrolled(scroll, direction == Action::Down, keymap::BINDINGS.len()),
                })
            }
            (Overlay::Teaching { method, scroll }, Some(direction @ (Action::Up | Action::Down))) => {
                Some(Overlay::Teaching {
                    method,
                    scroll: scrolled(
                        scroll,
                        direction == Action::Down,
                        method.teaching().lines().count(),
                    ),
                })
            }
            (overlay, _) => {
                self.notice = Some(Notice::Info("Esc closes the overlay".into()));
                Some(overlay)
            }
        };
        None
    }

    fn move_cursor(&mut self, down: bool) {
        match self.focus {
            // Teach mode shows no settings: the arrows choose the method explained.
            Panel::Settings if !self.teach => {
                let rows = Row::of(self.view);
                let at = rows.iter().position(|&row| row == self.row()).unwrap_or(0);
                let next = if down {
                    (at + 1).min(rows.len() - 1)
                } else {
                    at.saturating_sub(1)
                };
                self.cursor = rows[next];
            }
            _ => {
                let Some(run) = &self.run else { return };
                let count = run.methods.len();
                let at = self.viewed.or(run.current).unwrap_or(0);
                self.viewed = Some(if down {
                    (at + 1).min(count.saturating_sub(1))
                } else {
                    at.saturating_sub(1)
                });
            }
        }
    }

    /// The method `t` explains: the one under the cursor, else the one on view.
    fn teaching_method(&self) -> MethodRef {
        if let (Panel::Settings, Row::Method(index)) = (self.focus, self.row()) {
            return method::ALL[index];
        }
        self.viewed_method()
            .map(|live| live.method)
            .or_else(|| self.settings.methods.first().copied())
            .unwrap_or(method::ALL[0])
    }

    fn start_run(&mut self) -> Option<Effect> {
        if let Err(problem) = self.check(&self.settings) {
            return self.refuse(format!("cannot run: {problem}"));
        }
        let id = self.next_run;
        self.next_run += 1;
        self.supersede_sweep();
        if let Some(mut old) = self.run.take() {
            if old.state.supersede() {
                old.ended = Some(self.now);
            }
            if old.completed().next().is_some() {
                self.previous = Some(old);
            }
        }
        self.run = Some(LiveRun::new(id, self.settings.clone(), self.now));
        self.viewed = None;
        Some(Effect::StartRun {
            plan: self.settings.clone(),
            run: id,
        })
    }

    /// A sweep shares the runner with runs: the one started cancels the other.
    fn supersede_sweep(&mut self) {
        if let Some(sweep) = self.sweep.as_mut() {
            if sweep.state.supersede() {
                sweep.ended = Some(self.now);
            }
        }
    }

    fn start_sweep(&mut self) -> Option<Effect> {
        let sweep = match plan_sweep(&self.settings, self.range, &self.environment) {
            Ok(sweep) => sweep,
            Err(problem) => return self.refuse(format!("cannot sweep: {problem}")),
        };
        if let Some(run) = self.run.as_mut() {
            if run.state.supersede() {
                run.ended = Some(self.now);
            }
        }
        let id = self.next_run;
        self.next_run += 1;
        self.sweep = Some(SweepRun::new(id, sweep.clone(), self.now));
        Some(Effect::StartSweep { sweep, run: id })
    }

    fn cancel_run(&mut self) -> Option<Effect> {
        let run = self.run.as_mut().map(|run| &mut run.state);
        let sweep = self.sweep.as_mut().map(|sweep| &mut sweep.state);
        let state = [run, sweep]
            .into_iter()
            .flatten()
            .find(|state| matches!(state, RunState::Starting | RunState::Running))?;
        *state = RunState::Cancelling;
        Some(Effect::CancelRun)
    }

    fn check(&self, plan: &Plan) -> Result<(), String> {
        if plan.methods.is_empty() {
            return Err("choose at least one method (Space on a method)".into());
        }
        plan.check(&self.environment)
    }

    /// Applies a change to the settings if the result can run here; otherwise says why not.
    fn try_settings(&mut self, candidate: Plan) -> Option<Effect> {
        match self.check(&candidate) {
            Ok(()) => {
                self.settings = candidate;
                None
            }
            Err(problem) => self.refuse(problem),
        }
    }

    /// Applies a sweep range if it makes a sweep that can run here; otherwise says why not.
    fn try_range(&mut self, range: SweepRange) -> Option<Effect> {
        match plan_sweep(&self.settings, range, &self.environment) {
            Ok(_) => {
                self.range = range;
                None
            }
            Err(problem) => self.refuse(problem),
        }
    }

    fn toggle_method(&mut self, index: usize) -> Option<Effect> {
        let method = method::ALL[index];
        let mut candidate = self.settings.clone();
        if let Some(at) = candidate.methods.iter().position(|&chosen| chosen == method) {
            if candidate.methods.len() == 1 {
                return self.refuse("at least one method must stay chosen");
            }
            candidate.methods.remove(at);
        } else {
            candidate.methods.push(method);
        }
        self.try_settings(candidate)
    }

    fn change(&mut self, up: bool) -> Option<Effect> {
        if self.focus != Panel::Settings {
            return None;
        }
        let mut candidate = self.settings.clone();
        match self.row() {
            Row::Method(index) => return self.toggle_method(index),
            Row::Size => {
                let Some(size) = next_step(&SIZE_STEPS, candidate.size, up) else {
                    return self.refuse("no further step that way; type a size, e.g. 12MiB");
                };
                candidate.size = size;
            }
            Row::Repeats => {
                let Some(repeats) = next_step(&REPEAT_STEPS, candidate.repeats, up) else {
                    return self.refuse("no further step that way; type a number of repeats");
                };
                candidate.repeats = repeats;
            }
            Row::Warmup => {
                candidate.warmup = if up {
                    candidate.warmup.saturating_add(1)
                } else if candidate.warmup == 0 {
                    return self.refuse("warm-up is already 0");
                } else {
                    candidate.warmup - 1
                };
            }
            Row::From | Row::To => {
                let mut range = self.range;
                let bound = if self.row() == Row::From {
                    &mut range.from
                } else {
                    &mut range.to
                };
                let Some(size) = next_step(&SIZE_STEPS, *bound, up) else {
                    return self.refuse("no further step that way; type a size, e.g. 12MiB");
                };
                *bound = size;
                return self.try_range(range);
            }
            Row::Factor => {
                let mut range = self.range;
                let Some(factor) = next_step(&FACTOR_STEPS, range.factor, up) else {
                    return self.refuse("no further step that way; type a factor, e.g. 3 or 1.5");
                };
                range.factor = factor;
                return self.try_range(range);
            }
            Row::Payload => {
                return self.cycle(&PayloadKind::ALL, up, |plan| &mut plan.payload, PayloadKind::name)
            }
            Row::Codec => return self.cycle(&Codec::ALL, up, |plan| &mut plan.codec, Codec::name),
            Row::Access => return self.cycle(&Access::ALL, up, |plan| &mut plan.access, Access::name),
        }
        self.try_settings(candidate)
    }

    /// Moves a choice to the next value the plan can run with, saying which were skipped.
    fn cycle<T: Copy + PartialEq>(
        &mut self,
        values: &[T],
        up: bool,
        field: fn(&mut Plan) -> &mut T,
        name: fn(T) -> &'static str,
    ) -> Option<Effect> {
        let mut candidate = self.settings.clone();
        let at = values
            .iter()
            .position(|value| value == field(&mut candidate))
            .unwrap_or(0);
        let mut skipped = Vec::new();
        for distance in 1..values.len() {
            let next = if up {
                (at + distance) % values.len()
            } else {
                (at + values.len() - distance) % values.len()
            };
            *field(&mut candidate) = values[next];
            match self.check(&candidate) {
                Ok(()) => {
                    self.settings = candidate;
                    if let Some((value, why)) = skipped.first() {
                        self.notice = Some(Notice::Info(format!("skipped {value}: {why}")));
                    }
                    return None;
                }
                Err(why) => skipped.push((name(values[next]), why)),
            }
        }
        let why = skipped
            .first()
            .map_or_else(String::new, |(value, why)| format!(" ({value}: {why})"));
        self.refuse(format!("no other value can run with these settings{why}"))
    }

    fn edit_key(&mut self, key: KeyEvent) -> Option<Effect> {
        let edit = self.edit.as_mut()?;
        match key.code {
            KeyCode::Esc => {
                self.edit = None;
                None
            }
            KeyCode::Backspace => {
                edit.text.pop();
                None
            }
            KeyCode::Enter => self.commit_edit(),
            KeyCode::Char(c) => {
                let mut text = edit.text.clone();
                text.push(c);
                let row = edit.row;
                if text.len() > MAX_TYPED {
                    return self.refuse("that is long enough: Enter applies it, Esc drops it");
                }
                if !plausible(row, &text) {
                    let allowed = match row {
                        Row::Size | Row::From | Row::To => Size::ALLOWED,
                        Row::Factor => "a number greater than 1, e.g. 2 or 1.5",
                        _ => "digits",
                    };
                    return self.refuse(format!("'{c}' does not belong there; allowed: {allowed}"));
                }
                edit.text = text;
                None
            }
            _ => self.refuse("finish typing first: Enter applies, Esc drops"),
        }
    }

    fn commit_edit(&mut self) -> Option<Effect> {
        let edit = self.edit.clone()?;
        let mut candidate = self.settings.clone();
        let mut range = self.range;
        let parsed = match edit.row {
            Row::Size => Size::parse(&edit.text)
                .and_then(|size| match size.0 {
                    0 => Err(
                        "a payload of 0 bytes hands nothing over; the size must be at least 1 byte".into(),
                    ),
                    bytes => Ok(bytes),
                })
                .map(|bytes| candidate.size = bytes),
            Row::From => Size::parse(&edit.text).map(|size| range.from = size.0),
            Row::To => Size::parse(&edit.text).map(|size| range.to = size.0),
            Row::Factor => edit
                .text
                .parse::<f64>()
                .map_err(|_| {
                    format!(
                        "the factor must be a number greater than 1, e.g. 2 or 4; got '{}'",
                        edit.text
                    )
                })
                .and_then(crate::bench::sweep::check_factor)
                .map(|factor| range.factor = factor),
            Row::Repeats => crate::cli::parse_repeats(&edit.text).map(|n| candidate.repeats = n),
            Row::Warmup => crate::cli::parse_warmup(&edit.text).map(|n| candidate.warmup = n),
            _ => Ok(()),
        };
        let checked = match edit.row {
            Row::From | Row::To | Row::Factor => plan_sweep(&candidate, range, &self.environment).map(drop),
            _ => self.check(&candidate),
        };
        // A refused value stays in the box, to be mended.
        if let Err(problem) = parsed.and(checked) {
            return self.refuse(problem);
        }
        self.settings = candidate;
        self.range = range;
        self.edit = None;
        None
    }

    /// Runs and sweeps share one id counter and one runner: only the one started last is live.
    fn live_id(&self) -> RunId {
        self.next_run.saturating_sub(1)
    }

    fn fold(&mut self, event: Event) {
        // A cancelled or superseded run's stragglers (a sweep started since supersedes it too)
        // belong to nothing on screen.
        let live = self.live_id();
        let Some(run) = self
            .run
            .as_mut()
            .filter(|run| run.id == event.run() && run.id == live)
        else {
            return;
        };
        self.dirty = true;
        let ended = matches!(event, Event::Finished { .. } | Event::Failed { .. });
        let failed = match &event {
            Event::Failed { error, .. } => Some(error.clone()),
            _ => None,
        };
        run.fold(event, self.now);
        if let Some(error) = failed {
            self.notice = Some(Notice::Refused(format!("run {} failed: {error}", run.id)));
        } else if ended {
            let failures: u32 = run.methods.iter().map(|live| live.failures).sum();
            let mut text = format!("run {} {}", run.id, run.state.word());
            if let Some(headline) = run.headline() {
                text += &format!(": {headline}");
            }
            if failures > 0 {
                text += &format!("; {failures} children failed");
            }
            self.notice = Some(match run.state {
                RunState::Failed(_) => Notice::Refused(text),
                _ => Notice::Info(text),
            });
        }
    }

    fn fold_sweep(&mut self, event: SweepEvent) {
        let (now, live) = (self.now, self.live_id());
        let Some(sweep) = self.sweep.as_mut().filter(|sweep| sweep.id == live) else {
            return;
        };
        if !sweep.fold(event, now) {
            return;
        }
        self.dirty = true;
        if sweep.state.active() {
            return;
        }
        let mut text = format!("sweep {} {}", sweep.id, sweep.state.word());
        if let RunState::Failed(error) = &sweep.state {
            text += &format!(": {error}");
            self.notice = Some(Notice::Refused(text));
            return;
        }
        match sweep.crossings.first() {
            Some(first) => text += &format!(": {}", SweepRun::crossing_line(first)),
            None => text += ": the lines do not cross",
        }
        if sweep.crossings.len() > 1 {
            text += &format!(" (and {} more crossings)", sweep.crossings.len() - 1);
        }
        self.notice = Some(Notice::Info(text));
    }

    /// The latest results worth writing: in the sweep view the sweep's; otherwise the run on
    /// screen if it has any, else the one before.
    /// Whether `export_output` has something, without copying it.
    fn has_results_to_export(&self) -> bool {
        if self.view == View::Sweep {
            return self.sweep.as_ref().is_some_and(|sweep| !sweep.results.is_empty());
        }
        [self.run.as_ref(), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .any(|run| run.completed().next().is_some())
    }

    pub fn export_output(&self) -> Option<(RunId, RunOutput)> {
        if self.view == View::Sweep {
            return self
                .sweep
                .as_ref()
                .filter(|sweep| !sweep.results.is_empty())
                .map(|sweep| {
                    (
                        sweep.id,
                        RunOutput {
                            environment: sweep.environment.clone(),
                            results: sweep.results.clone(),
                            partial: sweep.state != RunState::Finished,
                        },
                    )
                });
        }
        [self.run.as_ref(), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|run| run.completed().next().is_some())
            .map(|run| {
                (
                    run.id,
                    RunOutput {
                        environment: run.environment.clone(),
                        results: run
                            .completed()
                            .map(|completed| completed.result.clone())
                            .collect(),
                        partial: run.state != RunState::Finished,
                    },
                )
            })
    }

    /// The runner could not even start.
    pub fn start_failed(&mut self, problem: String) {
        self.dirty = true;
        let run = self.run.as_mut().map(|run| (&mut run.state, &mut run.ended));
        let sweep = self
            .sweep
            .as_mut()
            .map(|sweep| (&mut sweep.state, &mut sweep.ended));
        for (state, ended) in [run, sweep].into_iter().flatten() {
            if state.active() {
                *state = RunState::Failed(problem.clone());
                *ended = Some(self.now);
            }
        }
        self.notice = Some(Notice::Refused(problem));
    }

    /// Says where the export went, or why it did not.
    pub fn exported(&mut self, outcome: Result<String, String>) {
        self.dirty = true;
        self.notice = Some(match outcome {
            Ok(written) => Notice::Info(format!("wrote {written}")),
            Err(problem) => Notice::Refused(format!("export failed: {problem}")),
        });
    }
}

/// Whether `text` can still become a valid value for `row` as one types on.
fn plausible(row: Row, text: &str) -> bool {
    match row {
        Row::Factor => text.chars().all(|c| c.is_ascii_digit() || c == '.') && text.matches('.').count() <= 1,
        Row::Size | Row::From | Row::To => {
            let split = text
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(text.len());
            let (number, unit) = text.split_at(split);
            let unit = unit.trim_start().to_ascii_lowercase();
            !number.is_empty()
                && number.matches('.').count() <= 1
                && ["b", "kb", "mb", "gb", "kib", "mib", "gib"]
                    .iter()
                    .any(|known| known.starts_with(&unit))
        }
        _ => text.chars().all(|c| c.is_ascii_digit()),
    }
}

/// The next value of `steps` (ascending) above `at`, or below it: what `+` and `-` go to.
fn next_step<T: PartialOrd + Copy>(steps: &[T], at: T, up: bool) -> Option<T> {
    if up {
        steps.iter().copied().find(|&step| step > at)
    } else {
        steps.iter().rev().copied().find(|&step| step < at)
    }
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::{KeyEvent, KeyModifiers};

    use super::*;
    use crate::tui::fake;

    fn press(app: &mut App, keys: &str) -> Vec<Effect> {
        keys.chars()
            .filter_map(|c| app.update(Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))))
            .collect()
    }

    fn press_code(app: &mut App, code: KeyCode) -> Option<Effect> {
        app.update(Message::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    /// An app on the machine's real limits, the cursor on `row`.
    fn app_at(row: Row) -> App {
        let mut app = App::new(fake::plan(), Environment::read(), Instant::now());
        app.cursor = row;
        app
    }

    fn refused(app: &App) -> String {
        match &app.notice {
            Some(Notice::Refused(text)) => text.clone(),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn teach_mode_refuses_keys_that_would_change_hidden_settings() {
        let mut app = app_at(Row::Size);
        press(&mut app, "p");
        let settings = app.settings.clone();
        for keys in ["+", "-", " ", "4"] {
            press(&mut app, keys);
            assert!(refused(&app).contains("teach mode"), "{keys:?}");
            assert_eq!(app.settings, settings, "{keys:?} changed the settings");
        }
        press(&mut app, "p");
        press(&mut app, "+");
        assert_ne!(app.settings, settings, "out of teach mode + works again");
    }

    #[test]
    fn a_run_superseded_by_a_sweep_is_ignored() {
        let mut app = app_at(Row::Size);
        press(&mut app, "r");
        let run = app.run.as_ref().map(|run| run.id).unwrap();
        press(&mut app, "s");
        press(&mut app, "r");
        assert!(app.sweep.is_some(), "the sweep started");
        app.update(Message::Run(Event::Finished { run, cancelled: true }));
        let notice = format!("{:?}", app.notice);
        assert!(
            !notice.contains(&format!("run {run}")),
            "a superseded run spoke: {notice}"
        );
    }

    #[test]
    fn overlays_scroll_no_further_than_their_text() {
        let mut app = app_at(Row::Size);
        press(&mut app, "?");
        for _ in 0..500 {
            press(&mut app, "j");
        }
        let Some(Overlay::Help { scroll }) = app.overlay else {
            panic!("the help is open: {:?}", app.overlay)
        };
        assert!(usize::from(scroll) <= keymap::BINDINGS.len(), "{scroll}");
        for _ in 0..usize::from(scroll) {
            press(&mut app, "k");
        }
        assert!(matches!(app.overlay, Some(Overlay::Help { scroll: 0 })));
    }

    #[test]
    fn every_method_of_the_core_is_a_settings_row() {
        let rows = Row::of(View::Run);
        assert_eq!(
            Row::of(View::Sweep).len(),
            rows.len() + 2,
            "from, to, factor for size"
        );
        for (index, method) in method::ALL.iter().enumerate() {
            assert_eq!(rows[index], Row::Method(index), "{}", method.id());
        }
        assert_eq!(rows.len(), method::ALL.len() + 6);
    }

    #[test]
    fn tab_cycles_the_panels_and_the_cursor_stays_on_the_rows() {
        let mut app = app_at(Row::Method(0));
        press_code(&mut app, KeyCode::Tab);
        assert_eq!(app.focus, Panel::Live);
        press_code(&mut app, KeyCode::Tab);
        press_code(&mut app, KeyCode::Tab);
        assert_eq!(app.focus, Panel::Settings);
        press_code(&mut app, KeyCode::BackTab);
        assert_eq!(app.focus, Panel::Results);
        press_code(&mut app, KeyCode::Tab);
        press(&mut app, "kkk");
        assert_eq!(app.cursor, Row::Method(0));
        press(&mut app, &"j".repeat(50));
        assert_eq!(app.row(), Row::Access);
        press_code(&mut app, KeyCode::Up);
        assert_eq!(app.row(), Row::Codec);
    }

    #[test]
    fn space_toggles_methods_but_never_the_last_one() {
        let mut app = app_at(Row::Method(0));
        let argument = method::find("argument").unwrap();
        app.cursor = Row::Method(method::ALL.iter().position(|&m| m == argument).unwrap());
        press(&mut app, " ");
        assert_eq!(app.settings.methods.last().copied(), Some(argument));
        press(&mut app, " ");
        assert!(!app.settings.methods.contains(&argument));

        app.settings.methods = vec![argument];
        press(&mut app, " ");
        assert_eq!(app.settings.methods, vec![argument]);
        assert!(refused(&app).contains("at least one method"));
    }

    #[test]
    fn plus_and_minus_step_sizes_and_repeats() {
        let mut app = app_at(Row::Size);
        press(&mut app, "+");
        assert_eq!(app.settings.size, 128 << 10);
        press(&mut app, "--");
        assert_eq!(app.settings.size, 32 << 10);
        press_code(&mut app, KeyCode::Right);
        assert_eq!(app.settings.size, 64 << 10);

        let mut app = app_at(Row::Repeats);
        press(&mut app, "+l");
        assert_eq!(app.settings.repeats, 20);
        press(&mut app, "h-----");
        assert_eq!(app.settings.repeats, 1);
        assert!(refused(&app).contains("no further step"));

        let mut app = app_at(Row::Warmup);
        press(&mut app, "--");
        assert_eq!(app.settings.warmup, 0);
        assert!(refused(&app).contains("already 0"));
    }

    #[test]
    fn a_typed_size_is_applied_and_nonsense_is_refused_on_the_spot() {
        let mut app = app_at(Row::Size);
        press(&mut app, "12Mx");
        assert!(refused(&app).contains("'x' does not belong there"));
        assert_eq!(app.edit.as_ref().map(|e| e.text.as_str()), Some("12M"));
        press(&mut app, "iB");
        assert_eq!(press_code(&mut app, KeyCode::Enter), None);
        assert_eq!(app.settings.size, 12 << 20);
        assert_eq!(app.edit, None);

        press(&mut app, "1.5.");
        assert!(refused(&app).contains("'.'"));
        press_code(&mut app, KeyCode::Esc);
        assert_eq!((app.edit.clone(), app.settings.size), (None, 12 << 20));
    }

    #[test]
    fn a_typed_count_is_checked_and_stays_to_be_mended() {
        let mut app = app_at(Row::Repeats);
        press(&mut app, "0");
        press_code(&mut app, KeyCode::Enter);
        assert!(refused(&app).contains("at least 1"));
        assert_eq!(app.edit.as_ref().map(|e| e.text.as_str()), Some("0"));
        assert_eq!(app.settings.repeats, 5);
        press_code(&mut app, KeyCode::Backspace);
        press(&mut app, "250");
        press_code(&mut app, KeyCode::Enter);
        assert_eq!(app.settings.repeats, 250);

        // Other keys wait until the typing is done; quitting does not.
        press(&mut app, "7");
        press_code(&mut app, KeyCode::Tab);
        assert!(refused(&app).contains("finish typing"));
        assert_eq!(app.focus, Panel::Settings);
        assert_eq!(press(&mut app, "q"), vec![Effect::Quit]);
    }

    #[test]
    fn cycling_skips_values_the_plan_cannot_run_with() {
        let mut app = app_at(Row::Codec);
        press(&mut app, "++");
        assert_eq!(app.settings.codec, Codec::Raw);
        app.cursor = Row::Payload;
        press(&mut app, "+");
        assert_eq!(app.settings.payload, PayloadKind::Bytes);
        press(&mut app, "+");
        assert_eq!(app.settings.payload, PayloadKind::Ints, "records cannot go raw");
        assert!(matches!(&app.notice, Some(Notice::Info(text)) if text.contains("skipped records")));
    }

    #[test]
    fn r_starts_a_run_and_a_new_run_keeps_the_last_one_for_comparison() {
        let mut app = app_at(Row::Size);
        let effects = press(&mut app, "r");
        assert_eq!(
            effects,
            vec![Effect::StartRun {
                plan: fake::plan(),
                run: 1
            }]
        );
        fake::run(&mut app, 1, &fake::plan(), &[3_000_000, 400_000], 2, 0);
        assert_eq!(app.run.as_ref().unwrap().state, RunState::Finished);
        assert!(
            matches!(&app.notice, Some(Notice::Info(text)) if text.contains("pipe is 7.50× slower than inherit"))
        );

        let effects = press(&mut app, "+r");
        let plan = Plan {
            size: 128 << 10,
            ..fake::plan()
        };
        assert_eq!(effects, vec![Effect::StartRun { plan, run: 2 }]);
        assert_eq!(app.previous.as_ref().map(|run| run.id), Some(1));
        assert_eq!(app.run.as_ref().map(|run| run.id), Some(2));
    }

    #[test]
    fn events_of_a_superseded_run_are_ignored() {
        let mut app = app_at(Row::Size);
        press(&mut app, "rr");
        fake::run(&mut app, 1, &fake::plan(), &[3_000_000, 400_000], 2, 0);
        let run = app.run.as_ref().unwrap();
        assert_eq!((run.id, &run.state), (2, &RunState::Starting));
        assert!(run
            .methods
            .iter()
            .all(|live| live.totals.count() == 0 && live.completed.is_none()));
        assert!(
            app.previous.is_none(),
            "run 1 had no results when it was superseded"
        );
    }

    #[test]
    fn esc_cancels_a_run_and_q_or_ctrl_c_quit() {
        let mut app = app_at(Row::Size);
        press(&mut app, "r");
        fake::run(&mut app, 1, &fake::plan(), &[3_000_000, 400_000], 1, 2);
        assert_eq!(press_code(&mut app, KeyCode::Esc), Some(Effect::CancelRun));
        assert_eq!(app.run.as_ref().unwrap().state, RunState::Cancelling);
        fake::feed(
            &mut app,
            Event::Finished {
                run: 1,
                cancelled: true,
            },
        );
        let run = app.run.as_ref().unwrap();
        assert_eq!(run.state, RunState::Cancelled);
        assert_eq!(run.methods[0].state(&run.state), MethodState::Done);
        assert_eq!(run.methods[1].state(&run.state), MethodState::Partial);
        assert_eq!(press_code(&mut app, KeyCode::Esc), None, "nothing left to cancel");

        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(app.update(Message::Key(ctrl_c)), Some(Effect::Quit));
        assert!(app.quitting);
    }

    #[test]
    fn export_needs_results_and_then_exports_the_latest() {
        let mut app = app_at(Row::Size);
        assert_eq!(press(&mut app, "x"), vec![]);
        assert!(refused(&app).contains("nothing to export"));
        press(&mut app, "r");
        fake::run(&mut app, 1, &fake::plan(), &[3_000_000, 400_000], 1, 2);
        assert_eq!(press(&mut app, "x"), vec![Effect::Export]);
        let (run, output) = app.export_output().unwrap();
        assert_eq!(run, 1);
        assert_eq!(output.results.len(), 1);
        assert_eq!(output.results[0].samples.len(), 5);
        assert!(output.partial, "the run is still going");
    }

    #[test]
    fn help_and_teaching_overlays_open_and_close() {
        let mut app = app_at(Row::Method(0));
        press(&mut app, "?");
        assert_eq!(app.overlay, Some(Overlay::Help { scroll: 0 }));
        press(&mut app, "jj");
        assert_eq!(app.overlay, Some(Overlay::Help { scroll: 2 }));
        press(&mut app, "r");
        assert!(
            app.run.is_none(),
            "keys other than quit wait while an overlay is open"
        );
        press(&mut app, "?");
        assert_eq!(app.overlay, None);
        press(&mut app, "t");
        assert_eq!(
            app.overlay,
            Some(Overlay::Teaching {
                method: method::ALL[0],
                scroll: 0
            })
        );
        press_code(&mut app, KeyCode::Esc);
        assert_eq!(app.overlay, None);
    }

    #[test]
    fn samples_fold_into_running_aggregates_and_clocks_redraw_once_a_second() {
        let base = Instant::now();
        let mut app = App::new(fake::plan(), Environment::default(), base);
        press(&mut app, "r");
        fake::run(&mut app, 1, &fake::plan(), &[3_000_000, 400_000], 1, 3);
        let run = app.run.as_ref().unwrap();
        assert_eq!(run.methods[0].totals.count(), 5);
        assert_eq!(run.methods[0].median(), Some(3_000_000));
        assert_eq!(run.methods[1].totals.count(), 3);
        assert_eq!(run.methods[1].children(), (4, 6));
        assert_eq!(run.current, Some(1));

        app.dirty = false;
        fake::tick(&mut app, fake::later(base, 30));
        assert!(!app.dirty, "the clock still shows 0.0s");
        fake::tick(&mut app, fake::later(base, 110));
        assert!(app.dirty, "the clock turned to 0.1s");
        app.dirty = false;
        fake::tick(&mut app, fake::later(base, 12_100));
        app.dirty = false;
        fake::tick(&mut app, fake::later(base, 12_900));
        assert!(!app.dirty, "past ten seconds the clock shows whole seconds");
    }

    #[test]
    fn a_size_the_machine_cannot_hold_is_refused_on_the_spot() {
        let small = Environment {
            memory_available: 1 << 20,
            ..Environment::default()
        };
        let mut app = App::new(fake::plan(), small, Instant::now());
        app.cursor = Row::Size;
        press(&mut app, "+++");
        assert_eq!(
            app.settings.size,
            256 << 10,
            "512 KiB needs four copies: 1 MiB is not enough"
        );
        assert!(refused(&app).contains("choose a smaller"));
        press(&mut app, "2MB");
        press_code(&mut app, KeyCode::Enter);
        assert!(refused(&app).contains("2 MB"));
        assert_eq!(app.settings.size, 256 << 10);
    }

    /// Presses Enter on the row, types `text` one key at a time until a key is refused, and
    /// presses Enter if none was; gives the refusal.
    fn type_into(app: &mut App, text: &str) -> Option<String> {
        press_code(app, KeyCode::Enter);
        for c in text.chars() {
            press(app, &c.to_string());
            if let Some(Notice::Refused(why)) = &app.notice {
                return Some(why.clone());
            }
        }
        press_code(app, KeyCode::Enter);
        match &app.notice {
            Some(Notice::Refused(why)) => Some(why.clone()),
            _ => None,
        }
    }

    #[test]
    fn bad_typed_values_are_refused_with_a_short_message_and_change_nothing() {
        let cases: [(Row, &str, &str); 17] = [
            (Row::Size, "8XB", "'X' does not belong there"),
            (Row::Size, "-1", "'-' does not belong there"),
            (Row::Size, "0", "at least 1 byte"),
            (Row::Size, "abc", "'a' does not belong there"),
            (Row::Size, "1.2.", "'.' does not belong there"),
            (Row::Size, "0.3B", "not a whole number of bytes"),
            (Row::Size, "99999999999GiB", "too large"),
            (Row::Size, "9999999999GiB", "choose a smaller"),
            (Row::Repeats, "0", "at least 1"),
            (Row::Repeats, "abc", "'a' does not belong there"),
            (Row::Repeats, "2000000", "at most 1000000"),
            (Row::Warmup, "-1", "'-' does not belong there"),
            (Row::Warmup, "99999999999", "at most 4294967295"),
            (Row::From, "0", "at least 1 byte"),
            (Row::To, "1KiB", "larger than --to"),
            (Row::Factor, "1", "greater than 1"),
            (Row::Factor, "x", "'x' does not belong there"),
        ];
        for (row, text, expected) in cases {
            let mut app = app_at(row);
            if matches!(row, Row::From | Row::To | Row::Factor) {
                press(&mut app, "s");
                app.cursor = row;
            }
            let (settings, range) = (app.settings.clone(), app.range);
            let refusal =
                type_into(&mut app, text).unwrap_or_else(|| panic!("{row:?} {text:?} was accepted"));
            assert!(refusal.contains(expected), "{row:?} {text:?}: {refusal}");
            assert!(
                refusal.chars().count() <= 200,
                "{row:?} {text:?}: not short: {refusal}"
            );
            assert_eq!(app.settings, settings, "{row:?} {text:?} changed the settings");
            assert_eq!(app.range, range, "{row:?} {text:?} changed the sweep's range");
            press_code(&mut app, KeyCode::Esc);
            assert_eq!(app.edit, None);
            assert_eq!((app.settings.clone(), app.range), (settings, range));
        }
    }

    #[test]
    fn s_switches_to_the_sweep_view_where_r_sweeps_with_the_floors() {
        let mut app = app_at(Row::Size);
        press(&mut app, "s");
        assert_eq!(app.view, View::Sweep);
        assert_eq!(app.row(), Row::From, "the size row stands for the range");
        press(&mut app, "j+");
        assert_eq!(app.range.to, 8 << 20);
        press(&mut app, "j-");
        assert_eq!(app.range.factor, 2.0);
        press(&mut app, "j");
        assert_eq!(app.row(), Row::Repeats);
        let effects = press(&mut app, "r");
        let [Effect::StartSweep { sweep, run }] = effects.as_slice() else {
            panic!("r sweeps in the sweep view: {effects:?}");
        };
        assert_eq!(*run, 1);
        let ids: Vec<&str> = sweep.plan.methods.iter().map(|m| m.id()).collect();
        assert_eq!(ids, ["pipe", "inherit", "fork", "memcpy"]);
        assert_eq!(sweep.sizes.first(), Some(&(4 << 10)));
        assert_eq!(sweep.sizes.last(), Some(&(8 << 20)));
        press_code(&mut app, KeyCode::Tab);
        assert_eq!(app.focus, Panel::Settings, "the sweep view has no other panel");
        press(&mut app, "s");
        assert_eq!(app.view, View::Run);
        assert_eq!(press(&mut app, "r").len(), 1);
    }

    #[test]
    fn a_sweep_folds_into_one_line_per_method_and_a_superseded_sweep_is_ignored() {
        let mut app = app_at(Row::Size);
        app.settings.methods = method::parse_list("pipe,shm").unwrap();
        press(&mut app, "s");
        let effects = press(&mut app, "r");
        let [Effect::StartSweep { sweep, run }] = effects.as_slice() else {
            panic!("r sweeps");
        };
        let (sweep, run) = (sweep.clone(), *run);
        fake::sweep(&mut app, run, &sweep, sweep.sizes.len());
        let on_screen = app.sweep.as_ref().unwrap();
        assert_eq!(on_screen.state, RunState::Finished);
        let pipe = &on_screen.curves[0];
        assert_eq!(pipe.method, "pipe");
        let expected: Vec<(u64, u64)> = sweep
            .sizes
            .iter()
            .map(|&size| (size, fake::sweep_median("pipe", size)))
            .collect();
        assert_eq!(pipe.points, expected);
        let memcpy = on_screen.curves.last().unwrap();
        assert_eq!(memcpy.method, "memcpy");
        assert_eq!(
            memcpy.points[2],
            (64 << 10, fake::sweep_median("memcpy", 64 << 10))
        );
        assert_eq!(on_screen.crossings.len(), 1, "the floors cross nothing");
        assert!(
            matches!(&app.notice, Some(Notice::Info(text)) if text.contains("above 16 KiB, shm beats pipe")),
            "{:?}",
            app.notice
        );
        assert_eq!(
            app.export_output().map(|(id, out)| (id, out.results.len())),
            Some((run, 24))
        );

        // A new sweep: the old one's stragglers change nothing.
        press(&mut app, "r");
        fake::sweep(&mut app, run, &sweep, 2);
        let on_screen = app.sweep.as_ref().unwrap();
        assert_eq!(on_screen.id, run + 1);
        assert!(on_screen.curves.iter().all(|curve| curve.points.is_empty()));
        // Esc cancels it; the runner's word ends it as cancelled.
        assert_eq!(press_code(&mut app, KeyCode::Esc), Some(Effect::CancelRun));
        assert_eq!(app.sweep.as_ref().unwrap().state, RunState::Cancelling);
        app.update(Message::Sweep(SweepEvent::Finished {
            run: run + 1,
            cancelled: true,
        }));
        assert_eq!(app.sweep.as_ref().unwrap().state, RunState::Cancelled);
        assert!(!app.wants_ticks());
        press(&mut app, "r");
        // A run started in the run view cancels the sweep on screen.
        press(&mut app, "sr");
        assert_eq!(app.sweep.as_ref().unwrap().state, RunState::Cancelled);
        assert!(app.wants_ticks(), "the run's clock moves");
    }

    #[test]
    fn v_cycles_the_results_views_and_p_toggles_teach_mode() {
        let mut app = app_at(Row::Size);
        press(&mut app, "r");
        fake::run(&mut app, 1, &fake::plan(), &[3_000_000, 400_000], 2, 0);
        for expected in [ResultsView::Throughput, ResultsView::Kernel, ResultsView::Times] {
            press(&mut app, "v");
            assert_eq!(app.results_view, expected);
        }
        let usage = app.run.as_ref().unwrap().methods[0]
            .completed
            .as_ref()
            .unwrap()
            .usage;
        assert_eq!(
            usage.minor_faults,
            100 + 3_000_000 / 1000,
            "the median child's faults"
        );

        press(&mut app, "p");
        assert!(app.teach);
        press(&mut app, "kk");
        assert_eq!(app.viewed, Some(0), "in teach mode the arrows choose the method");
        assert_eq!(app.row(), Row::Size, "and leave the settings alone");
        press(&mut app, "p");
        assert!(!app.teach);
    }

    #[test]
    fn o_asks_for_a_baseline_path_and_a_bad_file_is_said_not_crashed_on() {
        let mut app = app_at(Row::Size);
        press(&mut app, "o");
        assert_eq!(app.prompt.as_deref(), Some(""));
        assert_eq!(press(&mut app, "q/"), vec![], "q is part of a path, not quit");
        press_code(&mut app, KeyCode::Backspace);
        press_code(&mut app, KeyCode::Backspace);
        press(&mut app, "a b.json");
        press_code(&mut app, KeyCode::Backspace);
        press(&mut app, "n");
        assert_eq!(
            press_code(&mut app, KeyCode::Enter),
            Some(Effect::LoadBaseline(PathBuf::from("a b.json")))
        );
        assert_eq!(app.prompt, None);
        app.baseline_loaded(Err("cannot read a b.json: No such file".into()));
        assert!(refused(&app).contains("no baseline loaded: cannot read a b.json"));
        assert!(app.baseline.is_none());

        // Real files: not JSON, and JSON that is not an ipcscope result.
        let directory = tempfile::tempdir().unwrap();
        for (contents, expected) in [
            ("not json", "is not JSON"),
            ("{\"results\": 3}", "is not an ipcscope result"),
        ] {
            let path = directory.path().join("saved.json");
            std::fs::write(&path, contents).unwrap();
            app.baseline_loaded(crate::report::compare::load(&path));
            assert!(refused(&app).contains(expected), "{}", refused(&app));
            assert!(app.baseline.is_none());
        }

        press(&mut app, "o");
        press_code(&mut app, KeyCode::Esc);
        assert_eq!(app.prompt, None);
        assert_eq!(press(&mut app, "q"), vec![Effect::Quit], "keys work again");
    }

    #[test]
    fn clocks_read_well() {
        assert_eq!(clock(Duration::from_millis(2_345)), "2.3s");
        assert_eq!(clock(Duration::from_secs(42)), "42s");
        assert_eq!(clock(Duration::from_secs(75)), "1m15s");
    }
}
