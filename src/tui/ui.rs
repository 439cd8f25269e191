//! The view: lays the panels out on whatever size the terminal has.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::model::app::App;
use super::model::view::{Notice, Overlay, Panel, ResultsView, Target, View};
use super::panel::{chart, cow, failures, help, live, results, settings, teach, teaching};
use super::theme::{self, Theme};

/// Below this the panels would not be usable; the screen says so instead.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// The fewest lines the settings and live panels keep when the results table grows.
const TOP_HEIGHT: u16 = 12;

/// The whole screen; in ASCII mode a last pass leaves every cell ASCII, whatever a panel
/// drew.
pub fn draw(frame: &mut Frame, app: &App, theme: Theme) {
    app.view.drawn.clear();
    draw_screen(frame, app, theme);
    if theme.is_ascii() {
        theme::asciify(frame.buffer_mut());
    }
}

fn draw_screen(frame: &mut Frame, app: &App, theme: Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, theme);
        return;
    }
    // A long message (a refusal says what is allowed) takes a second line.
    let status = status_line(app, theme);
    let status_height = if status.width() > area.width as usize {
        2
    } else {
        1
    };
    let results_height = match app.view.mode {
        _ if app.view.teach => 0,
        View::Run => results::height(app).min(area.height - 1 - status_height - TOP_HEIGHT),
        View::Sweep => 0,
    };
    // The kernel view shows each child's page copies when the children write.
    let pages_height = match app.view.mode {
        View::Run if !app.view.teach && app.view.results == ResultsView::Kernel => {
            cow::height(app.runs.run.as_ref())
                .min((area.height - 1 - status_height - results_height).saturating_sub(TOP_HEIGHT))
        }
        _ => 0,
    };
    let [top, results_area, pages_area, status_area, keys_area] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(results_height),
        Constraint::Length(pages_height),
        Constraint::Length(status_height),
        Constraint::Length(1),
    ])
    .areas(area);
    let settings_width = if area.width >= 110 { 32 } else { 28 };
    let [settings_area, live_area] =
        Layout::horizontal([Constraint::Length(settings_width), Constraint::Fill(1)]).areas(top);

    let drawn = &app.view.drawn;
    if app.view.teach {
        teach::draw(frame, top, app, theme);
    } else {
        drawn.hit(settings_area, Target::Panel(Panel::Settings));
        settings::draw(frame, settings_area, app, theme);
        drawn.hit(live_area, Target::Panel(Panel::Live));
        match app.view.mode {
            View::Run => {
                live::draw(frame, live_area, app, theme);
                drawn.hit(results_area, Target::Panel(Panel::Results));
                results::draw(frame, results_area, app, theme);
                if let (Some(run), false) = (&app.runs.run, pages_area.is_empty()) {
                    cow::draw(frame, pages_area, run, theme);
                }
            }
            View::Sweep => chart::draw(frame, live_area, app, theme),
        }
    }
    frame.render_widget(Paragraph::new(status).wrap(Wrap { trim: true }), status_area);
    help::draw_bar(frame, keys_area, app.view.teach, theme);

    match app.view.overlay {
        Some(Overlay::Help { scroll }) => help::draw_overlay(frame, area, scroll, &app.view.drawn, theme),
        Some(Overlay::Teaching { method, scroll }) => {
            teaching::draw(frame, area, method, scroll, &app.view.drawn, theme)
        }
        Some(Overlay::Failures { scroll, .. }) => {
            failures::draw(frame, area, app.runs.run.as_ref(), scroll, theme)
        }
        None => {}
    }
}

fn too_small(frame: &mut Frame, area: Rect, theme: Theme) {
    let text = format!(
        "make the terminal at least {MIN_WIDTH}×{MIN_HEIGHT} (it is {}×{}); q quits",
        area.width, area.height
    );
    let height = (text.chars().count() as u16)
        .div_ceil(area.width.max(1))
        .min(area.height);
    let [_, middle, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(height),
        Constraint::Fill(1),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(text)
            .style(theme.warn())
            .centered()
            .wrap(Wrap { trim: true }),
        middle,
    );
}

