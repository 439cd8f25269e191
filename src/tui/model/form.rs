//! The settings form: the rows of the settings panel, the value being typed, the steps `+`
//! and `-` go through, and the checks a value passes before the next run takes it. Every
//! place that knows the rows one by one is in "The rows" below, side by side.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::sweep::{plan_sweep, SweepRange};
use super::view::{Notice, View};
use crate::bench::env::Environment;
use crate::bench::method;
use crate::bench::plan::{Plan, Size};
use crate::bench::setting::{self, Setting, Typing};

/// Factors between a sweep's sizes that `+` and `-` step through; any other can be typed.
const FACTOR_STEPS: [f64; 5] = [1.5, 2.0, 4.0, 8.0, 16.0];

/// The longest value one may type.
const MAX_TYPED: usize = 16;

/// One row of the settings panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    /// A method, by its place in `method::every()` (ipcscope's, then the Python family).
    Method(usize),
    /// A setting, by its place in `setting::ALL`: what it shows, steps and parses is its
    /// description's.
    Setting(usize),
    /// The sweep's smallest size, largest size, and the factor between steps: in the sweep
    /// view they stand where the settings a sweep has no place for (the size) stand in a run.
    From,
    To,
    Factor,
}

// ---- The rows: the methods, the settings' descriptions, and the sweep's range. ----

impl Row {
    /// Every row of `view`: each method the core has, then each setting the explorer shows
    /// (a sweep's range in place of the settings a sweep does not have).
    pub fn of(view: View) -> Vec<Row> {
        let mut rows: Vec<Row> = (0..method::every().count()).map(Row::Method).collect();
        for (index, setting) in setting::ALL.iter().enumerate() {
            match view {
                _ if !setting.in_explorer() => {}
                View::Sweep if !setting.in_sweep() => rows.extend([Row::From, Row::To, Row::Factor]),
                _ => rows.push(Row::Setting(index)),
            }
        }
        rows
    }

    /// The row of the setting `id`.
    pub fn setting(id: &str) -> Option<Row> {
        setting::ALL
            .iter()
            .position(|setting| setting.id() == id)
            .map(Row::Setting)
    }

    fn described(self) -> Option<&'static dyn Setting> {
        match self {
            Row::Setting(index) => setting::ALL.get(index).copied(),
            _ => None,
        }
    }

    /// The row's name on screen: a method's id, or the value's label.
    pub fn label(self) -> &'static str {
        match self {
            Row::Method(index) => method::listed(index).map_or("", |method| method.id()),
            Row::Setting(_) => self.described().map_or("", |setting| setting.label()),
            Row::From => "from",
            Row::To => "to",
            Row::Factor => "factor",
        }
    }

    /// What the row means, shown below the rows.
    pub fn about(self) -> String {
        match self {
            Row::Method(index) => method::listed(index).map_or_else(String::new, |method| {
                format!("{}: {} (t: more)", method.id(), method.summary())
            }),
            Row::Setting(_) => self
                .described()
                .map_or_else(String::new, |setting| setting.about().into()),
            Row::From => "The sweep's first (smallest) size. +/- step; type e.g. 4KiB.".into(),
            Row::To => "The sweep's largest size: it stops at the last step not above it.".into(),
            Row::Factor => "Each size of the sweep is this many times the last (> 1).".into(),
        }
    }

    fn typed_as(self) -> Option<Typing> {
        match self {
            Row::Method(_) => None,
            Row::Setting(_) => self.described()?.typing(),
            Row::From | Row::To => Some(Typing::Size),
            Row::Factor => Some(Typing::Factor),
        }
    }

    /// Whether a value can be typed into the row.
    pub fn typed(self) -> bool {
        self.typed_as().is_some()
    }

    /// A row's counterpart in the other view: a setting the sweep has not and the sweep's
    /// range stand for each other.
    pub fn in_view(self, view: View) -> Row {
        let replaced = |row: Row| row.described().is_some_and(|setting| !setting.in_sweep());
        match (self, view) {
            (row, View::Sweep) if replaced(row) => Row::From,
            (Row::From | Row::To | Row::Factor, View::Run) => Row::of(View::Run)
                .into_iter()
                .find(|&row| replaced(row))
                .unwrap_or(Row::Method(0)),
            (row, _) => row,
        }
    }
}

