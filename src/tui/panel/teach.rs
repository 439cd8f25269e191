//! Teach mode, for a class in front of a projector:
//!
//! ```text
//! the tutorial's context (Python, pickle, its size) — and whether this run's size is its size
//! ┌ figures ─────────────────────────────┐┌ the teaching text (or the prediction) ┐
//! │ ▸ queue · 29.0× slower than inherit  ││ rendered Markdown, scrolled with      │
//! │   ██ ███  ███   phase bar + legend   ││ PgUp/PgDn (J/K)                        │
//! │   another method, on one line        ││                                        │
//! └──────────────────────────────────────┘└────────────────────────────────────────┘
//! ┌ the tutorial's lesson, from this machine's numbers (at the tutorial's size only) ┐
//! ```
//!
//! Each method's median is drawn as large as its share of the panel allows (every method
//! large where there is room, else the one on view large and the others a line each), its
//! phases as a stacked bar beside or under it, and under `--access write` its page copies.

use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::cow::Pages;
use super::{block, fit, quiz};
use crate::bench::method::{MethodRef, TutorialPart};
use crate::bench::plan::Size;
use crate::bench::tutorial::{self, PUBLISHED_CHILDREN, PUBLISHED_PAYLOAD_BYTES};
use crate::report;
use crate::report::facts::{Lesson, Standing};
use crate::report::handout::{sizes_differ, tutorial_context};
use crate::tui::markdown;
use crate::tui::model::app::App;
use crate::tui::model::run::{LiveRun, MethodLive, MethodState};
use crate::tui::model::view::Target;
use crate::tui::theme::Theme;
use crate::tui::widget::big_figure::{BigFigure, Scale};
use crate::tui::widget::phase_bar::PhaseBar;

/// Rows a method needs to be drawn large: its name, then a figure at the smallest scale
/// (eight font pixels, in quadrants; in ASCII, whole cells).
const BIG_METHOD: u16 = 5;
const BIG_METHOD_ASCII: u16 = 9;
/// Below this width the phase bar goes under the figure, never beside it.
const BESIDE: u16 = 64;
/// Space left of a large figure.
const MARGIN: Margin = Margin::new(1, 0);

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let run = app.runs.run.as_ref();
    let size = run.map_or(app.form.settings.size, |run| run.plan.size);
    let context = context_lines(size, theme);
    let context_height = Paragraph::new(context.clone())
        .wrap(Wrap { trim: true })
        .line_count(area.width) as u16;
    // While the class predicts and sees the reveal, the quiz takes the room of the lesson.
    let lesson = match app.view.quiz {
        Some(_) => Vec::new(),
        None => lesson_lines(run, theme),
    };
    let lesson_height = if lesson.is_empty() {
        0
    } else {
        let rows = Paragraph::new(lesson.clone())
            .wrap(Wrap { trim: true })
            .line_count(area.width.saturating_sub(2)) as u16;
        (rows + 2).min(area.height * 2 / 5)
    };
    let [context_area, middle, lesson_area] = Layout::vertical([
        Constraint::Length(context_height.min(area.height / 4)),
        Constraint::Fill(1),
        Constraint::Length(lesson_height),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(context).wrap(Wrap { trim: true }), context_area);
    let [figures_area, text_area] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(middle);
    draw_figures(frame, figures_area, app, theme);
    match &app.view.quiz {
        Some(quiz) => quiz::draw(frame, text_area, quiz, run, theme),
        None => draw_text(frame, text_area, app, teaching_method(app), theme),
    }
    if !lesson_area.is_empty() {
        let outer = block("The tutorial's lesson, from this machine's numbers", false, theme);
        let inner = outer.inner(lesson_area);
        frame.render_widget(outer, lesson_area);
        frame.render_widget(Paragraph::new(lesson).wrap(Wrap { trim: true }), inner);
    }
}

/// What the tutorial was, and whether this run's figures can stand beside it.
fn context_lines(size: u64, theme: Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        theme.text(&tutorial_context()).into_owned(),
        theme.dim(),
    )];
    if let Some(differ) = sizes_differ(size) {
        lines.push(Line::styled(differ, theme.warn()));
    }
    lines
}