/// What is being typed, the latest notice, or what `r` would run.
fn status_line(app: &App, theme: Theme) -> Line<'static> {
    if let Some(Notice::Refused(text)) = &app.view.notice {
        return Line::from(vec![
            Span::styled("✗ ", theme.bad()),
            Span::styled(text.clone(), theme.bad()),
        ]);
    }
    if let Some(path) = &app.view.prompt {
        let (what, keys) = app.view.prompt_for.prompt();
        return Line::from(vec![
            Span::styled(format!("{what} "), theme.key()),
            Span::raw(format!("{path}▏ · {keys}")),
        ]);
    }
    if let Some(edit) = &app.form.edit {
        let reading = edit.reading();
        return Line::from(vec![
            Span::styled("typing ", theme.key()),
            Span::raw(format!("{} {reading} · Enter applies, Esc drops", edit.text)),
        ]);
    }
    match &app.view.notice {
        Some(Notice::Info(text)) => {
            Line::from(vec![Span::styled("• ", theme.good()), Span::raw(text.clone())])
        }
        _ => {
            let ids = app.form.settings.method_ids();
            let what = match app.view.mode {
                View::Run => crate::bench::setting::describe(&app.form.settings),
                View::Sweep => format!(
                    "{} + floors · {} {} · n={} w={}",
                    ids.join(","),
                    app.form.range.describe(),
                    app.form.settings.payload.name(),
                    app.form.settings.repeats,
                    app.form.settings.warmup
                ),
            };
            let verb = match app.view.mode {
                View::Run => format!(" runs {} · ", ids.join(",")),
                View::Sweep => " sweeps ".into(),
            };
            Line::from(vec![
                Span::styled("r", theme.key()),
                Span::styled(format!("{verb}{what}"), theme.dim()),
            ])
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;

    use super::*;
    use crate::bench::plan::Plan;
    use crate::tui::event::Message;
    use crate::tui::model::fake;

    fn render(app: &App, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|frame| draw(frame, app, Theme::plain())).unwrap();
        terminal.backend().to_string()
    }

    /// Run 1 (64 KiB) finished; run 2 (128 KiB) has pipe done and inherit half-way, 2.5 s in.
    fn comparing() -> App {
        let base = std::time::Instant::now();
        let mut app = fake::app(base);
        let press =
            |app: &mut App, c| app.update(Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        press(&mut app, 'r');
        fake::run(&mut app, 1, &fake::plan(), &[3_000_000, 400_000], 2, 0);
        // The same experiment with more children: the run before stays comparable.
        app.form.cursor = fake::row("repeats");
        press(&mut app, '+');
        fake::tick(&mut app, fake::later(base, 10_000));
        press(&mut app, 'r');
        let plan = Plan {
            repeats: 10,
            ..fake::plan()
        };
        fake::run(&mut app, 2, &plan, &[5_200_000, 430_000], 1, 3);
        fake::tick(&mut app, fake::later(base, 12_500));
        app
    }

    #[test]
    fn a_run_beside_the_previous_one_at_120_by_40() {
        insta::assert_snapshot!(render(&comparing(), 120, 40));
    }

    #[test]
    fn a_run_of_another_size_is_not_compared_with_the_one_before() {
        let base = std::time::Instant::now();
        let mut app = fake::app(base);
        let press =
            |app: &mut App, c| app.update(Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        press(&mut app, 'r');
        fake::run(&mut app, 1, &fake::plan(), &[3_000_000, 400_000], 2, 0);
        app.form.cursor = fake::row("size");
        press(&mut app, '+');
        press(&mut app, 'r');
        let bigger = Plan {
            size: 128 << 10,
            ..fake::plan()
        };
        fake::run(&mut app, 2, &bigger, &[5_200_000, 430_000], 2, 0);
        let screen = render(&app, 120, 40);
        assert!(screen.contains("5.20 ms"), "{screen}");
        assert!(
            !screen.contains("3.00 ms") && !screen.contains("+73%"),
            "{screen}"
        );
    }

    #[test]
    fn the_compact_layout_at_80_by_24() {
        insta::assert_snapshot!(render(&comparing(), 80, 24));
    }

    #[test]
    fn before_any_run_at_80_by_24() {
        let mut app = fake::app(std::time::Instant::now());
        app.form.cursor = fake::row("repeats");
        insta::assert_snapshot!(render(&app, 80, 24));
    }

    #[test]
    fn the_help_overlay_at_80_by_24() {
        let mut app = comparing();
        app.update(Message::Key(KeyEvent::new(
            KeyCode::Char('?'),
            KeyModifiers::NONE,
        )));
        insta::assert_snapshot!(render(&app, 80, 24));
    }

    #[test]
    fn a_refusal_and_a_typed_value() {
        let mut app = fake::app(std::time::Instant::now());
        app.form.cursor = fake::row("size");
        for c in "12Mi".chars() {
            app.update(Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        }
        let typing = render(&app, 80, 24);
        assert!(typing.contains("[12Mi▏]"), "{typing}");
        assert!(typing.contains("typing 12Mi not a size yet"), "{typing}");
        app.update(Message::Key(KeyEvent::new(
            KeyCode::Char('z'),
            KeyModifiers::NONE,
        )));
        let refused = render(&app, 80, 24);
        assert!(
            refused.contains("✗ 'z' does not belong there; allowed: a number"),
            "{refused}"
        );
    }

    fn key(app: &mut App, c: char) -> Option<crate::tui::model::app::Effect> {
        app.update(Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)))
    }

    /// A sweep of pipe and shm from 4 KiB to 4 MiB (with the floors): four sizes done, the
    /// fifth under way.
    fn sweeping() -> App {
        let base = std::time::Instant::now();
        let mut app = fake::app(base);
        app.form.settings.methods = crate::bench::method::parse_list("pipe,shm").unwrap();
        // Six children a size: enough for the medians' intervals that crossings need.
        app.form.settings.repeats = 6;
        key(&mut app, 's');
        let Some(crate::tui::model::app::Effect::StartSweep { sweep, run }) = key(&mut app, 'r') else {
            panic!("r starts a sweep in the sweep view");
        };
        fake::sweep(&mut app, run, &sweep, 4);
        fake::tick(&mut app, fake::later(base, 7_300));
        app
    }

    #[test]
    fn the_sweep_chart_at_120_by_40() {
        let screen = render(&sweeping(), 120, 40);
        assert!(screen.contains("above 16 KiB, shm beats pipe"), "{screen}");
        insta::assert_snapshot!(screen);
    }

    #[test]
    fn the_sweep_chart_at_80_by_24() {
        insta::assert_snapshot!(render(&sweeping(), 80, 24));
    }

    /// An explorer on `plan` after run 1 finished with these medians, one per method.
    fn finished_run(plan: &Plan, medians: &[u64], base: std::time::Instant) -> App {
        let mut app = App::new(plan.clone(), crate::bench::env::Environment::default(), base);
        key(&mut app, 'r');
        fake::run(&mut app, 1, plan, medians, medians.len(), 0);
        app
    }

    /// The tutorial's four methods at 8 MB, done: teach mode with the conclusion.
    fn teaching() -> App {
        let base = std::time::Instant::now();
        let plan = Plan {
            size: 8_000_000,
            repeats: 5,
            warmup: 0,
            ..Plan::default()
        };
        let mut app = finished_run(&plan, &[2_100_000, 1_900_000, 61_000_000, 70_500_000], base);
        key(&mut app, 'p');
        // From pipe, the last to run, up to queue.
        key(&mut app, 'k');
        app
    }

    #[test]
    fn the_teaching_view_at_120_by_40() {
        let screen = render(&teaching(), 120, 40);
        assert!(
            screen.contains("Inheriting is 29.0× faster than sending through a queue here"),
            "{screen}"
        );
        assert!(screen.contains("queue: how it works"), "{screen}");
        insta::assert_snapshot!(screen);
    }

    #[test]
    fn the_teaching_view_at_80_by_24() {
        insta::assert_snapshot!(render(&teaching(), 80, 24));
    }

    /// pipe, inherit, fork and memcpy at 64 KiB, done.
    fn with_floors() -> App {
        let base = std::time::Instant::now();
        let plan = Plan {
            methods: crate::bench::method::parse_list("pipe,inherit,fork,memcpy").unwrap(),
            ..fake::plan()
        };
        finished_run(&plan, &[300_000, 120_000, 90_000, 6_500], base)
    }

    #[test]
    fn the_throughput_view_at_120_by_40() {
        let mut app = with_floors();
        key(&mut app, 'v');
        let screen = render(&app, 120, 40);
        assert!(
            screen.contains("limits at 64 KiB: memcpy 10.1 GB/s · fork 90.0 µs per child"),
            "{screen}"
        );
        insta::assert_snapshot!(screen);
    }

    #[test]
    fn the_throughput_view_at_80_by_24() {
        let mut app = with_floors();
        key(&mut app, 'v');
        insta::assert_snapshot!(render(&app, 80, 24));
    }

    #[test]
    fn the_kernel_accounting_at_80_by_24() {
        let mut app = with_floors();
        key(&mut app, 'v');
        key(&mut app, 'v');
        insta::assert_snapshot!(render(&app, 80, 24));
    }

    /// `with_floors`, compared with a saved run where pipe took 200 µs and inherit 240 µs.
    fn with_baseline() -> App {
        let mut app = with_floors();
        let saved = |method: &str, median: u64| {
            let plan = fake::plan();
            let method = fake::method(method);
            // As many children as the live run, so a difference can be beyond noise.
            let samples = fake::totals(median, plan.repeats)
                .into_iter()
                .map(|total| fake::sample(method, &plan, total))
                .collect();
            fake::result(method, &plan, samples)
        };
        let output = crate::report::RunOutput {
            environment: crate::bench::env::Environment::default(),
            results: vec![saved("pipe", 200_000), saved("inherit", 240_000)],
            partial: false,
            in_progress: None,
            skipped: Vec::new(),
        };
        let report = crate::report::json::JsonReport::of(&output);
        app.baseline_loaded(Ok(crate::report::compare::Saved {
            name: "monday.json".into(),
            report,
        }));
        app
    }

    #[test]
    fn the_baseline_comparison_at_120_by_40() {
        let screen = render(&with_baseline(), 120, 40);
        assert!(screen.contains("baseline: monday.json"), "{screen}");
        assert!(screen.contains("1.50×") && screen.contains("0.50×"), "{screen}");
        insta::assert_snapshot!(screen);
    }

    #[test]
    fn the_baseline_comparison_at_80_by_24() {
        insta::assert_snapshot!(render(&with_baseline(), 80, 24));
    }

    #[test]
    fn below_the_minimum_it_says_how_large_to_make_the_terminal() {
        insta::assert_snapshot!(render(&comparing(), 40, 10));
    }

    #[test]
    fn no_size_panics_from_1_by_1_up() {
        let mut throughput = with_baseline();
        key(&mut throughput, 'v');
        let mut kernel = with_floors();
        key(&mut kernel, 'v');
        key(&mut kernel, 'v');
        let mut empty_sweep = fake::app(std::time::Instant::now());
        key(&mut empty_sweep, 's');
        let mut empty_teach = fake::app(std::time::Instant::now());
        key(&mut empty_teach, 'p');
        let views = [
            (comparing(), "Settings"),
            (sweeping(), "Sweep"),
            (empty_sweep, "Sweep"),
            (teaching(), "Teach"),
            (empty_teach, "Teach"),
            (throughput, "Results"),
            (kernel, "Results"),
        ];
        for (app, title) in &views {
            for width in (1..=130).step_by(3).chain([79, 80, 81]) {
                for height in 1..=45 {
                    let screen = render(app, width, height);
                    let expected = if width >= MIN_WIDTH && height >= MIN_HEIGHT {
                        title
                    } else {
                        "make"
                    };
                    if width >= 10 {
                        assert!(screen.contains(expected), "{width}×{height}:\n{screen}");
                    }
                }
            }
        }
    }
}