impl Form {
    /// The value a row shows.
    pub fn value(&self, row: Row) -> String {
        match row {
            Row::Method(index) => {
                let chosen =
                    method::listed(index).is_some_and(|method| self.settings.methods.contains(&method));
                if chosen { "[x]" } else { "[ ]" }.into()
            }
            Row::Setting(_) => row
                .described()
                .map_or_else(String::new, |setting| setting.show(&self.settings)),
            Row::From => Size(self.range.from).to_string(),
            Row::To => Size(self.range.to).to_string(),
            Row::Factor => format!("×{}", self.range.factor),
        }
    }

    /// `+` (`up`) or `-` on a row: the next step, if the settings can run with it. A choice
    /// moves on past the values these settings cannot run with, saying which it skipped.
    pub fn change(&mut self, row: Row, up: bool) -> Option<Notice> {
        let mut range = self.range;
        match row {
            Row::Method(index) => self.toggle_method(index),
            Row::Setting(_) => {
                let setting = row.described()?;
                let tries = setting.choices().len().max(2) - 1;
                let mut candidate = self.settings.clone();
                let mut skipped = Vec::new();
                for _ in 0..tries {
                    if let Err(why) = setting.step(&mut candidate, up) {
                        return refuse(why);
                    }
                    match self.check(&candidate) {
                        Ok(()) => {
                            self.settings = candidate;
                            return skipped
                                .first()
                                .map(|(value, why)| Notice::Info(format!("skipped {value}: {why}")));
                        }
                        Err(why) => skipped.push((setting.show(&candidate), why)),
                    }
                }
                match skipped.first() {
                    Some((value, why)) if !setting.choices().is_empty() => refuse(format!(
                        "no other value can run with these settings ({value}: {why})"
                    )),
                    Some((_, why)) => refuse(why.clone()),
                    None => None,
                }
            }
            Row::From | Row::To => {
                let bound = if row == Row::From {
                    &mut range.from
                } else {
                    &mut range.to
                };
                match setting::step_size(*bound, up) {
                    Ok(size) => *bound = size,
                    Err(why) => return refuse(why),
                }
                self.try_range(range)
            }
            Row::Factor => {
                let Some(factor) = setting::next_step(&FACTOR_STEPS, range.factor, up) else {
                    return refuse("no further step that way; type a factor, e.g. 3 or 1.5");
                };
                range.factor = factor;
                self.try_range(range)
            }
        }
    }

    /// Applies the value typed, if it parses and the settings can run with it; a refused
    /// value stays in the box, to be mended.
    fn commit_edit(&mut self) -> Option<Notice> {
        let edit = self.edit.clone()?;
        let mut candidate = self.settings.clone();
        let mut range = self.range;
        let parsed = match edit.row {
            Row::Setting(_) => edit
                .row
                .described()
                .map_or(Ok(()), |setting| setting.parse(&edit.text, &mut candidate)),
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
            Row::Method(_) => Ok(()),
        };
        let checked = match edit.row {
            Row::From | Row::To | Row::Factor => plan_sweep(&candidate, range, &self.environment).map(drop),
            _ => self.check(&candidate),
        };
        if let Err(problem) = parsed.and(checked) {
            return refuse(problem);
        }
        self.settings = candidate;
        self.range = range;
        self.edit = None;
        None
    }
}

// ---- The form's workings, the same for every row. ----

/// A value being typed into a settings row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub row: Row,
    pub text: String,
    /// A character just refused: until Backspace takes it back (or Esc drops the value),
    /// nothing more is typed or applied, so `1e3` never quietly becomes `13`.
    pub refused: Option<char>,
}

impl Edit {
    pub fn new(row: Row, text: String) -> Edit {
        Edit {
            row,
            text,
            refused: None,
        }
    }

    /// What the text typed so far reads as, for the status line.
    pub fn reading(&self) -> String {
        self.row
            .typed_as()
            .map_or_else(String::new, |typed| typed.reading(&self.text))
    }
}

/// The settings the next run or sweep will use, as the settings panel edits them.
pub struct Form {
    /// What the next run will use.
    pub settings: Plan,
    /// The sizes `r` sweeps over in the sweep view.
    pub range: SweepRange,
    /// The machine the values are checked against.
    pub environment: Environment,
    /// The settings row under the cursor.
    pub cursor: Row,
    pub edit: Option<Edit>,
}

impl Form {
    pub fn new(settings: Plan, environment: Environment) -> Form {
        Form {
            settings,
            range: SweepRange::default(),
            environment,
            cursor: Row::Method(0),
            edit: None,
        }
    }

    /// The settings row under the cursor, as `view` has it.
    pub fn row(&self, view: View) -> Row {
        self.cursor.in_view(view)
    }

