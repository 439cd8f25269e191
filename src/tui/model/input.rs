//! Input routing: which part of the model a key is for. A path being typed takes every key
//! but Ctrl-C; then `q` quits; then a value being typed takes the key, then an open overlay;
//! otherwise the key map's action means what the focused panel and the view make of it. What
//! the view state and the settings form answer is done here; what needs the runs goes back
//! to the app as an `Intent`.

use std::path::PathBuf;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::form::{Edit, Form, Row};
use super::quiz::{Quiz, QuizKey, Stage};
use super::view::{Notice, Overlay, Panel, View, ViewState};
use crate::tui::keymap::{self, Action};

/// The longest path one may type.
const MAX_PATH: usize = 1024;
/// Lines or rows PgUp and PgDn move.
pub const PAGE: i32 = 10;

/// What a key asks of the runs, once the view state and the form have taken their share.
#[derive(Clone, Debug, PartialEq)]
pub enum Intent {
    /// Nothing more to do.
    Done,
    Quit,
    /// `r`: a run in the run view, a sweep in the sweep view.
    Start,
    Cancel,
    Export,
    LoadBaseline(PathBuf),
    /// An empty path was entered: compare with no baseline.
    DropBaseline,
    /// Down (positive) or up among the run's methods, this many; `i32::MIN`/`MAX` the first
    /// or last.
    MoveViewed(i32),
    /// View this method of the run (a click on it).
    ViewMethod(usize),
    /// `x` in teach mode: the lesson as a Markdown handout.
    Handout,
    /// Explain the method under the cursor, or the one on view.
    Teach,
}

pub fn route(key: KeyEvent, view: &mut ViewState, form: &mut Form) -> Intent {
    // A path may hold any character, q included: while one is typed only Ctrl-C quits.
    if view.prompt.is_some() && !key.modifiers.contains(KeyModifiers::CONTROL) {
        view.notice = None;
        return prompt_key(key, view);
    }
    let action = keymap::action_for(&key);
    if action == Some(Action::Quit) {
        return Intent::Quit;
    }
    view.notice = None;
    if form.edit.is_some() {
        return say(view, form.edit_key(key));
    }
    if let Some(overlay) = view.overlay {
        overlay_key(view, overlay, action);
        return Intent::Done;
    }
    if let Some(intent) = quiz_key(key, action, view) {
        return intent;
    }
    // Teach mode hides the settings: keys that change them would act unseen.
    let changes_settings = matches!(
        action,
        Some(Action::Decrease | Action::Increase | Action::Toggle | Action::Type)
    ) || (action.is_none()
        && matches!(key.code, KeyCode::Char(c) if c.is_ascii_digit()));
    if view.teach && changes_settings {
        return refuse(view, "teach mode shows no settings: p leaves it to change them");
    }
    let Some(action) = action else {
        return unbound_key(key, view, form);
    };
    let in_settings = view.focus == Panel::Settings;
    let row = form.row(view.mode);
    match action {
        Action::Run => Intent::Start,
        Action::Cancel => Intent::Cancel,
        Action::Quit => Intent::Quit,
        Action::Help => {
            open(view, Overlay::Help { scroll: 0 });
            Intent::Done
        }
        Action::NextPanel | Action::PreviousPanel if view.teach || view.mode == View::Sweep => {
            // The live and results panels are not on screen here: the keys stay where they act.
            view.focus = Panel::Settings;
            view.notice = Some(Notice::Info(
                "this view has no other panel: the arrows move in the settings (teach mode: the methods)"
                    .into(),
            ));
            Intent::Done
        }
        Action::NextPanel | Action::PreviousPanel => {
            view.focus = view.focus.step(action == Action::NextPanel);
            Intent::Done
        }
        // Teach mode shows no settings: the arrows choose the method explained.
        Action::Up | Action::Down if in_settings && !view.teach => {
            form.move_cursor(view.mode, action == Action::Down);
            Intent::Done
        }
        Action::Up | Action::Down if view.mode == View::Sweep && view.focus == Panel::Live => {
            scroll_crossings(view, step_of(action).unwrap_or(0));
            Intent::Done
        }
        Action::Up | Action::Down => Intent::MoveViewed(if action == Action::Down { 1 } else { -1 }),
        Action::PageUp | Action::PageDown | Action::First | Action::Last => page_key(action, view, form),
        Action::Predict if !view.teach => refuse(view, "g predicts in teach mode: p opens it"),
        Action::Predict if form.settings.methods.len() < 2 => refuse(
            view,
            "a prediction needs two methods or more: choose them (p leaves teach mode)",
        ),
        Action::Predict => {
            view.quiz = Some(Quiz::new(&form.settings.methods));
            view.notice = Some(Notice::Info(
                "predict: order the methods fastest first, type the slowest/fastest ratio if you like, Enter locks it in"
                    .into(),
            ));
            Intent::Done
        }
        Action::Decrease | Action::Increase if in_settings => {
            say(view, form.change(row, action == Action::Increase))
        }
        Action::Decrease | Action::Increase => Intent::Done,
        Action::Toggle => match row {
            Row::Method(index) if in_settings => say(view, form.toggle_method(index)),
            _ => refuse(view, "Space chooses a method: move to one in the settings panel"),
        },
        Action::Type => match row {
            Row::Method(index) if in_settings => say(view, form.toggle_method(index)),
            row if in_settings && row.typed() => {
                form.edit = Some(Edit {
                    row,
                    text: String::new(),
                });
                Intent::Done
            }
            _ => Intent::Done,
        },
        Action::Teach => Intent::Teach,
        Action::Export if view.teach => Intent::Handout,
        Action::Export => Intent::Export,
        Action::Sweep => {
            view.mode = match view.mode {
                View::Run => View::Sweep,
                View::Sweep => View::Run,
            };
            form.show(view.mode);
            view.notice = Some(Notice::Info(match view.mode {
                View::Sweep => format!(
                    "sweep view: r runs the chosen methods at {} (with the fork and memcpy floors); s goes back",
                    form.range.describe()
                ),
                View::Run => "run view: r runs the chosen methods at one size".into(),
            }));
            Intent::Done
        }
        Action::Present => {
            view.teach = !view.teach;
            view.teach_scroll = 0;
            Intent::Done
        }
        Action::ResultsView => {
            view.results = view.results.next();
            view.notice = Some(Notice::Info(format!(
                "the results show {} (v for the next)",
                view.results.name()
            )));
            Intent::Done
        }
        Action::Baseline => {
            view.prompt = Some(String::new());
            Intent::Done
        }
    }
}

