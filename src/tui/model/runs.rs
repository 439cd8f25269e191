//! The runs the explorer keeps: the one in progress (or the latest), the one before for
//! comparison, the sweep, and a saved baseline. Runs and sweeps share one runner and one id
//! counter: starting one supersedes the other, and events of anything but the latest are
//! ignored. Also what of them an export writes.

use std::time::Instant;

use super::run::{LiveRun, RunState};
use super::sweep::SweepRun;
use super::view::{Notice, View};
use crate::bench::event::{Event, RunId};
use crate::bench::plan::Plan;
use crate::bench::setting;
use crate::bench::sweep::{Sweep, SweepEvent};
use crate::report;
use crate::report::compare::Saved;
use crate::report::{InProgress, RunOutput};

/// What an event did to the runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Folded {
    /// It belongs to a run no longer on screen.
    Ignored,
    Changed,
    /// The run or sweep ended; the notice says how.
    Ended(Notice),
}

pub struct Runs {
    /// The run in progress, or the latest one.
    pub run: Option<LiveRun>,
    /// The run before, kept on screen for comparison.
    pub previous: Option<LiveRun>,
    /// The sweep in progress, or the latest one.
    pub sweep: Option<SweepRun>,
    /// A saved result that the results are compared with.
    pub baseline: Option<Saved>,
    pub next_run: RunId,
}

impl Default for Runs {
    fn default() -> Self {
        Runs {
            run: None,
            previous: None,
            sweep: None,
            baseline: None,
            next_run: 1,
        }
    }
}

impl Runs {
    /// The run before, where it measured the same experiment as the run on screen (the same
    /// payload, size, codec and identifying settings such as access; methods, repeats and
    /// warm-up may differ): only then is it a comparison.
    pub fn comparable_previous(&self) -> Option<&LiveRun> {
        self.previous.as_ref().filter(|previous| {
            self.run.as_ref().is_none_or(|run| {
                let (now, then) = (&run.plan, &previous.plan);
                (now.payload, now.size, now.codec, setting::conditions(now))
                    == (then.payload, then.size, then.codec, setting::conditions(then))
            })
        })
    }

    /// Whether a run or a sweep is going, so that its clock moves.
    pub fn active(&self) -> bool {
        self.run.as_ref().is_some_and(|run| run.state.active())
            || self.sweep.as_ref().is_some_and(|sweep| sweep.state.active())
    }

    /// The id of the job started last: only it is live.
    fn live_id(&self) -> RunId {
        self.next_run.saturating_sub(1)
    }

    fn take_id(&mut self) -> RunId {
        let id = self.next_run;
        self.next_run += 1;
        id
    }

    /// A new run of `plan`; the run before is kept for comparison if it has results.
    pub fn start_run(&mut self, plan: Plan, now: Instant) -> RunId {
        let id = self.take_id();
        if let Some(sweep) = self.sweep.as_mut() {
            if sweep.state.supersede() {
                sweep.ended = Some(now);
            }
        }
        if let Some(mut old) = self.run.take() {
            if old.state.supersede() {
                old.ended = Some(now);
            }
            if old.completed().next().is_some() {
                self.previous = Some(old);
            }
        }
        self.run = Some(LiveRun::new(id, plan, now));
        id
    }

    pub fn start_sweep(&mut self, sweep: Sweep, now: Instant) -> RunId {
        if let Some(run) = self.run.as_mut() {
            if run.state.supersede() {
                run.ended = Some(now);
            }
        }
        let id = self.take_id();
        self.sweep = Some(SweepRun::new(id, sweep, now));
        id
    }

    /// Marks the run or sweep going as cancelling; `false` if nothing was.
    pub fn cancel(&mut self) -> bool {
        let run = self.run.as_mut().map(|run| &mut run.state);
        let sweep = self.sweep.as_mut().map(|sweep| &mut sweep.state);
        let Some(state) = [run, sweep]
            .into_iter()
            .flatten()
            .find(|state| matches!(state, RunState::Starting | RunState::Running))
        else {
            return false;
        };
        *state = RunState::Cancelling;
        true
    }

