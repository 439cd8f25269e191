//! Teach mode's prediction, in place of the teaching text: while the class orders the
//! methods, the order and the ratio being typed; once locked in and run, each method's
//! measured place beside the guessed one as it finishes, then the score and the biggest
//! surprise.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::block;
use crate::report;
use crate::tui::model::quiz::{measured_order, score, surprise, Quiz, Stage};
use crate::tui::model::run::LiveRun;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, quiz: &Quiz, run: Option<&LiveRun>, theme: Theme) {
    let run = run.filter(|run| quiz.reveals(run));
    let title = match (quiz.stage, run) {
        (Stage::Predicting, _) => "Predict: fastest first (Enter locks it in, Esc drops it)",
        (Stage::Locked, _) | (Stage::Revealing(_), None) => "Prediction locked in: r runs and reveals",
        (Stage::Revealing(_), Some(_)) => "The reveal",
    };
    let outer = block(title, true, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let lines = match run {
        Some(run) => reveal_lines(quiz, run, theme),
        None => prediction_lines(quiz, theme),
    };
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|line| {
            let spans: Vec<Span> = line
                .spans
                .into_iter()
                .map(|span| Span::styled(theme.text(&span.content).into_owned(), span.style))
                .collect();
            Line::from(spans).style(line.style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn prediction_lines(quiz: &Quiz, theme: Theme) -> Vec<Line<'static>> {
    let glyphs = theme.glyphs();
    let mut lines = Vec::new();
    for (at, method) in quiz.order.iter().enumerate() {
        let here = at == quiz.cursor && quiz.stage == Stage::Predicting;
        let marker = match (here, quiz.held) {
            (true, true) => format!("{}{} ", glyphs.up, glyphs.down),
            (true, false) => format!("{} ", glyphs.pointer),
            _ => "  ".into(),
        };
        let style = if here {
            theme.selected()
        } else {
            Default::default()
        };
        lines.push(Line::styled(
            format!("{marker}{}. {}", at + 1, method.id()),
            style,
        ));
    }
    lines.push(Line::raw(""));
    let ratio = if quiz.ratio.is_empty() {
        "(type a number, or leave it)".to_string()
    } else {
        format!("{}{}", quiz.ratio, glyphs.times)
    };
    lines.push(Line::from(vec![
        Span::styled("slowest / fastest: ", theme.heading()),
        Span::raw(ratio),
    ]));
    lines.push(Line::raw(""));
    let help = match quiz.stage {
        Stage::Predicting => "↑↓ move · Space picks up or drops the method · digits type the ratio",
        _ => "r runs the methods; each is revealed as it finishes",
    };
    lines.push(Line::styled(help, theme.dim()));
    lines
}

fn reveal_lines(quiz: &Quiz, run: &LiveRun, theme: Theme) -> Vec<Line<'static>> {
    let glyphs = theme.glyphs();
    let measured = measured_order(run);
    let mut lines = vec![Line::styled(
        format!("  {:<14}{}", "you said", "measured"),
        theme.dim(),
    )];
    for (at, method) in quiz.order.iter().enumerate() {
        let guessed = format!("{}. {}", at + 1, method.id());
        let Some(place) = measured.iter().position(|(m, _)| m == method) else {
            lines.push(Line::raw(format!("  {guessed:<14}{}", glyphs.ellipsis)));
            continue;
        };
        let (mark, style) = if place == at {
            (glyphs.check, theme.good())
        } else {
            (glyphs.cross, theme.bad())
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark:<2}"), style),
            Span::raw(format!("{guessed:<14}")),
            Span::raw(format!("{}. {}", place + 1, report::duration(measured[place].1))),
        ]));
    }
    lines.push(Line::raw(""));
    let Some(score) = score(quiz, run) else {
        lines.push(Line::styled(
            "the rest is revealed as each method finishes",
            theme.dim(),
        ));
        return lines;
    };
    lines.push(Line::styled(
        format!(
            "{} of {} in the right place; {} of {} pairs the wrong way round",
            score.right_places, score.methods, score.swapped_pairs, score.pairs
        ),
        theme.heading(),
    ));
    let measured_ratio = report::ratio(score.measured_ratio);
    lines.push(Line::raw(match score.ratio_guess {
        Some((guess, off)) => format!(
            "slowest / fastest: you said {}, it is {measured_ratio} ({} off)",
            report::ratio(guess),
            report::ratio(off)
        ),
        None => format!("slowest / fastest: {measured_ratio}"),
    }));
    if let Some(surprise) = surprise(quiz, run) {
        lines.push(Line::raw(""));
        lines.push(Line::styled(surprise, theme.warn()));
    }
    lines
}