/// Puts what the form said, if anything, on the status line.
fn say(view: &mut ViewState, notice: Option<Notice>) -> Intent {
    if notice.is_some() {
        view.notice = notice;
    }
    Intent::Done
}

fn refuse(view: &mut ViewState, why: impl Into<String>) -> Intent {
    view.notice = Some(Notice::Refused(why.into()));
    Intent::Done
}

/// Typing a baseline file's path: any character, Enter loads, Esc drops.
fn prompt_key(key: KeyEvent, view: &mut ViewState) -> Intent {
    let Some(text) = view.prompt.as_mut() else {
        return Intent::Done;
    };
    match key.code {
        KeyCode::Esc => {
            view.prompt = None;
            Intent::Done
        }
        KeyCode::Backspace => {
            text.pop();
            Intent::Done
        }
        KeyCode::Enter if text.trim().is_empty() => {
            view.prompt = None;
            Intent::DropBaseline
        }
        KeyCode::Enter => {
            let path = PathBuf::from(text.trim());
            view.prompt = None;
            Intent::LoadBaseline(path)
        }
        KeyCode::Char(c) if text.chars().count() < MAX_PATH => {
            text.push(c);
            Intent::Done
        }
        KeyCode::Char(_) => refuse(view, format!("a path of at most {MAX_PATH} characters")),
        _ => refuse(view, "finish typing the path first: Enter loads it, Esc drops it"),
    }
}

/// A digit on a value row starts typing a value.
fn unbound_key(key: KeyEvent, view: &mut ViewState, form: &mut Form) -> Intent {
    let row = form.row(view.mode);
    match key.code {
        KeyCode::Char(c) if c.is_ascii_digit() && view.focus == Panel::Settings && row.typed() => {
            form.edit = Some(Edit {
                row,
                text: c.to_string(),
            });
            Intent::Done
        }
        KeyCode::Char(c) if c.is_ascii_digit() => refuse(
            view,
            "to type a value, move to size, repeats or warm-up in the settings panel",
        ),
        _ => Intent::Done,
    }
}

/// Opens `overlay`, scrolled to its top; how far it scrolls is learnt when it is drawn.
pub fn open(view: &mut ViewState, overlay: Overlay) {
    view.overlay = Some(overlay);
    view.drawn.set_limits(|limits| limits.overlay = None);
}

/// Lines (or rows) an action moves: one, a page, or to either end.
pub fn step_of(action: Action) -> Option<i32> {
    match action {
        Action::Up => Some(-1),
        Action::Down => Some(1),
        Action::PageUp => Some(-PAGE),
        Action::PageDown => Some(PAGE),
        Action::First => Some(i32::MIN),
        Action::Last => Some(i32::MAX),
        _ => None,
    }
}

/// `scroll` moved `step` lines, between the top and `limit`.
pub fn scrolled(scroll: u16, step: i32, limit: u16) -> u16 {
    (i64::from(scroll) + i64::from(step)).clamp(0, i64::from(limit)) as u16
}