    /// The runner could not even start.
    pub fn start_failed(&mut self, problem: &str, now: Instant) {
        let run = self.run.as_mut().map(|run| (&mut run.state, &mut run.ended));
        let sweep = self
            .sweep
            .as_mut()
            .map(|sweep| (&mut sweep.state, &mut sweep.ended));
        for (state, ended) in [run, sweep].into_iter().flatten() {
            if state.active() {
                *state = RunState::Failed(problem.to_string());
                *ended = Some(now);
            }
        }
    }

    pub fn fold(&mut self, event: Event, now: Instant) -> Folded {
        // A cancelled or superseded run's stragglers (a sweep started since supersedes it too)
        // belong to nothing on screen.
        let live = self.live_id();
        let Some(run) = self
            .run
            .as_mut()
            .filter(|run| run.id == event.run() && run.id == live)
        else {
            return Folded::Ignored;
        };
        let ended = matches!(event, Event::Finished { .. } | Event::Failed { .. });
        let failed = match &event {
            Event::Failed { error, .. } => Some(error.clone()),
            _ => None,
        };
        run.fold(event, now);
        if let Some(error) = failed {
            return Folded::Ended(Notice::Refused(format!("run {} failed: {error}", run.id)));
        }
        if !ended {
            return Folded::Changed;
        }
        let failures: u32 = run.methods.iter().map(|live| live.failures).sum();
        let mut text = format!("run {} {}", run.id, run.state.word());
        if let Some(headline) = run.headline() {
            text += &format!(": {headline}");
        }
        if failures > 0 {
            text += &format!("; {failures} children failed (f: why)");
        }
        Folded::Ended(match run.state {
            RunState::Failed(_) => Notice::Refused(text),
            _ => Notice::Info(text),
        })
    }

    pub fn fold_sweep(&mut self, event: SweepEvent, now: Instant) -> Folded {
        let live = self.live_id();
        let Some(sweep) = self.sweep.as_mut().filter(|sweep| sweep.id == live) else {
            return Folded::Ignored;
        };
        if !sweep.fold(event, now) {
            return Folded::Ignored;
        }
        if sweep.state.active() {
            return Folded::Changed;
        }
        let mut text = format!("sweep {} {}", sweep.id, sweep.state.word());
        if let RunState::Failed(error) = &sweep.state {
            text += &format!(": {error}");
            return Folded::Ended(Notice::Refused(text));
        }
        let mut announced = report::announced(&sweep.crossings);
        match announced.next() {
            Some(first) => text += &format!(": {}", SweepRun::crossing_line(first)),
            None if sweep.crossings.is_empty() => text += ": the lines do not cross",
            None => text += ": no crossing beyond noise",
        }
        let more = announced.count();
        if more > 0 {
            text += &and_more_crossings(more);
        }
        if let Some(dropped) = report::within_noise(&sweep.crossings) {
            text += &format!("; {dropped}");
        }
        Folded::Ended(Notice::Info(text))
    }

    /// Whether `export_output` has something, without copying it.
    pub fn has_results_to_export(&self, view: View) -> bool {
        if view == View::Sweep {
            return self.sweep.as_ref().is_some_and(|sweep| !sweep.results.is_empty());
        }
        [self.run.as_ref(), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .any(|run| run.completed().next().is_some())
    }

    /// The latest results worth writing: in the sweep view the sweep's; otherwise the run on
    /// screen if it has any, else the one before.
    pub fn export_output(&self, view: View) -> Option<(RunId, RunOutput)> {
        if view == View::Sweep {
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
                            partial: interrupted(&sweep.state),
                            in_progress: sweep.state.active().then(|| sweep_children(sweep)),
                            skipped: Vec::new(),
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
                        partial: interrupted(&run.state),
                        in_progress: run.state.active().then(|| run.progress()),
                        skipped: Vec::new(),
                    },
                )
            })
    }
}

