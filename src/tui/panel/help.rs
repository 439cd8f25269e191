//! The `?` overlay and the key bar, both drawn from the one key map.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{block, centred};
use crate::tui::keymap::{Action, Binding, BINDINGS};
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
            .text("States: ▶ running, ✓ done, ✗ all failed (f: why), ■ partial (cancelled), - skipped, · waiting")
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

/// The key bar's bindings from the most to the least needed: where not all fit, the last
/// ones here go first, and the rest keep the key map's order.
const BAR_PRIORITY: [Action; 12] = [
    Action::Help,
    Action::Run,
    Action::Cancel,
    Action::Quit,
    Action::Toggle,
    Action::Baseline,
    Action::Export,
    Action::Sweep,
    Action::ResultsView,
    Action::Teach,
    Action::NextPanel,
    Action::Present,
];

/// The `on_bar` bindings that fit `width`, by priority, in the key map's order, each with
/// its key as written on the bar.
fn bar_bindings(width: usize) -> Vec<(&'static str, &'static Binding)> {
    let on_bar: Vec<&Binding> = BINDINGS.iter().filter(|binding| binding.on_bar).collect();
    let key_of = |binding: &'static Binding| binding.label.split(' ').next().unwrap_or(binding.label);
    let cells =
        |binding: &'static Binding| key_of(binding).chars().count() + 1 + binding.short.chars().count() + 2;
    let rank = |binding: &Binding| {
        BAR_PRIORITY
            .iter()
            .position(|&action| action == binding.action)
            .unwrap_or(BAR_PRIORITY.len())
    };
    let mut by_priority = on_bar.clone();
    by_priority.sort_by_key(|binding| rank(binding));
    let mut used = 0;
    let mut kept: Vec<Action> = Vec::new();
    for binding in by_priority {
        if used + cells(binding) > width {
            break;
        }
        used += cells(binding);
        kept.push(binding.action);
    }
    on_bar
        .into_iter()
        .filter(|binding| kept.contains(&binding.action))
        .map(|binding| (key_of(binding), binding))
        .collect()
}

/// The key bar: in teach mode its own bindings, else the `on_bar` ones by priority; as many
/// as fit.
pub fn draw_bar(frame: &mut Frame, area: Rect, teach: bool, theme: Theme) {
    let keys: Vec<(&str, &str)> = if teach {
        BINDINGS.iter().filter_map(|binding| binding.teach_bar).collect()
    } else {
        bar_bindings(area.width as usize)
            .into_iter()
            .map(|(key, binding)| (key, binding.short))
            .collect()
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_80_columns_the_bar_keeps_baseline_and_export() {
        let keys: Vec<&str> = bar_bindings(80).iter().map(|(key, _)| *key).collect();
        for needed in ["?", "r", "Esc", "q", "o", "x"] {
            assert!(keys.contains(&needed), "{needed} missing at 80 columns: {keys:?}");
        }
        let all = bar_bindings(500);
        assert_eq!(all.len(), BINDINGS.iter().filter(|b| b.on_bar).count());
        assert!(all
            .iter()
            .all(|(_, binding)| BAR_PRIORITY.contains(&binding.action)));
    }
}
