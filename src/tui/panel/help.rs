//! The `?` overlay and the key bar, both drawn from the one key map.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{block, centred};
use crate::tui::keymap::BINDINGS;
use crate::tui::model::view::{Drawn, Target};
use crate::tui::theme::Theme;

const LABEL_WIDTH: usize = 11;

/// The help overlay, scrolled as far as `scroll` and no further than its last line.
pub fn draw_overlay(frame: &mut Frame, area: Rect, scroll: u16, drawn: &Drawn, theme: Theme) {
    let mut lines: Vec<Line> = BINDINGS
        .iter()
        .map(|binding| {
            Line::from(vec![
                Span::styled(
                    format!("{:<LABEL_WIDTH$}", theme.text(binding.label)),
                    theme.key(),
                ),
                Span::raw(theme.text(binding.help).into_owned()),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        theme
            .text("States: ▶ running, ✓ done, ■ partial (cancelled), - skipped, · waiting")
            .into_owned(),
        theme.dim(),
    ));
    lines.push(Line::styled(
        "The mouse: a click chooses a method or a panel, the wheel scrolls (--no-mouse: off)",
        theme.dim(),
    ));
    let height = lines.len() as u16 + 2;
    let box_area = centred(area, 86, height);
    let outer = block("Keys (? or Esc closes)", true, theme);
    let inner = outer.inner(box_area);
    frame.render_widget(Clear, box_area);
    frame.render_widget(outer, box_area);
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let limit = (paragraph.line_count(inner.width) as u16).saturating_sub(inner.height);
    drawn.set_limits(|limits| limits.overlay = Some(limit));
    drawn.hit(box_area, Target::Overlay);
    frame.render_widget(paragraph.scroll((scroll.min(limit), 0)), inner);
}

/// The key bar: the `on_bar` bindings, or in teach mode its own, as many as fit.
pub fn draw_bar(frame: &mut Frame, area: Rect, teach: bool, theme: Theme) {
    let keys = BINDINGS
        .iter()
        .filter_map(|binding| match (teach, binding.teach_bar) {
            (true, teach_bar) => teach_bar,
            (false, _) if binding.on_bar => Some((
                binding.label.split(' ').next().unwrap_or(binding.label),
                binding.short,
            )),
            (false, _) => None,
        });
    let mut spans = Vec::new();
    let mut used = 0;
    for (key, short) in keys {
        let width = key.chars().count() + 1 + short.chars().count() + 2;
        if used + width > area.width as usize {
            break;
        }
        used += width;
        spans.push(Span::styled(theme.text(key).into_owned(), theme.key()));
        spans.push(Span::raw(format!(" {short}  ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
