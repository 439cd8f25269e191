//! Teach mode, for a class: each method's median in large figures with its ratio to the
//! fastest, the teaching text of the method on view beside them, and, once inherit and queue
//! have results, the tutorial's conclusion from this machine's numbers next to its own.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::{block, fit};
use crate::bench::method::{MethodRef, TutorialPart};
use crate::bench::plan::Size;
use crate::bench::tutorial::{self, PUBLISHED_CHILDREN, PUBLISHED_PAYLOAD_BYTES};
use crate::report;
use crate::report::facts::{Lesson, Standing};
use crate::tui::model::app::App;
use crate::tui::model::run::MethodState;
use crate::tui::theme::Theme;

/// Lines one method takes in large figures: its name, then three lines of digits.
const BIG_METHOD: u16 = 4;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let conclusion = app.runs.run.as_ref().and_then(|run| run.conclusion.as_ref());
    let awaits_conclusion = app.runs.run.as_ref().is_some_and(|run| {
        [TutorialPart::Inherit, TutorialPart::Queue].iter().all(|&part| {
            run.plan
                .methods
                .iter()
                .any(|method| method.tutorial() == Some(part))
        })
    });
    let conclusion_height = match (conclusion, awaits_conclusion) {
        (Some(_), _) => 9,
        (None, true) => 3,
        (None, false) => 0,
    };
    let [top, bottom] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(conclusion_height.min(area.height / 2)),
    ])
    .areas(area);
    let [figures_area, text_area] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top);

    draw_figures(frame, figures_area, app, theme);
    draw_text(frame, text_area, teaching_method(app), theme);
    if !bottom.is_empty() {
        let outer = block("The tutorial's lesson, from this machine's numbers", false, theme);
        let inner = outer.inner(bottom);
        frame.render_widget(outer, bottom);
        let lines = match conclusion {
            Some(conclusion) => conclusion_lines(conclusion, theme),
            None => vec![Line::styled(
                "It appears here once inherit and queue have results (--preset seed runs the tutorial's experiment).",
                theme.dim(),
            )],
        };
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
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
        let ids: Vec<&str> = app
            .form
            .settings
            .methods
            .iter()
            .map(|method| method.id())
            .collect();
        frame.render_widget(
            Paragraph::new(format!(
                "r runs {} at {}; each method's median time per child appears here in large figures, with how many times slower it is than the fastest. ↑↓ choose the method explained on the right; p leaves.",
                ids.join(", "),
                Size(app.form.settings.size)
            ))
            .wrap(Wrap { trim: true }),
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
    let fastest = run.fastest();
    let viewed = app.view.viewed.or(run.current).unwrap_or(0);
    let big = inner.height >= BIG_METHOD * run.methods.len() as u16 && inner.width >= 24;
    let mut lines = Vec::new();
    for (index, live) in run.methods.iter().enumerate() {
        let state = live.state(&run.state);
        let median = live.median();
        let standing = match (median, fastest, &live.completed) {
            (Some(median), Some(fastest), Some(_)) => fastest.standing(median).map(|s| (s, fastest.method)),
            _ => None,
        };
        let ratio = match standing {
            Some((Standing::Fastest, _)) => "the fastest".to_string(),
            Some((standing, fastest)) if big => standing.against(fastest),
            Some((standing, _)) => standing.to_string(),
            None => state.label().1.to_string(),
        };
        let name_style = if index == viewed {
            theme.title()
        } else {
            theme.heading()
        };
        let marker = if index == viewed { "▸ " } else { "  " };
        let text = median.map_or_else(|| "—".to_string(), report::duration);
        if big {
            lines.push(Line::from(vec![
                Span::styled(format!("{marker}{}", live.method.id()), name_style),
                Span::styled(format!(" · {ratio}"), theme.dim()),
            ]));
            let (number, unit) = text.split_once(' ').unwrap_or((&text, ""));
            let style = match state {
                MethodState::Done => theme.good(),
                _ => theme.running(),
            };
            for (row, digits) in large(number).into_iter().enumerate() {
                let mut spans = vec![Span::raw("  "), Span::styled(digits, style)];
                if row == 2 {
                    spans.push(Span::styled(format!(" {unit}"), theme.heading()));
                }
                lines.push(Line::from(spans));
            }
        } else {
            lines.push(Line::from(vec![
                Span::styled(format!("{marker}{:<9}", live.method.id()), name_style),
                Span::styled(format!("{text:>9}"), theme.heading()),
                Span::styled(format!("  {ratio}"), theme.dim()),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_text(frame: &mut Frame, area: Rect, method: Option<MethodRef>, theme: Theme) {
    let Some(method) = method else { return };
    let outer = block(
        format!("{}: how it works (↑↓ another method)", method.id()),
        false,
        theme,
    );
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    frame.render_widget(
        Paragraph::new(paragraphs(method.teaching(), theme)).wrap(Wrap { trim: true }),
        inner,
    );
}

/// The teaching text as wrapped paragraphs: its hard line breaks joined, headings bold
/// without their `#`, list items on lines of their own.
fn paragraphs(text: &str, theme: Theme) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = Vec::new();
    let mut paragraph = String::new();
    let flush = |paragraph: &mut String, lines: &mut Vec<Line>| {
        if !paragraph.is_empty() {
            lines.push(Line::raw(std::mem::take(paragraph)));
        }
    };
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            flush(&mut paragraph, &mut lines);
        } else if let Some(heading) = line.strip_prefix('#') {
            flush(&mut paragraph, &mut lines);
            lines.push(Line::styled(
                heading.trim_start_matches('#').trim().to_string(),
                theme.heading(),
            ));
        } else if line.starts_with("- ") || line.starts_with("* ") {
            flush(&mut paragraph, &mut lines);
            paragraph.push_str(line);
        } else {
            if !paragraph.is_empty() {
                paragraph.push(' ');
            }
            paragraph.push_str(line);
        }
    }
    flush(&mut paragraph, &mut lines);
    lines
}

fn conclusion_lines(conclusion: &tutorial::Conclusion, theme: Theme) -> Vec<Line<'static>> {
    let lesson = Lesson::of(conclusion);
    let mut lines = vec![Line::from(vec![
        Span::styled(lesson.headline, theme.heading()),
        Span::raw(lesson.figures),
    ])];
    lines.push(Line::styled(
        format!(
            "{:<10}{:>12}{:>14}   (tutorial: {}, {PUBLISHED_CHILDREN} children)",
            "method",
            "here",
            "tutorial",
            Size(PUBLISHED_PAYLOAD_BYTES)
        ),
        theme.dim(),
    ));
    for (published, measured) in &conclusion.figures {
        lines.push(Line::raw(format!(
            "{:<10}{:>12}{:>14}",
            published.method(),
            measured.map_or("—".to_string(), report::duration),
            report::duration(published.per_child_ns)
        )));
    }
    lines
}

/// `text` in figures three lines high: digits, `.` and spaces; anything else as it is.
pub fn large(text: &str) -> [String; 3] {
    let mut rows = [String::new(), String::new(), String::new()];
    for c in text.chars() {
        let glyph: [&str; 3] = match c {
            '0' => ["█▀█", "█ █", "▀▀▀"],
            '1' => ["▀█ ", " █ ", "▀▀▀"],
            '2' => ["▀▀█", "█▀▀", "▀▀▀"],
            '3' => ["▀▀█", " ▀█", "▀▀▀"],
            '4' => ["█ █", "▀▀█", "  ▀"],
            '5' => ["█▀▀", "▀▀█", "▀▀▀"],
            '6' => ["█▀▀", "█▀█", "▀▀▀"],
            '7' => ["▀▀█", "  █", "  ▀"],
            '8' => ["█▀█", "█▀█", "▀▀▀"],
            '9' => ["█▀█", "▀▀█", "▀▀▀"],
            '.' => [" ", " ", "▀"],
            ' ' => [" ", " ", " "],
            '—' => ["   ", "▀▀▀", "   "],
            _ => {
                let other = c.to_string();
                rows[0].push(' ');
                rows[1].push(' ');
                rows[2].push_str(&other);
                continue;
            }
        };
        for (row, part) in rows.iter_mut().zip(glyph) {
            row.push_str(part);
            row.push(' ');
        }
    }
    rows.map(|row| fit(row.trim_end(), 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_figures_are_three_lines_of_glyphs() {
        assert_eq!(large("4.5"), ["█ █   █▀▀", "▀▀█   ▀▀█", "  ▀ ▀ ▀▀▀"]);
    }

    #[test]
    fn teaching_paragraphs_join_hard_breaks_and_keep_headings_and_items() {
        let text = "# pipe: a title\n\n## What happens\nOne line\nand the next.\n- an item\n- another\n";
        let lines: Vec<String> = paragraphs(text, Theme::plain())
            .iter()
            .map(|line| line.to_string())
            .collect();
        assert_eq!(
            lines,
            [
                "pipe: a title",
                "What happens",
                "One line and the next.",
                "- an item",
                "- another"
            ]
        );
    }
}