/// The tutorial's table beside this run's figures, at the tutorial's size only: its
/// conclusion once inherit and queue have results, a line saying so while it waits for them.
fn lesson_lines(run: Option<&LiveRun>, theme: Theme) -> Vec<Line<'static>> {
    let Some(run) = run.filter(|run| sizes_differ(run.plan.size).is_none()) else {
        return Vec::new();
    };
    if let Some(conclusion) = &run.conclusion {
        return conclusion_lines(conclusion, theme);
    }
    let awaits = [TutorialPart::Inherit, TutorialPart::Queue].iter().all(|&part| {
        run.plan
            .methods
            .iter()
            .any(|method| method.tutorial() == Some(part))
    });
    if awaits {
        vec![Line::styled(
            "It appears here once inherit and queue have results.",
            theme.dim(),
        )]
    } else {
        Vec::new()
    }
}

/// The method whose text is shown: the one on view in the run, else the first chosen.
fn teaching_method(app: &App) -> Option<MethodRef> {
    app.viewed_method()
        .map(|live| live.method)
        .or_else(|| app.form.settings.methods.first().copied())
}

fn draw_figures(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let Some(run) = &app.runs.run else {
        let outer = block("Teach · press r to run", false, theme);
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        let ids = app.form.settings.method_ids();
        let text = format!(
            "r runs {} at {}; each method's median time per child appears here in large figures, with where its time goes. ↑↓ choose the method explained; g lets the class predict first; p leaves.",
            ids.join(", "),
            Size(app.form.settings.size)
        );
        frame.render_widget(
            Paragraph::new(theme.text(&text).into_owned()).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    };
    let outer = block(
        format!(
            "Teach · run {} · {} · {}",
            run.id,
            run.describe(),
            run.state.word()
        ),
        false,
        theme,
    );
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let viewed = app.view.viewed.or(run.current).unwrap_or(0);
    let count = run.methods.len() as u16;
    let all_big = inner.height >= big_method(theme) * count;
    let constraints = (0..run.methods.len()).map(|index| {
        if all_big || index == viewed {
            Constraint::Fill(1)
        } else {
            Constraint::Length(1)
        }
    });
    let areas = Layout::vertical(constraints).split(inner);
    for (index, (live, &method_area)) in run.methods.iter().zip(areas.iter()).enumerate() {
        app.view.drawn.hit(method_area, Target::Method(index));
        let big = all_big || index == viewed;
        draw_method(frame, method_area, run, live, index == viewed, big, theme);
    }
}

fn big_method(theme: Theme) -> u16 {
    if theme.is_ascii() {
        BIG_METHOD_ASCII
    } else {
        BIG_METHOD
    }
}

/// `fastest`, `29.0× slower than inherit` (`29.0× slower` where `short`), or the method's
/// state while it has no result.
fn standing_text(run: &LiveRun, live: &MethodLive, short: bool) -> String {
    let state = live.state(&run.state);
    let standing = match (live.median(), run.fastest(), &live.completed) {
        (Some(median), Some(fastest), Some(_)) => fastest.standing(median).map(|s| (s, fastest.method)),
        _ => None,
    };
    match standing {
        Some((Standing::Fastest, _)) => "the fastest".to_string(),
        Some((standing, _)) if short => standing.to_string(),
        Some((standing, fastest)) => standing.against(fastest),
        None => state.label().1.to_string(),
    }
}

fn draw_method(
    frame: &mut Frame,
    area: Rect,
    run: &LiveRun,
    live: &MethodLive,
    viewed: bool,
    big: bool,
    theme: Theme,
) {
    let glyphs = theme.glyphs();
    let name_style = if viewed { theme.title() } else { theme.heading() };
    let marker = if viewed {
        format!("{} ", glyphs.focus)
    } else {
        "  ".into()
    };
    let median = live.median().map_or("-".to_string(), report::duration);
    let median = theme.text(&median).into_owned();
    let standing = theme.text(&standing_text(run, live, !big)).into_owned();
    if !big || area.height < 2 {
        let line = Line::from(vec![
            Span::styled(format!("{marker}{:<9}", live.method.id()), name_style),
            Span::styled(format!("{median:>9}"), theme.heading()),
            Span::styled(format!("  {standing}"), theme.dim()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let [name_area, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!("{marker}{}", live.method.id()), name_style),
            Span::styled(format!(" {} {standing}", glyphs.separator), theme.dim()),
        ])),
        name_area,
    );
    let phases: Vec<(&str, u64)> = live
        .phase_medians()
        .into_iter()
        .map(|(phase, nanos)| (phase.name(), nanos))
        .collect();
    let bar = PhaseBar::new(&phases, theme);
    let pages = Pages::of(run, live);
    let style = match live.state(&run.state) {
        MethodState::Done => theme.good(),
        _ => theme.running(),
    };
    let figure = BigFigure::new(median, theme).style(style);
    // Under the figure: the bar and as much of its legend and the pages as leave the figure
    // its smallest scale; beside it, a column. Whichever draws the figure larger.
    let under = {
        let wanted = bar.height(body.width) + if pages.is_some() { 2 } else { 0 };
        let smallest = big_method(theme) - 1;
        let side_height = wanted.min(body.height.saturating_sub(smallest)).max(1);
        Layout::vertical([Constraint::Fill(1), Constraint::Length(side_height)]).areas(body)
    };
    let beside = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length((body.width * 2 / 5).max(24)),
    ])
    .spacing(1)
    .areas(body);
    let pixels = |[figure_area, _]: [Rect; 2]| match figure.scale(figure_area.inner(MARGIN)) {
        Scale::Pixels { width, height } => u32::from(width) * u32::from(height),
        Scale::Plain => 0,
    };
    let [figure_area, side] = if body.width >= BESIDE && pixels(beside) >= pixels(under) {
        beside
    } else {
        under
    };
    frame.render_widget(&figure, figure_area.inner(MARGIN));
    let pages_height = if pages.is_some() { 2 } else { 0 };
    let [bar_area, pages_area] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(pages_height.min(side.height.saturating_sub(1))),
    ])
    .areas(side);
    if phases.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "where the time goes: after the first child",
                theme.dim(),
            ))
            .wrap(Wrap { trim: true }),
            bar_area,
        );
    } else {
        frame.render_widget(&bar, bar_area);
    }
    if let Some(pages) = pages {
        frame.render_widget(
            Paragraph::new(pages.lines(pages_area.width, theme)).wrap(Wrap { trim: true }),
            pages_area,
        );
    }
}

