//! The `f` overlay: why the run's children failed, method by method, each reason once with
//! its kind, how many children it struck and which.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{block, centred};
use crate::tui::model::failures::text;
use crate::tui::model::run::LiveRun;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, run: Option<&LiveRun>, scroll: u16, theme: Theme) {
    let box_area = centred(
        area,
        area.width.saturating_sub(4).min(110),
        area.height.saturating_sub(2),
    );
    let title = match run {
        Some(run) => format!("Failures of run {} (↑↓ scroll, f or Esc closes)", run.id),
        None => "Failures (f or Esc closes)".into(),
    };
    let outer = block(title, true, theme);
    let inner = outer.inner(box_area);
    frame.render_widget(Clear, box_area);
    frame.render_widget(outer, box_area);
    let lines: Vec<Line> = text(run)
        .into_iter()
        .map(|line| Line::raw(theme.text(&line).into_owned()))
        .collect();
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}