    /// Keeps the cursor on the row that stands for it in `view`.
    pub fn show(&mut self, view: View) {
        self.cursor = self.cursor.in_view(view);
    }

    pub fn move_cursor(&mut self, view: View, down: bool) {
        let rows = Row::of(view);
        let at = rows.iter().position(|&row| row == self.row(view)).unwrap_or(0);
        let next = if down {
            (at + 1).min(rows.len() - 1)
        } else {
            at.saturating_sub(1)
        };
        self.cursor = rows[next];
    }

    /// Whether `plan` can run here.
    pub fn check(&self, plan: &Plan) -> Result<(), String> {
        if plan.methods.is_empty() {
            return Err("choose at least one method (Space on a method)".into());
        }
        plan.check_as_asked(&self.environment)
    }

    /// Applies a change to the settings if the result can run here; otherwise says why not.
    fn try_settings(&mut self, candidate: Plan) -> Option<Notice> {
        match self.check(&candidate) {
            Ok(()) => {
                self.settings = candidate;
                None
            }
            Err(problem) => refuse(problem),
        }
    }

    /// Applies a sweep range if it makes a sweep that can run here; otherwise says why not.
    fn try_range(&mut self, range: SweepRange) -> Option<Notice> {
        match plan_sweep(&self.settings, range, &self.environment) {
            Ok(_) => {
                self.range = range;
                None
            }
            Err(problem) => refuse(problem),
        }
    }

    pub fn toggle_method(&mut self, index: usize) -> Option<Notice> {
        let method = method::listed(index)?;
        let mut candidate = self.settings.clone();
        if let Some(at) = candidate.methods.iter().position(|&chosen| chosen == method) {
            if candidate.methods.len() == 1 {
                return refuse("at least one method must stay chosen");
            }
            candidate.methods.remove(at);
        } else {
            candidate.methods.push(method);
        }
        self.try_settings(candidate)
    }

    /// A key while a value is typed: Enter applies, Esc drops, a character that cannot belong
    /// is refused on the spot.
    pub fn edit_key(&mut self, key: KeyEvent) -> Option<Notice> {
        let edit = self.edit.as_mut()?;
        match key.code {
            KeyCode::Esc => {
                self.edit = None;
                None
            }
            // Backspace first takes back the character refused, which the text never held.
            KeyCode::Backspace if edit.refused.take().is_some() => None,
            KeyCode::Backspace => {
                edit.text.pop();
                None
            }
            _ if edit.refused.is_some() => {
                let refused = edit.refused.unwrap_or_default();
                refuse(format!(
                    "'{}{refused}' cannot be a value: Backspace takes back the '{refused}', Esc drops it all",
                    edit.text
                ))
            }
            KeyCode::Enter => self.commit_edit(),
            KeyCode::Char(c) => {
                let mut text = edit.text.clone();
                text.push(c);
                if text.len() > MAX_TYPED {
                    return refuse("that is long enough: Enter applies it, Esc drops it");
                }
                let typed = edit.row.typed_as()?;
                if !typed.plausible(&text) {
                    edit.refused = Some(c);
                    let allowed = typed.allowed();
                    return refuse(format!("'{c}' does not belong there; allowed: {allowed}"));
                }
                edit.text = text;
                None
            }
            _ => refuse("finish typing first: Enter applies, Esc drops"),
        }
    }
}