/// Scrolls the open overlay `step` lines, stopping at the end of its text.
pub fn scroll_overlay(view: &mut ViewState, step: i32) {
    let Some(overlay) = view.overlay else { return };
    // Before it is drawn, its source's lines bound it.
    let limit = view.drawn.limits().overlay.unwrap_or_else(|| {
        let lines = match overlay {
            Overlay::Help { .. } => keymap::BINDINGS.len(),
            Overlay::Teaching { method, .. } => method.teaching().lines().count(),
        };
        u16::try_from(lines).unwrap_or(u16::MAX)
    });
    view.overlay = Some(overlay.with_scroll(scrolled(overlay.scroll(), step, limit)));
}

/// Scrolls teach mode's teaching text `step` lines, stopping at its end.
pub fn scroll_teaching(view: &mut ViewState, step: i32) {
    // Nothing is on screen to scroll before the first frame; the view bounds it anyway.
    let limit = view.drawn.limits().teach.unwrap_or(u16::MAX);
    view.teach_scroll = scrolled(view.teach_scroll, step, limit);
}

/// Scrolls the sweep chart's crossings `step` lines, stopping at the last.
pub fn scroll_crossings(view: &mut ViewState, step: i32) {
    let limit = view.drawn.limits().crossings.unwrap_or(u16::MAX);
    view.chart_scroll = scrolled(view.chart_scroll, step, limit);
}

/// PgUp, PgDn, Home and End: teach mode's text; the sweep view's crossings; else the list
/// with the keys (the settings' rows, or the run's methods).
fn page_key(action: Action, view: &mut ViewState, form: &mut Form) -> Intent {
    let step = step_of(action).unwrap_or(0);
    if view.teach {
        scroll_teaching(view, step);
        return Intent::Done;
    }
    let paging = matches!(action, Action::PageUp | Action::PageDown);
    if view.mode == View::Sweep && (paging || view.focus == Panel::Live) {
        scroll_crossings(view, step);
        return Intent::Done;
    }
    if view.focus != Panel::Settings {
        return Intent::MoveViewed(step);
    }
    let rows = Row::of(view.mode).len();
    let moves = usize::try_from(step.unsigned_abs())
        .unwrap_or(usize::MAX)
        .min(rows);
    for _ in 0..moves {
        form.move_cursor(view.mode, step > 0);
    }
    Intent::Done
}

/// Keys while the class predicts in teach mode; `None` where no prediction is being made.
fn quiz_key(key: KeyEvent, action: Option<Action>, view: &mut ViewState) -> Option<Intent> {
    let quiz = view
        .quiz
        .as_mut()
        .filter(|quiz| quiz.stage == Stage::Predicting)?;
    if !view.teach || action == Some(Action::Help) {
        return None;
    }
    if action == Some(Action::Run) {
        return Some(refuse(
            view,
            "Enter locks the prediction in first; then r runs and reveals",
        ));
    }
    Some(match quiz.key(key) {
        QuizKey::Done => Intent::Done,
        QuizKey::Refused(why) => refuse(view, why),
        QuizKey::Closed => {
            view.quiz = None;
            view.notice = Some(Notice::Info("prediction dropped (g predicts again)".into()));
            Intent::Done
        }
    })
}

