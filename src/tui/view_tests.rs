//! Teach mode, the quiz, copy-on-write, the rendered overlays, the mouse and ASCII mode,
//! drawn whole at 80×24, 120×40 and 200×60 (snapshots in `snapshots/`).

use std::time::Instant;

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Terminal;

use super::event::Message;
use super::model::app::App;
use super::model::fake::{self, press, press_code};
use super::model::quiz::Stage;
use super::model::view::{Overlay, ResultsView};
use super::theme::{non_ascii_cells, Theme};
use super::ui;
use crate::bench::env::Environment;
use crate::bench::kind::Access;
use crate::bench::method;
use crate::bench::plan::Plan;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];

fn draw(app: &App, width: u16, height: u16, theme: Theme) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| ui::draw(frame, app, theme)).unwrap();
    terminal.backend().buffer().clone()
}

/// The screen as the other snapshots have it: a quoted line per row.
fn screen(buffer: &Buffer) -> String {
    let mut backend = TestBackend::new(buffer.area.width, buffer.area.height);
    let cells = (0..buffer.area.height)
        .flat_map(|y| (0..buffer.area.width).map(move |x| (x, y)))
        .map(|(x, y)| (x, y, &buffer[(x, y)]));
    ratatui::backend::Backend::draw(&mut backend, cells).unwrap();
    backend.to_string()
}

fn render(app: &App, width: u16, height: u16) -> String {
    screen(&draw(app, width, height, Theme::plain()))
}

/// The screen in ASCII mode, after checking that not one cell is outside ASCII.
fn render_ascii(app: &App, width: u16, height: u16) -> String {
    let buffer = draw(app, width, height, Theme::plain().with_ascii(true));
    let text = screen(&buffer);
    assert_eq!(non_ascii_cells(&buffer), [], "{width}×{height}:\n{text}");
    text
}

/// An explorer on `plan` after run 1 finished with these medians, one per method.
fn finished(plan: &Plan, medians: &[u64]) -> App {
    let mut app = App::new(plan.clone(), Environment::default(), Instant::now());
    press(&mut app, "r");
    fake::run(&mut app, 1, plan, medians, medians.len(), 0);
    app
}

fn seed_plan() -> Plan {
    Plan {
        repeats: 5,
        warmup: 0,
        ..Plan::seed_rust()
    }
}

const SEED_MEDIANS: [u64; 4] = [2_100_000, 1_900_000, 61_000_000, 70_500_000];

/// The tutorial's four methods at 8 MB, done, in teach mode on queue.
fn teaching() -> App {
    let mut app = finished(&seed_plan(), &SEED_MEDIANS);
    press(&mut app, "pk");
    app
}

#[test]
fn teach_mode_fills_every_size_with_figures_phases_and_the_lesson() {
    for (width, height) in SIZES {
        let app = teaching();
        let text = render(&app, width, height);
        for expected in [
            "Python multiprocessing",
            "pickle",
            "1,000,000 ints",
            "1,000 children",
            "queue: how it works",
            "Inheriting is 29.0× faster than sending through a queue here",
            "s spawn",
        ] {
            assert!(
                text.contains(expected),
                "{width}×{height}: no {expected:?}\n{text}"
            );
        }
        assert!(!text.contains("not comparable"), "{text}");
        let key_bar = text.lines().last().unwrap_or("");
        for keys in ["↑↓ method", "J K scroll", "g predict", "p leave"] {
            assert!(
                key_bar.contains(keys),
                "teach mode's key bar says {keys:?}: {key_bar}"
            );
        }
        insta::assert_snapshot!(format!("teach_{width}x{height}"), text);
        insta::assert_snapshot!(
            format!("teach_ascii_{width}x{height}"),
            render_ascii(&app, width, height)
        );
    }
}

#[test]
fn at_200_by_60_every_method_is_drawn_large() {
    let buffer = draw(&teaching(), 200, 60, Theme::plain());
    // A large figure's block characters: each method's figure spans several rows.
    let rows_with_blocks = (0..60)
        .filter(|&y| (0..110).any(|x| matches!(buffer[(x, y)].symbol(), "█" | "▀" | "▄")))
        .count();
    assert!(rows_with_blocks >= 4 * 6, "{rows_with_blocks} rows of figures");
}