fn refuse(why: impl Into<String>) -> Option<Notice> {
    Some(Notice::Refused(why.into()))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::bench::plan::{Codec, PayloadKind};
    use crate::tui::event::Message;
    use crate::tui::model::app::{App, Effect};
    use crate::tui::model::fake::{self, app_at, press, press_code, refused, row};
    use crate::tui::model::view::Panel;

    #[test]
    fn every_method_of_the_core_is_a_settings_row() {
        let rows = Row::of(View::Run);
        assert_eq!(
            Row::of(View::Sweep).len(),
            rows.len() + 2,
            "from, to, factor for size"
        );
        for (index, method) in method::every().enumerate() {
            assert_eq!(rows[index], Row::Method(index), "{}", method.id());
        }
        // ipcscope's methods, the Python family's, then the ten settings.
        assert_eq!(rows.len(), method::ALL.len() + method::PYTHON.len() + 10);
    }

    #[test]
    fn space_toggles_methods_but_never_the_last_one() {
        let mut app = app_at(Row::Method(0));
        let argument = method::find("argument").unwrap();
        app.form.cursor = Row::Method(method::ALL.iter().position(|&m| m == argument).unwrap());
        press(&mut app, " ");
        assert_eq!(app.form.settings.methods.last().copied(), Some(argument));
        press(&mut app, " ");
        assert!(!app.form.settings.methods.contains(&argument));

        app.form.settings.methods = vec![argument];
        press(&mut app, " ");
        assert_eq!(app.form.settings.methods, vec![argument]);
        assert!(refused(&app).contains("at least one method"));
    }

    #[test]
    fn plus_and_minus_step_sizes_and_repeats() {
        let mut app = app_at(row("size"));
        press(&mut app, "+");
        assert_eq!(app.form.settings.size, 128 << 10);
        press(&mut app, "--");
        assert_eq!(app.form.settings.size, 32 << 10);
        press_code(&mut app, KeyCode::Right);
        assert_eq!(app.form.settings.size, 64 << 10);

        let mut app = app_at(row("repeats"));
        press(&mut app, "+l");
        assert_eq!(app.form.settings.repeats, 20);
        press(&mut app, "h-----");
        assert_eq!(app.form.settings.repeats, 1);
        assert!(refused(&app).contains("no further step"));

        let mut app = app_at(row("warmup"));
        press(&mut app, "--");
        assert_eq!(app.form.settings.warmup, 0);
        assert!(refused(&app).contains("already 0"));
    }

    #[test]
    fn a_typed_size_is_applied_and_nonsense_is_refused_on_the_spot() {
        let mut app = app_at(row("size"));
        press(&mut app, "12Mx");
        assert!(refused(&app).contains("'x' does not belong there"));
        assert_eq!(app.form.edit.as_ref().map(|e| e.text.as_str()), Some("12M"));
        // Until Backspace takes the refused 'x' back, nothing more is typed.
        press(&mut app, "i");
        assert!(refused(&app).contains("Backspace takes back the 'x'"));
        press_code(&mut app, KeyCode::Backspace);
        assert_eq!(app.form.edit.as_ref().map(|e| e.text.as_str()), Some("12M"));
        press(&mut app, "iB");
        assert_eq!(press_code(&mut app, KeyCode::Enter), None);
        assert_eq!(app.form.settings.size, 12 << 20);
        assert_eq!(app.form.edit, None);

        press(&mut app, "1.5.");
        assert!(refused(&app).contains("'.'"));
        press_code(&mut app, KeyCode::Esc);
        assert_eq!((app.form.edit.clone(), app.form.settings.size), (None, 12 << 20));
    }

    #[test]
    fn a_refused_character_is_never_silently_skipped() {
        // 1e3 is not a size the command line takes either: it must not become 13 B.
        let mut app = app_at(row("size"));
        let before = app.form.settings.size;
        press(&mut app, "1e3");
        let said = refused(&app);
        assert!(said.contains("'1e' cannot be a value"), "{said}");
        assert_eq!(app.form.edit.as_ref().map(|e| e.text.as_str()), Some("1"));
        assert_eq!(press_code(&mut app, KeyCode::Enter), None);
        assert!(refused(&app).contains("cannot be a value"));
        assert_eq!(app.form.settings.size, before, "nothing applied");

        // - while typing is refused, never a step of the size.
        press_code(&mut app, KeyCode::Esc);
        press(&mut app, "4-");
        assert!(refused(&app).contains("'-' does not belong there"));
        assert_eq!(app.form.settings.size, before, "- did not step the size");
        press_code(&mut app, KeyCode::Esc);

        // A letter that cannot start a value says so.
        press(&mut app, "a");
        assert!(refused(&app).contains("'a' cannot start a value"));
        assert_eq!(app.form.edit, None);
    }

    #[test]
    fn a_typed_count_is_checked_and_stays_to_be_mended() {
        let mut app = app_at(row("repeats"));
        press(&mut app, "0");
        press_code(&mut app, KeyCode::Enter);
        assert!(refused(&app).contains("at least 1"));
        assert_eq!(app.form.edit.as_ref().map(|e| e.text.as_str()), Some("0"));
        assert_eq!(app.form.settings.repeats, 5);
        press_code(&mut app, KeyCode::Backspace);
        press(&mut app, "250");
        press_code(&mut app, KeyCode::Enter);
        assert_eq!(app.form.settings.repeats, 250);

        // Other keys wait until the typing is done; q is a character typed (here refused),
        // and only Ctrl-C quits.
        press(&mut app, "7");
        press_code(&mut app, KeyCode::Tab);
        assert!(refused(&app).contains("finish typing"));
        assert_eq!(app.view.focus, Panel::Settings);
        assert_eq!(press(&mut app, "q"), vec![]);
        assert!(refused(&app).contains("'q' does not belong there"));
        assert_eq!(app.form.edit.as_ref().map(|e| e.text.as_str()), Some("7"));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(app.update(Message::Key(ctrl_c)), Some(Effect::Quit));
    }

    #[test]
    fn cycling_skips_values_the_plan_cannot_run_with() {
        let mut app = app_at(row("codec"));
        press(&mut app, "++");
        assert_eq!(app.form.settings.codec, Codec::Raw);
        app.form.cursor = row("payload");
        press(&mut app, "+");
        assert_eq!(app.form.settings.payload, PayloadKind::Bytes);
        press(&mut app, "+");
        assert_eq!(
            app.form.settings.payload,
            PayloadKind::Ints,
            "records cannot go raw"
        );
        assert!(matches!(&app.view.notice, Some(Notice::Info(text)) if text.contains("skipped records")));
    }

    #[test]
    fn a_size_the_machine_cannot_hold_is_refused_on_the_spot() {
        let small = Environment {
            memory_available: 1 << 20,
            ..Environment::default()
        };
        let mut app = App::new(fake::plan(), small, Instant::now());
        app.form.cursor = row("size");
        press(&mut app, "+++");
        assert_eq!(
            app.form.settings.size,
            256 << 10,
            "512 KiB needs four copies: 1 MiB is not enough"
        );
        assert!(refused(&app).contains("choose a smaller"));
        press(&mut app, "2MB");
        press_code(&mut app, KeyCode::Enter);
        assert!(refused(&app).contains("2 MB"));
        assert_eq!(app.form.settings.size, 256 << 10);
    }

    /// Presses Enter on the row, types `text` one key at a time until a key is refused, and
    /// presses Enter if none was; gives the refusal.
    fn type_into(app: &mut App, text: &str) -> Option<String> {
        press_code(app, KeyCode::Enter);
        for c in text.chars() {
            press(app, &c.to_string());
            if let Some(Notice::Refused(why)) = &app.view.notice {
                return Some(why.clone());
            }
        }
        press_code(app, KeyCode::Enter);
        match &app.view.notice {
            Some(Notice::Refused(why)) => Some(why.clone()),
            _ => None,
        }
    }

    #[test]
    fn bad_typed_values_are_refused_with_a_short_message_and_change_nothing() {
        let cases: [(Row, &str, &str); 17] = [
            (row("size"), "8XB", "'X' does not belong there"),
            (row("size"), "-1", "'-' does not belong there"),
            (row("size"), "0", "at least 1 byte"),
            (row("size"), "abc", "'a' does not belong there"),
            (row("size"), "1.2.", "'.' does not belong there"),
            (row("size"), "0.3B", "not a whole number of bytes"),
            (row("size"), "99999999999GiB", "too large"),
            (row("size"), "9999999999GiB", "choose a smaller"),
            (row("repeats"), "0", "at least 1"),
            (row("repeats"), "abc", "'a' does not belong there"),
            (row("repeats"), "2000000", "at most 1000000"),
            (row("warmup"), "-1", "'-' does not belong there"),
            (row("warmup"), "99999999999", "at most 4294967295"),
            (Row::From, "0", "at least 1 byte"),
            (Row::To, "1KiB", "larger than --to"),
            (Row::Factor, "1", "greater than 1"),
            (Row::Factor, "x", "'x' does not belong there"),
        ];
        for (row, text, expected) in cases {
            let mut app = app_at(row);
            if matches!(row, Row::From | Row::To | Row::Factor) {
                press(&mut app, "s");
                app.form.cursor = row;
            }
            let (settings, range) = (app.form.settings.clone(), app.form.range);
            let refusal =
                type_into(&mut app, text).unwrap_or_else(|| panic!("{row:?} {text:?} was accepted"));
            assert!(refusal.contains(expected), "{row:?} {text:?}: {refusal}");
            assert!(
                refusal.chars().count() <= 200,
                "{row:?} {text:?}: not short: {refusal}"
            );
            assert_eq!(
                app.form.settings, settings,
                "{row:?} {text:?} changed the settings"
            );
            assert_eq!(
                app.form.range, range,
                "{row:?} {text:?} changed the sweep's range"
            );
            press_code(&mut app, KeyCode::Esc);
            assert_eq!(app.form.edit, None);
            assert_eq!((app.form.settings.clone(), app.form.range), (settings, range));
        }
    }
}