/// The teaching text, rendered, scrolled as far as `view.teach_scroll` says and no further
/// than its last line.
fn draw_text(frame: &mut Frame, area: Rect, app: &App, method: Option<MethodRef>, theme: Theme) {
    let Some(method) = method else { return };
    let outer = block(
        format!(
            "{}: how it works ({} method, J/K PgUp/PgDn scroll)",
            method.id(),
            theme.text("↑↓")
        ),
        false,
        theme,
    );
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let text = markdown::render(method.teaching(), inner.width, theme);
    let limit = (text.lines.len() as u16).saturating_sub(inner.height);
    app.view.drawn.set_limits(|limits| limits.teach = Some(limit));
    app.view.drawn.hit(inner, Target::TeachText);
    frame.render_widget(
        Paragraph::new(text).scroll((app.view.teach_scroll.min(limit), 0)),
        inner,
    );
}

fn conclusion_lines(conclusion: &tutorial::Conclusion, theme: Theme) -> Vec<Line<'static>> {
    let lesson = Lesson::of(conclusion);
    let mut lines = vec![Line::from(vec![
        Span::styled(theme.text(&lesson.headline).into_owned(), theme.heading()),
        Span::raw(theme.text(&lesson.figures).into_owned()),
    ])];
    lines.push(Line::styled(
        format!(
            "{:<10}{:>12}{:>14}   (tutorial: Python, {}, {PUBLISHED_CHILDREN} children)",
            "method",
            "here",
            "tutorial",
            Size(PUBLISHED_PAYLOAD_BYTES)
        ),
        theme.dim(),
    ));
    for (published, measured) in &conclusion.figures {
        let row = format!(
            "{:<10}{:>12}{:>14}",
            published.method(),
            measured.map_or("-".to_string(), report::duration),
            report::duration(published.per_child_ns)
        );
        lines.push(Line::raw(fit(&theme.text(&row), 60)));
    }
    lines
}