#[test]
fn a_run_of_another_size_says_so_instead_of_the_tutorials_table() {
    let plan = Plan {
        size: 256 << 20,
        ..seed_plan()
    };
    let mut app = finished(&plan, &[2_000_000, 1_800_000, 78_000_000, 90_000_000]);
    press(&mut app, "p");
    let text = render(&app, 120, 40);
    assert!(
        text.contains("The tutorial used 8 MB; this run uses 256 MiB: its figures are not comparable."),
        "{text}"
    );
    assert!(!text.contains("The tutorial's lesson"), "{text}");
    assert!(!text.contains("82.8 ms"), "no tutorial figure beside it:\n{text}");
}

#[test]
fn the_teaching_text_scrolls_with_its_own_keys_and_stops_at_its_end() {
    let mut app = teaching();
    render(&app, 80, 24);
    let viewed = app.view.viewed;
    for _ in 0..100 {
        press(&mut app, "J");
        render(&app, 80, 24);
    }
    let limit = app.view.drawn.limits().teach.expect("drawn");
    assert!(limit > 0, "queue's text is longer than the panel at 80×24");
    assert_eq!(app.view.teach_scroll, limit, "it stops at the end");
    assert_eq!(
        app.view.viewed, viewed,
        "J scrolls, it does not change the method"
    );
    let text = render(&app, 80, 24);
    assert!(
        text.contains("it is the slowest way"),
        "the last line is on screen:\n{text}"
    );
    press(&mut app, "K");
    assert_eq!(
        app.view.teach_scroll,
        limit - crate::tui::model::input::PAGE.min(limit as i32) as u16
    );
    press_code(&mut app, KeyCode::Home);
    assert_eq!(app.view.teach_scroll, 0);
    press_code(&mut app, KeyCode::End);
    assert_eq!(app.view.teach_scroll, limit);
    press(&mut app, "j");
    assert_eq!(
        app.view.teach_scroll, 0,
        "another method's text starts at its top"
    );
}

#[test]
fn the_t_overlay_renders_the_markdown_and_stops_at_its_end() {
    let mut app = fake::app(Instant::now());
    press(&mut app, "t");
    let text = render(&app, 80, 24);
    assert!(text.contains("inherit: how it works"), "{text}");
    assert!(
        !text.contains("# ") && !text.contains('`'),
        "no Markdown source:\n{text}"
    );
    insta::assert_snapshot!("teaching_overlay_80x24", text);
    for _ in 0..200 {
        press_code(&mut app, KeyCode::PageDown);
        render(&app, 80, 24);
    }
    let limit = app.view.drawn.limits().overlay.expect("drawn");
    assert_eq!(app.view.overlay.map(Overlay::scroll), Some(limit));
    insta::assert_snapshot!(
        "teaching_overlay_ascii_at_its_end_80x24",
        render_ascii(&app, 80, 24)
    );
}

/// Teach mode on the tutorial's four methods with the prediction made: queue first.
fn predicting() -> App {
    let mut app = App::new(seed_plan(), Environment::default(), Instant::now());
    press(&mut app, "pg");
    // Carry queue (third) to the top, then type a ratio.
    press_code(&mut app, KeyCode::Down);
    press_code(&mut app, KeyCode::Down);
    press(&mut app, " ");
    press_code(&mut app, KeyCode::Home);
    press(&mut app, " 20");
    app
}