/// A sweep's children finished and in all, over its sizes so far and to come.
fn sweep_children(sweep: &SweepRun) -> InProgress {
    let plan = &sweep.sweep.plan;
    let per_size = plan.methods.len() as u64 * (u64::from(plan.warmup) + u64::from(plan.repeats));
    let current = sweep
        .live
        .as_ref()
        .map_or(0, |live| live.progress().children_done);
    InProgress {
        children_done: sweep.step.unwrap_or(0) as u64 * per_size + current,
        children_total: sweep.sweep.sizes.len() as u64 * per_size,
    }
}

/// ` (and 1 more crossing)`, ` (and 3 more crossings)`.
fn and_more_crossings(more: usize) -> String {
    format!(
        " (and {more} more {})",
        if more == 1 { "crossing" } else { "crossings" }
    )
}

/// Whether a run that is over stopped before every child ran.
fn interrupted(state: &RunState) -> bool {
    matches!(state, RunState::Cancelled | RunState::Failed(_))
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::bench::method;
    use crate::tui::event::Message;
    use crate::tui::model::app::Effect;
    use crate::tui::model::fake::{self, app_at, press, press_code, refused, row};
    use crate::tui::model::run::MethodState;

    #[test]
    fn a_run_superseded_by_a_sweep_is_ignored() {
        let mut app = app_at(row("size"));
        press(&mut app, "r");
        let run = app.runs.run.as_ref().map(|run| run.id).unwrap();
        press(&mut app, "s");
        press(&mut app, "r");
        assert!(app.runs.sweep.is_some(), "the sweep started");
        app.update(Message::Run(Event::Finished {
            run,
            cancelled: true,
            load: None,
        }));
        let notice = format!("{:?}", app.view.notice);
        assert!(
            !notice.contains(&format!("run {run}")),
            "a superseded run spoke: {notice}"
        );
    }

    #[test]
    fn r_starts_a_run_and_a_new_run_keeps_the_last_one_for_comparison() {
        let mut app = app_at(row("size"));
        let effects = press(&mut app, "r");
        assert_eq!(
            effects,
            vec![Effect::StartRun {
                plan: fake::plan(),
                run: 1
            }]
        );
        fake::run(&mut app, 1, &fake::plan(), &[3_000_000, 400_000], 2, 0);
        assert_eq!(app.runs.run.as_ref().unwrap().state, RunState::Finished);
        assert!(
            matches!(&app.view.notice, Some(Notice::Info(text)) if text.contains("pipe is 7.50× slower than inherit"))
        );

        let effects = press(&mut app, "+r");
        let plan = Plan {
            size: 128 << 10,
            ..fake::plan()
        };
        assert_eq!(effects, vec![Effect::StartRun { plan, run: 2 }]);
        assert_eq!(app.runs.previous.as_ref().map(|run| run.id), Some(1));
        assert_eq!(app.runs.run.as_ref().map(|run| run.id), Some(2));
    }

    #[test]
    fn events_of_a_superseded_run_are_ignored() {
        let mut app = app_at(row("size"));
        press(&mut app, "rr");
        fake::run(&mut app, 1, &fake::plan(), &[3_000_000, 400_000], 2, 0);
        let run = app.runs.run.as_ref().unwrap();
        assert_eq!((run.id, &run.state), (2, &RunState::Starting));
        assert!(run
            .methods
            .iter()
            .all(|live| live.totals.count() == 0 && live.completed.is_none()));
        assert!(
            app.runs.previous.is_none(),
            "run 1 had no results when it was superseded"
        );
    }

    #[test]
    fn esc_cancels_a_run_and_q_or_ctrl_c_quit() {
        let mut app = app_at(row("size"));
        press(&mut app, "r");
        fake::run(&mut app, 1, &fake::plan(), &[3_000_000, 400_000], 1, 2);
        assert_eq!(press_code(&mut app, KeyCode::Esc), Some(Effect::CancelRun));
        assert_eq!(app.runs.run.as_ref().unwrap().state, RunState::Cancelling);
        fake::feed(
            &mut app,
            Event::Finished {
                run: 1,
                cancelled: true,
                load: None,
            },
        );
        let run = app.runs.run.as_ref().unwrap();
        assert_eq!(run.state, RunState::Cancelled);
        assert_eq!(run.methods[0].state(&run.state), MethodState::Done);
        assert_eq!(run.methods[1].state(&run.state), MethodState::Partial);
        assert_eq!(press_code(&mut app, KeyCode::Esc), None, "nothing left to cancel");

        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(app.update(Message::Key(ctrl_c)), Some(Effect::Quit));
        assert!(app.quitting);
    }

    #[test]
    fn one_more_crossing_is_singular() {
        assert_eq!(and_more_crossings(1), " (and 1 more crossing)");
        assert_eq!(and_more_crossings(2), " (and 2 more crossings)");
    }

    #[test]
    fn export_needs_results_and_then_exports_the_latest() {
        let mut app = app_at(row("size"));
        assert_eq!(press(&mut app, "x"), vec![]);
        assert!(refused(&app).contains("nothing to export"));
        press(&mut app, "r");
        fake::run(&mut app, 1, &fake::plan(), &[3_000_000, 400_000], 1, 2);
        assert_eq!(press(&mut app, "x"), vec![Effect::Export]);
        let (run, output) = app.export_output().unwrap();
        assert_eq!(run, 1);
        assert_eq!(output.results.len(), 1);
        assert_eq!(output.results[0].samples.len(), 5);
        assert!(!output.partial, "the run is still going: nothing was interrupted");
        assert_eq!(
            output.in_progress,
            Some(InProgress {
                children_done: 9,
                children_total: 12
            }),
            "pipe's 6 children and inherit's first 3, of 6 each"
        );
    }

    #[test]
    fn a_sweep_folds_into_one_line_per_method_and_a_superseded_sweep_is_ignored() {
        let mut app = app_at(row("size"));
        app.form.settings.methods = method::parse_list("pipe,shm").unwrap();
        // Six children a size: enough for the medians' intervals that crossings need.
        app.form.settings.repeats = 6;
        press(&mut app, "s");
        let effects = press(&mut app, "r");
        let [Effect::StartSweep { sweep, run }] = effects.as_slice() else {
            panic!("r sweeps");
        };
        let (sweep, run) = (sweep.clone(), *run);
        fake::sweep(&mut app, run, &sweep, sweep.sizes.len());
        let on_screen = app.runs.sweep.as_ref().unwrap();
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
            matches!(&app.view.notice, Some(Notice::Info(text)) if text.contains("above 16 KiB, shm beats pipe")),
            "{:?}",
            app.view.notice
        );
        assert_eq!(
            app.export_output().map(|(id, out)| (id, out.results.len())),
            Some((run, 24))
        );

        // A new sweep: the old one's stragglers change nothing.
        press(&mut app, "r");
        fake::sweep(&mut app, run, &sweep, 2);
        let on_screen = app.runs.sweep.as_ref().unwrap();
        assert_eq!(on_screen.id, run + 1);
        assert!(on_screen.curves.iter().all(|curve| curve.points.is_empty()));
        // Esc cancels it; the runner's word ends it as cancelled.
        assert_eq!(press_code(&mut app, KeyCode::Esc), Some(Effect::CancelRun));
        assert_eq!(app.runs.sweep.as_ref().unwrap().state, RunState::Cancelling);
        app.update(Message::Sweep(SweepEvent::Finished {
            run: run + 1,
            cancelled: true,
        }));
        assert_eq!(app.runs.sweep.as_ref().unwrap().state, RunState::Cancelled);
        assert!(!app.wants_ticks());
        press(&mut app, "r");
        // A run started in the run view cancels the sweep on screen.
        press(&mut app, "sr");
        assert_eq!(app.runs.sweep.as_ref().unwrap().state, RunState::Cancelled);
        assert!(app.wants_ticks(), "the run's clock moves");
    }
}
