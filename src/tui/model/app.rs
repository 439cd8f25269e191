//! The App: the explorer's whole state and `update(message)`. No drawing, no threads, no
//! clock of its own: time comes in `Tick`s, and what must happen outside (start or cancel a
//! run, write files, quit) goes back to the loop as an `Effect`.

use std::path::PathBuf;
use std::time::Instant;

use ratatui::crossterm::event::KeyEvent;

use super::form::{Form, Row};
use super::input::{self, Intent};
use super::mouse;
use super::quiz::Stage;
use super::run::{clock, MethodLive};
use super::runs::{Folded, Runs};
use super::sweep::plan_sweep;
use super::view::{Notice, Overlay, Panel, View, ViewState};
use crate::bench::env::Environment;
use crate::bench::event::{Event, RunId};
use crate::bench::method::{self, MethodRef};
use crate::bench::plan::Plan;
use crate::bench::sweep::{Sweep, SweepEvent};
use crate::report::compare::Saved;
use crate::report::RunOutput;
use crate::tui::event::Message;

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
    /// Write `App::export_output` as teach mode's Markdown handout, and report with
    /// `App::exported`.
    Handout,
    /// Read this saved result and report with `App::baseline_loaded`.
    LoadBaseline(PathBuf),
    /// Cancel and reap any run in progress, then leave.
    Quit,
}

/// The explorer's whole state.
pub struct App {
    /// The settings of the next run, as the settings panel edits them.
    pub form: Form,
    pub runs: Runs,
    pub view: ViewState,
    pub now: Instant,
    /// Something visible changed since the last frame.
    pub dirty: bool,
    pub quitting: bool,
}