#[test]
fn the_quiz_before_and_after_the_reveal() {
    let mut app = predicting();
    let order: Vec<&str> = app
        .view
        .quiz
        .as_ref()
        .unwrap()
        .order
        .iter()
        .map(|m| m.id())
        .collect();
    assert_eq!(order, ["queue", "inherit", "argument", "pipe"]);
    for (width, height) in SIZES {
        let text = render(&app, width, height);
        assert!(text.contains("1. queue") && text.contains("20×"), "{text}");
        insta::assert_snapshot!(format!("quiz_predicting_{width}x{height}"), text);
        render_ascii(&app, width, height);
    }
    assert!(press(&mut app, "r").is_empty(), "r waits for the lock");
    press_code(&mut app, KeyCode::Enter);
    let effects = press(&mut app, "r");
    assert_eq!(effects.len(), 1, "{effects:?}");
    assert_eq!(app.view.quiz.as_ref().unwrap().stage, Stage::Revealing(1));
    // Two methods in: the rest still hidden.
    fake::run(&mut app, 1, &seed_plan(), &SEED_MEDIANS, 2, 1);
    let half = render(&app, 120, 40);
    assert!(half.contains("revealed as each method finishes"), "{half}");
    insta::assert_snapshot!("quiz_half_revealed_120x40", half);
    let mut app = predicting();
    press_code(&mut app, KeyCode::Enter);
    press(&mut app, "r");
    fake::run(&mut app, 1, &seed_plan(), &SEED_MEDIANS, 4, 0);
    for (width, height) in SIZES {
        let text = render(&app, width, height);
        for expected in [
            "of 4 in the right place",
            "you said 20.0×",
            "queue was slower than",
        ] {
            assert!(
                text.contains(expected),
                "{width}×{height}: no {expected:?}\n{text}"
            );
        }
        insta::assert_snapshot!(format!("quiz_revealed_{width}x{height}"), text);
        render_ascii(&app, width, height);
    }
}

/// inherit and pipe at 8 MB with every page written: inherit's children fault 1,954 pages.
fn writing() -> App {
    let plan = Plan {
        methods: method::parse_list("inherit,pipe").unwrap(),
        size: 8_000_000,
        access: Access::Write,
        repeats: 5,
        warmup: 0,
        ..Plan::default()
    };
    // The fake child's faults are 100 + its time in µs.
    finished(&plan, &[1_854_000, 4_000_000])
}

#[test]
fn copy_on_write_is_drawn_against_the_pages_written() {
    let mut app = writing();
    press(&mut app, "p");
    for (width, height) in SIZES {
        let text = render(&app, width, height);
        let sentence = if width > 80 {
            "the child wrote 1,954 pages; the kernel copied 1,954"
        } else {
            "copied 1,954"
        };
        assert!(text.contains(sentence), "{width}×{height}:\n{text}");
        insta::assert_snapshot!(format!("copy_on_write_teach_{width}x{height}"), text);
        render_ascii(&app, width, height);
    }
    press(&mut app, "p");
    app.view.results = ResultsView::Kernel;
    for (width, height) in SIZES {
        let text = render(&app, width, height);
        assert!(text.contains("Copy-on-write"), "{width}×{height}:\n{text}");
        assert!(
            text.contains("the kernel faulted in 4,100"),
            "pipe's fresh pages:\n{text}"
        );
        insta::assert_snapshot!(format!("copy_on_write_kernel_{width}x{height}"), text);
        render_ascii(&app, width, height);
    }
}

#[test]
fn every_view_is_ascii_in_ascii_mode() {
    let base = Instant::now();
    let run_view = finished(&fake::plan(), &[3_000_000, 400_000]);
    let mut throughput = finished(&fake::plan(), &[3_000_000, 400_000]);
    throughput.view.results = ResultsView::Throughput;
    let mut kernel = writing();
    kernel.view.results = ResultsView::Kernel;
    let mut help = fake::app(base);
    press(&mut help, "?");
    let sweep = sweep_with_crossings(0);
    let views = [
        ("run", run_view),
        ("throughput", throughput),
        ("kernel", kernel),
        ("help", help),
        ("sweep", sweep),
        ("teach", teaching()),
        ("before_any_run", fake::app(base)),
    ];
    for (name, app) in &views {
        for (width, height) in SIZES {
            let text = render_ascii(app, width, height);
            if (width, height) == (120, 40) {
                insta::assert_snapshot!(format!("ascii_{name}_{width}x{height}"), text);
            }
        }
    }
}

/// A sweep of pipe and shm (with the floors) at its fifth size, with `extra` crossings more
/// than its lines make, as a sweep of many methods has.
fn sweep_with_crossings(extra: usize) -> App {
    let mut sweep = fake::app(Instant::now());
    sweep.form.settings.methods = method::parse_list("pipe,shm").unwrap();
    // Six children a size: enough for the medians' intervals that crossings need.
    sweep.form.settings.repeats = 6;
    press(&mut sweep, "s");
    let Some(super::model::app::Effect::StartSweep { sweep: planned, run }) = press(&mut sweep, "r").pop()
    else {
        panic!("r sweeps in the sweep view");
    };
    fake::sweep(&mut sweep, run, &planned, 4);
    let state = sweep.runs.sweep.as_mut().unwrap();
    let first = state.crossings[0].clone();
    state
        .crossings
        .extend((0..extra).map(|at| crate::bench::crossing::Crossing {
            below_bytes: first.below_bytes << at,
            ..first.clone()
        }));
    sweep
}