fn overlay_key(view: &mut ViewState, overlay: Overlay, action: Option<Action>) {
    match (overlay, action) {
        (Overlay::Help { .. }, Some(Action::Help))
        | (Overlay::Teaching { .. }, Some(Action::Teach))
        | (_, Some(Action::Cancel)) => view.overlay = None,
        (_, Some(Action::Help)) => open(view, Overlay::Help { scroll: 0 }),
        (_, Some(action)) if step_of(action).is_some() => {
            scroll_overlay(view, step_of(action).unwrap_or(0));
        }
        _ => view.notice = Some(Notice::Info("Esc closes the overlay".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::method;
    use crate::tui::model::app::Effect;
    use crate::tui::model::fake::{self, app_at, press, press_code, refused, row};
    use crate::tui::model::view::ResultsView;

    #[test]
    fn teach_mode_refuses_keys_that_would_change_hidden_settings() {
        let mut app = app_at(row("size"));
        press(&mut app, "p");
        let settings = app.form.settings.clone();
        for keys in ["+", "-", " ", "4"] {
            press(&mut app, keys);
            assert!(refused(&app).contains("teach mode"), "{keys:?}");
            assert_eq!(app.form.settings, settings, "{keys:?} changed the settings");
        }
        press(&mut app, "p");
        press(&mut app, "+");
        assert_ne!(app.form.settings, settings, "out of teach mode + works again");
    }

    #[test]
    fn overlays_scroll_no_further_than_their_text() {
        let mut app = app_at(row("size"));
        press(&mut app, "?");
        for _ in 0..500 {
            press(&mut app, "j");
        }
        let Some(Overlay::Help { scroll }) = app.view.overlay else {
            panic!("the help is open: {:?}", app.view.overlay)
        };
        assert!(usize::from(scroll) <= keymap::BINDINGS.len(), "{scroll}");
        for _ in 0..usize::from(scroll) {
            press(&mut app, "k");
        }
        assert!(matches!(app.view.overlay, Some(Overlay::Help { scroll: 0 })));
    }

    #[test]
    fn tab_cycles_the_panels_and_the_cursor_stays_on_the_rows() {
        let mut app = app_at(Row::Method(0));
        press_code(&mut app, KeyCode::Tab);
        assert_eq!(app.view.focus, Panel::Live);
        press_code(&mut app, KeyCode::Tab);
        press_code(&mut app, KeyCode::Tab);
        assert_eq!(app.view.focus, Panel::Settings);
        press_code(&mut app, KeyCode::BackTab);
        assert_eq!(app.view.focus, Panel::Results);
        press_code(&mut app, KeyCode::Tab);
        press(&mut app, "kkk");
        assert_eq!(app.form.cursor, Row::Method(0));
        press(&mut app, &"j".repeat(50));
        assert_eq!(app.row(), row("wake"));
        press_code(&mut app, KeyCode::Up);
        assert_eq!(app.row(), row("message"));
    }

    #[test]
    fn help_and_teaching_overlays_open_and_close() {
        let mut app = app_at(Row::Method(0));
        press(&mut app, "?");
        assert_eq!(app.view.overlay, Some(Overlay::Help { scroll: 0 }));
        press(&mut app, "jj");
        assert_eq!(app.view.overlay, Some(Overlay::Help { scroll: 2 }));
        press(&mut app, "r");
        assert!(
            app.runs.run.is_none(),
            "keys other than quit wait while an overlay is open"
        );
        press(&mut app, "?");
        assert_eq!(app.view.overlay, None);
        press(&mut app, "t");
        assert_eq!(
            app.view.overlay,
            Some(Overlay::Teaching {
                method: method::ALL[0],
                scroll: 0
            })
        );
        press_code(&mut app, KeyCode::Esc);
        assert_eq!(app.view.overlay, None);
    }

    #[test]
    fn v_cycles_the_results_views_and_p_toggles_teach_mode() {
        let mut app = app_at(row("size"));
        press(&mut app, "r");
        fake::run(&mut app, 1, &fake::plan(), &[3_000_000, 400_000], 2, 0);
        for expected in [ResultsView::Throughput, ResultsView::Kernel, ResultsView::Times] {
            press(&mut app, "v");
            assert_eq!(app.view.results, expected);
        }
        let usage = app.runs.run.as_ref().unwrap().methods[0]
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
        assert!(app.view.teach);
        press(&mut app, "kk");
        assert_eq!(
            app.view.viewed,
            Some(0),
            "in teach mode the arrows choose the method"
        );
        assert_eq!(app.row(), row("size"), "and leave the settings alone");
        press(&mut app, "p");
        assert!(!app.view.teach);
    }

    #[test]
    fn s_switches_to_the_sweep_view_where_r_sweeps_with_the_floors() {
        let mut app = app_at(row("size"));
        press(&mut app, "s");
        assert_eq!(app.view.mode, View::Sweep);
        assert_eq!(app.row(), Row::From, "the size row stands for the range");
        press(&mut app, "j+");
        assert_eq!(app.form.range.to, 8 << 20);
        press(&mut app, "j-");
        assert_eq!(app.form.range.factor, 2.0);
        press(&mut app, "j");
        assert_eq!(app.row(), row("repeats"));
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
        assert_eq!(
            app.view.focus,
            Panel::Settings,
            "the sweep view has no other panel"
        );
        press(&mut app, "s");
        assert_eq!(app.view.mode, View::Run);
        assert_eq!(press(&mut app, "r").len(), 1);
    }

    #[test]
    fn o_asks_for_a_baseline_path_and_a_bad_file_is_said_not_crashed_on() {
        let mut app = app_at(row("size"));
        press(&mut app, "o");
        assert_eq!(app.view.prompt.as_deref(), Some(""));
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
        assert_eq!(app.view.prompt, None);
        app.baseline_loaded(Err("cannot read a b.json: No such file".into()));
        assert!(refused(&app).contains("no baseline loaded: cannot read a b.json"));
        assert!(app.runs.baseline.is_none());

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
            assert!(app.runs.baseline.is_none());
        }

        press(&mut app, "o");
        press_code(&mut app, KeyCode::Esc);
        assert_eq!(app.view.prompt, None);
        assert_eq!(press(&mut app, "q"), vec![Effect::Quit], "keys work again");
    }
}
