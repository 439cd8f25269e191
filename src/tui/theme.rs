//! Colours and styles in one place. Only the sixteen named ANSI colours, so the explorer
//! looks the same over SSH on `xterm-256color`, `screen`, `tmux-256color` and `linux`.
//! With `NO_COLOR` set every colour goes and only bold, reverse and the text remain: the
//! screen never tells a state by colour alone (symbols and words say it too).

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    colour: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to anything non-empty (no-color.org).
    pub fn from_env() -> Theme {
        if std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty()) {
            Theme::colour()
        } else {
            Theme::plain()
        }
    }

    pub fn colour() -> Theme {
        Theme { colour: true }
    }

    pub fn plain() -> Theme {
        Theme { colour: false }
    }

    fn fg(self, colour: Color) -> Style {
        if self.colour {
            Style::new().fg(colour)
        } else {
            Style::new()
        }
    }

    pub fn title(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// The border of the panel that has the keys.
    pub fn focused(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn border(self) -> Style {
        self.fg(Color::DarkGray)
    }

    /// The row under the cursor.
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn heading(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn dim(self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn good(self) -> Style {
        self.fg(Color::Green)
    }

    pub fn bad(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }

    pub fn running(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn bar(self) -> Style {
        self.fg(Color::Blue)
    }

    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// The line of the `index`th method on a chart, and its marker: colours tell the lines
    /// apart, and without colour the markers do.
    pub fn line(self, index: usize) -> (Style, Marker) {
        const COLOURS: [Color; 6] = [
            Color::Cyan,
            Color::Yellow,
            Color::Green,
            Color::Magenta,
            Color::LightRed,
            Color::LightBlue,
        ];
        const MARKERS: [Marker; 4] = [Marker::Braille, Marker::Block, Marker::HalfBlock, Marker::Bar];
        if self.colour {
            (self.fg(COLOURS[index % COLOURS.len()]), Marker::Braille)
        } else {
            (Style::new(), MARKERS[index % MARKERS.len()])
        }
    }

    /// A reference line (a floor): grey dots, in colour or not.
    pub fn floor(self) -> (Style, Marker) {
        (self.fg(Color::DarkGray), Marker::Dot)
    }
}

/// The character a chart marker draws, for a legend written in text.
pub fn marker_glyph(marker: Marker) -> &'static str {
    match marker {
        Marker::Dot => "•",
        Marker::Block => "█",
        Marker::HalfBlock => "▀",
        Marker::Bar => "▄",
        _ => "⣿",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_has_no_colour_but_keeps_emphasis() {
        let plain = Theme::plain();
        for style in [plain.title(), plain.good(), plain.bad(), plain.bar(), plain.dim()] {
            assert_eq!((style.fg, style.bg), (None, None));
        }
        assert!(plain.bad().add_modifier.contains(Modifier::BOLD));
        assert!(plain.selected().add_modifier.contains(Modifier::REVERSED));
        assert_eq!(Theme::colour().good().fg, Some(Color::Green));
    }
}