fn mouse(app: &mut App, kind: MouseEventKind, column: u16, row: u16) {
    app.update(Message::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }));
}

/// Where `text` is on screen: its first cell.
fn find(buffer: &Buffer, text: &str) -> (u16, u16) {
    let lines = screen(buffer);
    for (y, line) in lines.lines().enumerate() {
        let line = line.trim_matches('"');
        if let Some(at) = line.find(text) {
            return (line[..at].chars().count() as u16, y as u16);
        }
    }
    panic!("no {text:?} on screen:\n{lines}");
}

#[test]
fn a_click_on_a_drawn_method_row_toggles_it_and_the_wheel_scrolls_the_crossings() {
    let mut app = fake::app(Instant::now());
    let buffer = draw(&app, 120, 40, Theme::plain());
    let (column, row) = find(&buffer, "shm");
    assert!(!app.form.settings.methods.iter().any(|m| m.id() == "shm"));
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), column, row);
    assert!(
        app.form.settings.methods.iter().any(|m| m.id() == "shm"),
        "the click chose shm"
    );
    let text = render(&app, 120, 40);
    assert!(text.contains("[x] shm"), "{text}");

    // A sweep with many crossings: the wheel over them scrolls them, to the last and no further.
    let mut sweep = sweep_with_crossings(20);
    let buffer = draw(&sweep, 120, 40, Theme::plain());
    let (column, row) = find(&buffer, "Where the lines cross");
    for _ in 0..50 {
        mouse(&mut sweep, MouseEventKind::ScrollDown, column, row + 1);
        draw(&sweep, 120, 40, Theme::plain());
    }
    let limit = sweep.view.drawn.limits().crossings.expect("drawn");
    assert!(limit > 0);
    assert_eq!(sweep.view.chart_scroll, limit);
    insta::assert_snapshot!("sweep_crossings_scrolled_120x40", render(&sweep, 120, 40));
    press_code(&mut sweep, KeyCode::PageUp);
    assert_eq!(sweep.view.chart_scroll, limit.saturating_sub(10));
}

#[test]
fn the_new_views_draw_at_every_size_without_panicking_and_esc_closes_the_quiz() {
    let mut revealed = predicting();
    press_code(&mut revealed, KeyCode::Enter);
    press(&mut revealed, "r");
    fake::run(&mut revealed, 1, &seed_plan(), &SEED_MEDIANS, 4, 0);
    let mut copying = writing();
    press(&mut copying, "p");
    let mut kernel = writing();
    kernel.view.results = ResultsView::Kernel;
    for app in [&predicting(), &revealed, &copying, &kernel, &teaching()] {
        for width in (1..=210).step_by(7) {
            for height in (1..=64).step_by(3) {
                draw(app, width, height, Theme::plain());
                draw(app, width, height, Theme::plain().with_ascii(true));
            }
        }
    }
    press_code(&mut revealed, KeyCode::Esc);
    assert!(
        revealed.view.quiz.is_none(),
        "with the run over, Esc closes the quiz"
    );
}

#[test]
fn a_click_on_the_sweep_chart_gives_it_the_arrows_for_the_crossings() {
    let mut sweep = sweep_with_crossings(20);
    let buffer = draw(&sweep, 120, 40, Theme::plain());
    let (column, row) = find(&buffer, "Where the lines cross");
    mouse(&mut sweep, MouseEventKind::Down(MouseButton::Left), column, row);
    assert_eq!(sweep.view.focus, super::model::view::Panel::Live);
    let cursor = sweep.form.cursor;
    press(&mut sweep, "jj");
    assert_eq!(sweep.view.chart_scroll, 2, "the arrows scroll the crossings");
    assert_eq!(sweep.form.cursor, cursor, "and leave the settings alone");
    press_code(&mut sweep, KeyCode::Tab);
    assert_eq!(sweep.view.focus, super::model::view::Panel::Settings);
}
