//! One file per panel; what they share is here.

pub mod chart;
pub mod cow;
pub mod help;
pub mod latency;
pub mod live;
pub mod quiz;
pub mod results;
pub mod settings;
pub mod teach;
pub mod teaching;

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::theme::{Glyphs, Theme};

/// A panel's frame. The panel with the keys gets a thick border and a `▸` before its title,
/// so focus shows without colour too.
pub fn block<'a>(title: impl Into<String>, focused: bool, theme: Theme) -> Block<'a> {
    let glyphs = theme.glyphs();
    let (marker, border, style) = if focused {
        (
            format!("{} ", glyphs.focus),
            glyphs.focused_border,
            theme.focused(),
        )
    } else {
        (String::new(), glyphs.border, theme.border())
    };
    Block::bordered()
        .border_set(border)
        .border_style(style)
        .title(Line::from(vec![
            Span::styled(marker, theme.focused()),
            Span::styled(theme.text(&title.into()).into_owned(), theme.title()),
        ]))
}

/// A horizontal bar `width` cells long at most, filled to `fraction`, in eighths of a cell.
pub fn bar(fraction: f64, width: usize) -> String {
    Glyphs::UNICODE.bar(fraction, width)
}

/// `text` cut to `width` characters, with `…` where it was cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else if width == 0 {
        String::new()
    } else {
        let mut cut: String = text.chars().take(width - 1).collect();
        cut.push('…');
        cut
    }
}

/// A box of at most `width`×`height` in the middle of `area`.
pub fn centred(area: Rect, width: u16, height: u16) -> Rect {
    area.centered(
        Constraint::Length(width.min(area.width)),
        Constraint::Length(height.min(area.height)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fill_in_eighths_and_never_overflow() {
        assert_eq!(bar(0.0, 10), "");
        assert_eq!(bar(1.0, 3), "███");
        assert_eq!(bar(2.0, 3), "███");
        assert_eq!(bar(0.5, 3), "█▌");
        assert_eq!(fit("transfer", 5), "tran…");
        assert_eq!(fit("pipe", 5), "pipe");
    }
}