impl App {
    pub fn new(settings: Plan, environment: Environment, now: Instant) -> App {
        App {
            form: Form::new(settings, environment),
            runs: Runs::default(),
            view: ViewState::default(),
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
            Message::Mouse(event) => {
                let intent = mouse::route(event, &mut self.view, &mut self.form);
                self.dirty |= intent.is_some();
                intent.and_then(|intent| self.intent(intent))
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
    pub fn wants_ticks(&self) -> bool {
        self.runs.active()
    }

    /// The settings row under the cursor, as the current view has it.
    pub fn row(&self) -> Row {
        self.form.row(self.view.mode)
    }

    /// The method the live view details: the one chosen with ↑/↓, or the one running.
    pub fn viewed_method(&self) -> Option<&MethodLive> {
        let run = self.runs.run.as_ref()?;
        let index = self.view.viewed.or(run.current).unwrap_or(0);
        run.methods.get(index)
    }

    fn tick(&mut self, now: Instant) {
        // Redraw for the clock only when the run's clock on screen turns.
        if let Some(run) = self.runs.run.as_ref().filter(|run| run.state.active()) {
            if clock(run.elapsed(self.now)) != clock(run.elapsed(now)) {
                self.dirty = true;
            }
        }
        if let Some(sweep) = self.runs.sweep.as_ref().filter(|sweep| sweep.state.active()) {
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
        self.view.notice = Some(Notice::Refused(why.into()));
        None
    }

    fn key(&mut self, key: KeyEvent) -> Option<Effect> {
        let intent = input::route(key, &mut self.view, &mut self.form);
        self.intent(intent)
    }

    fn intent(&mut self, intent: Intent) -> Option<Effect> {
        match intent {
            Intent::Done => None,
            Intent::Quit => Some(self.quit()),
            Intent::Start => match self.view.mode {
                View::Run => self.start_run(),
                View::Sweep => self.start_sweep(),
            },
            Intent::Cancel if self.runs.cancel() => Some(Effect::CancelRun),
            // With no run to cancel, Esc closes teach mode's quiz.
            Intent::Cancel => {
                if self.view.teach && self.view.quiz.take().is_some() {
                    self.view.notice = Some(Notice::Info("the quiz is closed (g predicts again)".into()));
                }
                None
            }
            Intent::Export | Intent::Handout => {
                if !self.runs.has_results_to_export(self.view.mode) {
                    self.refuse("nothing to export yet: press r to run first")
                } else if intent == Intent::Handout {
                    Some(Effect::Handout)
                } else {
                    Some(Effect::Export)
                }
            }
            Intent::LoadBaseline(path) => Some(Effect::LoadBaseline(path)),
            Intent::DropBaseline => {
                if self.runs.baseline.take().is_some() {
                    self.view.notice = Some(Notice::Info("baseline dropped".into()));
                }
                None
            }
            Intent::MoveViewed(step) => {
                let run = self.runs.run.as_ref()?;
                let last = run.methods.len().saturating_sub(1);
                let at = self.view.viewed.or(run.current).unwrap_or(0);
                let to = (at as i64).saturating_add(i64::from(step)).clamp(0, last as i64);
                self.view_method(to as usize);
                None
            }
            Intent::ViewMethod(index) => {
                self.view_method(index);
                None
            }
            Intent::Teach => {
                let method = self.teaching_method();
                input::open(&mut self.view, Overlay::Teaching { method, scroll: 0 });
                None
            }
        }
    }

    /// Shows method `index` of the run in detail; teach mode's text starts at its top.
    fn view_method(&mut self, index: usize) {
        let Some(run) = self.runs.run.as_ref() else { return };
        let index = index.min(run.methods.len().saturating_sub(1));
        if self.view.viewed.or(run.current) != Some(index) {
            self.view.teach_scroll = 0;
            self.view.drawn.set_limits(|limits| limits.teach = None);
        }
        self.view.viewed = Some(index);
    }

    /// The method `t` explains: the one under the cursor, else the one on view.
    fn teaching_method(&self) -> MethodRef {
        if let (Panel::Settings, Row::Method(index)) = (self.view.focus, self.row()) {
            return method::ALL[index];
        }
        self.viewed_method()
            .map(|live| live.method)
            .or_else(|| self.form.settings.methods.first().copied())
            .unwrap_or(method::ALL[0])
    }

    fn start_run(&mut self) -> Option<Effect> {
        if let Err(problem) = self.form.check(&self.form.settings) {
            return self.refuse(format!("cannot run: {problem}"));
        }
        let plan = self.form.settings.clone();
        let run = self.runs.start_run(plan.clone(), self.now);
        self.view.viewed = None;
        self.view.teach_scroll = 0;
        if let Some(quiz) = self
            .view
            .quiz
            .as_mut()
            .filter(|quiz| quiz.stage != Stage::Predicting)
        {
            quiz.stage = Stage::Revealing(run);
        }
        Some(Effect::StartRun { plan, run })
    }

    fn start_sweep(&mut self) -> Option<Effect> {
        let sweep = match plan_sweep(&self.form.settings, self.form.range, &self.form.environment) {
            Ok(sweep) => sweep,
            Err(problem) => return self.refuse(format!("cannot sweep: {problem}")),
        };
        let run = self.runs.start_sweep(sweep.clone(), self.now);
        Some(Effect::StartSweep { sweep, run })
    }

    fn fold(&mut self, event: Event) {
        let folded = self.runs.fold(event, self.now);
        self.take(folded);
    }

    fn fold_sweep(&mut self, event: SweepEvent) {
        let folded = self.runs.fold_sweep(event, self.now);
        self.take(folded);
    }

    fn take(&mut self, folded: Folded) {
        match folded {
            Folded::Ignored => {}
            Folded::Changed => self.dirty = true,
            Folded::Ended(notice) => {
                self.dirty = true;
                self.view.notice = Some(notice);
            }
        }
    }

    /// Takes a loaded baseline, or says why the file could not be one.
    pub fn baseline_loaded(&mut self, loaded: Result<Saved, String>) {
        self.dirty = true;
        self.view.notice = Some(match loaded {
            Ok(saved) if saved.report.results.is_empty() => {
                Notice::Refused(format!("{} holds no results to compare with", saved.name))
            }
            Ok(saved) => {
                let text = format!(
                    "baseline: {} ({} results); the results show the ratio to it",
                    saved.name,
                    saved.report.results.len()
                );
                self.runs.baseline = Some(saved);
                Notice::Info(text)
            }
            Err(problem) => Notice::Refused(format!("no baseline loaded: {problem}")),
        });
    }

    /// The latest results worth writing, for the view on screen.
    pub fn export_output(&self) -> Option<(RunId, RunOutput)> {
        self.runs.export_output(self.view.mode)
    }

    /// The runner could not even start.
    pub fn start_failed(&mut self, problem: String) {
        self.dirty = true;
        self.runs.start_failed(&problem, self.now);
        self.view.notice = Some(Notice::Refused(problem));
    }

    /// Says where the export went, or why it did not.
    pub fn exported(&mut self, outcome: Result<String, String>) {
        self.dirty = true;
        self.view.notice = Some(match outcome {
            Ok(written) => Notice::Info(format!("wrote {written}")),
            Err(problem) => Notice::Refused(format!("export failed: {problem}")),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::model::fake::{self, press};

    #[test]
    fn the_clocks_redraw_once_a_second() {
        let base = Instant::now();
        let mut app = App::new(fake::plan(), Environment::default(), base);
        press(&mut app, "r");
        fake::run(&mut app, 1, &fake::plan(), &[3_000_000, 400_000], 1, 3);

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
}
