//! Colours and styles in one place. Only the sixteen named ANSI colours, so the explorer
//! looks the same over SSH on `xterm-256color`, `screen`, `tmux-256color` and `linux`.
//! With `NO_COLOR` set every colour goes and only bold, reverse and the text remain: the
//! screen never tells a state by colour alone (symbols and words say it too). In ASCII mode
//! (`Glyphs::ASCII`) every gauge, bar, marker and border is drawn with ASCII only, for the
//! Linux console, serial lines and fonts without braille or block elements.

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;
use ratatui::symbols::Marker;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    colour: bool,
    ascii: bool,
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
        Theme {
            colour: true,
            ascii: false,
        }
    }

    pub fn plain() -> Theme {
        Theme {
            colour: false,
            ascii: false,
        }
    }

    /// The same palette drawn with ASCII only (`--ascii`, or [`ascii_from_env`]).
    pub fn with_ascii(self, ascii: bool) -> Theme {
        Theme { ascii, ..self }
    }

    pub fn is_ascii(self) -> bool {
        self.ascii
    }

    /// The characters to draw with.
    pub fn glyphs(self) -> &'static Glyphs {
        if self.ascii {
            &Glyphs::ASCII
        } else {
            &Glyphs::UNICODE
        }
    }

    /// `text` as this theme can show it: unchanged, or spelled in ASCII.
    pub fn text(self, text: &str) -> Cow<'_, str> {
        if self.ascii {
            to_ascii(text)
        } else {
            Cow::Borrowed(text)
        }
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

    /// Code in a teaching text: set apart by colour (the text around it says it is code).
    pub fn code(self) -> Style {
        self.fg(Color::Yellow)
    }

    /// The `index`th phase of a stacked bar: a background colour under its letter, or
    /// reversed video without colour (the letters tell the phases apart).
    pub fn phase(self, index: usize) -> Style {
        const COLOURS: [Color; 8] = [
            Color::Blue,
            Color::Magenta,
            Color::Cyan,
            Color::Green,
            Color::Yellow,
            Color::Red,
            Color::LightBlue,
            Color::LightMagenta,
        ];
        if self.colour {
            Style::new().bg(COLOURS[index % COLOURS.len()]).fg(Color::Black)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
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
        // In ASCII a character per line, in colour or not: a console's few colours blur.
        const ASCII_MARKERS: [char; 6] = ['*', '+', 'o', 'x', '#', '%'];
        let style = self.fg(COLOURS[index % COLOURS.len()]);
        if self.ascii {
            (style, Marker::Custom(ASCII_MARKERS[index % ASCII_MARKERS.len()]))
        } else if self.colour {
            (style, Marker::Braille)
        } else {
            (Style::new(), MARKERS[index % MARKERS.len()])
        }
    }

    /// A reference line (a floor): grey dots, in colour or not.
    pub fn floor(self) -> (Style, Marker) {
        let marker = if self.ascii {
            Marker::Custom('.')
        } else {
            Marker::Dot
        };
        (self.fg(Color::DarkGray), marker)
    }
}

/// The character a chart marker draws, for a legend written in text.
pub fn marker_glyph(marker: Marker) -> String {
    match marker {
        Marker::Dot => "•".into(),
        Marker::Block => "█".into(),
        Marker::HalfBlock => "▀".into(),
        Marker::Bar => "▄".into(),
        Marker::Custom(glyph) => glyph.to_string(),
        _ => "⣿".into(),
    }
}

/// The characters the views draw with, in one of two sets.
#[derive(Debug, PartialEq, Eq)]
pub struct Glyphs {
    /// Filled and empty parts of a gauge.
    pub gauge_fill: &'static str,
    pub gauge_empty: &'static str,
    /// A horizontal bar's whole cell, then its partial cells by eighths (index 1 to 7); in
    /// ASCII a bar rounds to whole cells.
    pub bar_full: &'static str,
    pub bar_eighths: [&'static str; 8],
    /// A histogram's columns from empty to full, in nine heights.
    pub column: [&'static str; 9],
    /// A list item, a selected row, the panel with the keys.
    pub bullet: &'static str,
    pub pointer: &'static str,
    pub focus: &'static str,
    pub check: &'static str,
    pub cross: &'static str,
    pub up: &'static str,
    pub down: &'static str,
    pub ellipsis: &'static str,
    pub times: &'static str,
    pub micro: &'static str,
    pub separator: &'static str,
    /// Borders of a panel, and of the panel with the keys.
    pub border: border::Set<'static>,
    pub focused_border: border::Set<'static>,
    /// The axes of a chart.
    pub axis_horizontal: &'static str,
    pub axis_vertical: &'static str,
    pub axis_corner: &'static str,
}

impl Glyphs {
    pub const UNICODE: Glyphs = Glyphs {
        gauge_fill: "█",
        gauge_empty: "░",
        bar_full: "█",
        bar_eighths: ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"],
        column: [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        bullet: "•",
        pointer: "›",
        focus: "▸",
        check: "✓",
        cross: "✗",
        up: "↑",
        down: "↓",
        ellipsis: "…",
        times: "×",
        micro: "µ",
        separator: "·",
        border: border::PLAIN,
        focused_border: border::THICK,
        axis_horizontal: "─",
        axis_vertical: "│",
        axis_corner: "└",
    };

    pub const ASCII: Glyphs = Glyphs {
        gauge_fill: "#",
        gauge_empty: ".",
        bar_full: "#",
        bar_eighths: [""; 8],
        column: [" ", " ", "_", "_", ".", ".", "o", "o", "#"],
        bullet: "-",
        pointer: ">",
        focus: ">",
        check: "ok",
        cross: "x",
        up: "^",
        down: "v",
        ellipsis: "~",
        times: "x",
        micro: "u",
        separator: "-",
        border: border::Set {
            top_left: "+",
            top_right: "+",
            bottom_left: "+",
            bottom_right: "+",
            vertical_left: "|",
            vertical_right: "|",
            horizontal_top: "-",
            horizontal_bottom: "-",
        },
        focused_border: border::Set {
            top_left: "#",
            top_right: "#",
            bottom_left: "#",
            bottom_right: "#",
            vertical_left: "#",
            vertical_right: "#",
            horizontal_top: "=",
            horizontal_bottom: "=",
        },
        axis_horizontal: "-",
        axis_vertical: "|",
        axis_corner: "+",
    };

    /// A horizontal bar `width` cells long at most, filled to `fraction`: in eighths of a
    /// cell, or in whole cells where there are no eighths.
    pub fn bar(&self, fraction: f64, width: usize) -> String {
        let eighths = (fraction.clamp(0.0, 1.0) * width as f64 * 8.0).round() as usize;
        let mut text = self.bar_full.repeat(eighths / 8);
        if self.bar_eighths[4].is_empty() {
            // Whole cells only: a part of at least a half counts as a cell.
            if eighths % 8 >= 4 {
                text.push_str(self.bar_full);
            }
        } else {
            text.push_str(self.bar_eighths[eighths % 8]);
        }
        text
    }

    /// A gauge exactly `width` cells wide, filled to `fraction` in whole cells.
    pub fn gauge(&self, fraction: f64, width: usize) -> String {
        let filled = ((fraction.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
        self.gauge_fill.repeat(filled) + &self.gauge_empty.repeat(width - filled)
    }
}

/// Whether the terminal should be drawn on with ASCII only, before `--ascii` says so:
/// - `TERM` `linux` (the console's font has no braille), `vt100` and kin, `dumb` or `ansi`;
/// - a locale that is not UTF-8: the first of `LC_ALL`, `LC_CTYPE`, `LANG` that is set and
///   not empty decides; `C` and `POSIX` mean ASCII, a name with a charset (`de_DE.ISO-8859-1`)
///   means ASCII unless the charset is UTF-8. A locale with no charset (`en_US`) or none set at
///   all is taken as UTF-8: containers often set none while their terminals speak UTF-8.
pub fn ascii_by_default(
    term: Option<&str>,
    lc_all: Option<&str>,
    lc_ctype: Option<&str>,
    lang: Option<&str>,
) -> bool {
    let term = term.unwrap_or("");
    let console = term == "linux"
        || term.starts_with("linux-")
        || term
            .strip_prefix("vt")
            .is_some_and(|model| model.starts_with(|c: char| c.is_ascii_digit()))
        || term == "dumb"
        || term == "ansi";
    let locale = [lc_all, lc_ctype, lang]
        .into_iter()
        .flatten()
        .find(|value| !value.is_empty());
    let not_utf8 = locale.is_some_and(|locale| {
        // `language_TERRITORY.charset@modifier`
        let without_modifier = locale.split('@').next().unwrap_or(locale);
        match without_modifier.split_once('.') {
            Some((_, charset)) => {
                let charset = charset.to_ascii_lowercase().replace(['-', '_'], "");
                charset != "utf8"
            }
            None => without_modifier == "C" || without_modifier == "POSIX",
        }
    });
    console || not_utf8
}

/// [`ascii_by_default`] for this process's environment.
pub fn ascii_from_env() -> bool {
    let var = |name| std::env::var(name).ok();
    ascii_by_default(
        var("TERM").as_deref(),
        var("LC_ALL").as_deref(),
        var("LC_CTYPE").as_deref(),
        var("LANG").as_deref(),
    )
}

/// The ASCII spelling of a character the views use, or `None` where it is ASCII already.
fn ascii_of(glyph: char) -> Option<&'static str> {
    Some(match glyph {
        c if c.is_ascii() => return None,
        'µ' => "u",
        '×' => "x",
        '·' | '—' | '–' | '─' | '━' => "-",
        '…' => "...",
        '→' => "->",
        '←' => "<-",
        '↑' | '▲' => "^",
        '↓' | '▼' => "v",
        '✓' => "ok",
        '✗' => "x",
        '•' | '⣿' => "*",
        '›' | '▸' | '▶' => ">",
        '‹' => "<",
        '±' => "+-",
        '≥' => ">=",
        '≤' => "<=",
        '≈' => "~",
        'σ' => "sd",
        'ⁿ' => "^n",
        '│' | '┃' => "|",
        '┌' | '┐' | '└' | '┘' | '┏' | '┓' | '┗' | '┛' => "+",
        '█' | '▉' | '▊' | '▋' | '▌' | '▀' | '▄' | '▇' => "#",
        // A histogram's lower columns, as `Glyphs::ASCII.column` draws them.
        '▁' | '▂' => "_",
        '▃' => ".",
        '▅' | '▆' => "o",
        '▍' | '▎' | '▏' | '░' => " ",
        '\u{2800}'..='\u{28ff}' => ".",
        _ => "?",
    })
}

/// `text` spelled in ASCII: `2.4 µs · 34×` becomes `2.4 us - 34x`.
pub fn to_ascii(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut ascii = String::with_capacity(text.len());
    for glyph in text.chars() {
        match ascii_of(glyph) {
            Some(spelling) => ascii.push_str(spelling),
            None => ascii.push(glyph),
        }
    }
    Cow::Owned(ascii)
}

/// Every cell of `buffer` in ASCII, one character a cell so nothing moves: a last pass over
/// a frame drawn for ASCII, for text that did not go through [`Theme::text`].
pub fn asciify(buffer: &mut Buffer) {
    let area = buffer.area;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let cell = &mut buffer[(x, y)];
            if cell.symbol().is_ascii() {
                continue;
            }
            let glyph = cell.symbol().chars().next().unwrap_or(' ');
            let single = match glyph {
                '✓' => 'v',
                '→' => '>',
                '←' => '<',
                '…' => '.',
                '±' => '~',
                _ => to_ascii(cell.symbol()).chars().next().unwrap_or(' '),
            };
            cell.set_char(single);
        }
    }
}

/// The cells of `buffer` that hold a character outside ASCII, as (column, row, symbol), for
/// the tests that check an ASCII screen.
pub fn non_ascii_cells(buffer: &Buffer) -> Vec<(u16, u16, String)> {
    let area = buffer.area;
    (area.top()..area.bottom())
        .flat_map(|y| (area.left()..area.right()).map(move |x| (x, y)))
        .filter_map(|(x, y)| {
            let symbol = buffer[(x, y)].symbol();
            (!symbol.is_ascii()).then(|| (x, y, symbol.to_string()))
        })
        .collect()
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

    #[test]
    fn consoles_and_locales_that_are_not_utf8_default_to_ascii() {
        let utf8 = Some("en_US.UTF-8");
        for term in ["linux", "linux-16color", "vt100", "vt220", "dumb", "ansi"] {
            assert!(ascii_by_default(Some(term), None, None, utf8), "{term}");
        }
        for term in [
            "xterm-256color",
            "screen",
            "tmux-256color",
            "alacritty",
            "vte-256color",
        ] {
            assert!(!ascii_by_default(Some(term), None, None, utf8), "{term}");
        }
        let xterm = Some("xterm");
        for lang in ["C", "POSIX", "de_DE.ISO-8859-1", "ja_JP.eucJP", "C@euro"] {
            assert!(ascii_by_default(xterm, None, None, Some(lang)), "{lang}");
        }
        for lang in ["C.UTF-8", "en_US.utf8", "de_DE.UTF-8@euro", "en_US", ""] {
            assert!(!ascii_by_default(xterm, None, None, Some(lang)), "{lang}");
        }
        assert!(!ascii_by_default(xterm, None, None, None), "nothing set");
        assert!(!ascii_by_default(None, None, None, None));
        // LC_ALL over LC_CTYPE over LANG; an empty one does not count.
        assert!(ascii_by_default(xterm, Some("C"), utf8, utf8));
        assert!(!ascii_by_default(
            xterm,
            Some("en_GB.UTF-8"),
            Some("C"),
            Some("C")
        ));
        assert!(ascii_by_default(xterm, Some(""), Some("POSIX"), utf8));
        assert!(!ascii_by_default(xterm, None, Some(""), utf8));
    }

    #[test]
    fn ascii_glyphs_are_ascii_and_bars_keep_their_length() {
        let ascii = &Glyphs::ASCII;
        let strings = [
            ascii.gauge_fill,
            ascii.gauge_empty,
            ascii.bar_full,
            ascii.bullet,
            ascii.pointer,
            ascii.focus,
            ascii.check,
            ascii.cross,
            ascii.up,
            ascii.down,
            ascii.ellipsis,
            ascii.times,
            ascii.micro,
            ascii.separator,
            ascii.axis_horizontal,
            ascii.axis_vertical,
            ascii.axis_corner,
        ];
        let border = |set: border::Set<'static>| {
            [
                set.top_left,
                set.top_right,
                set.bottom_left,
                set.bottom_right,
                set.vertical_left,
                set.vertical_right,
                set.horizontal_top,
                set.horizontal_bottom,
            ]
        };
        for glyph in strings
            .into_iter()
            .chain(ascii.column)
            .chain(border(ascii.border))
            .chain(border(ascii.focused_border))
        {
            assert!(!glyph.is_empty() && glyph.is_ascii(), "{glyph:?}");
        }
        assert_eq!(ascii.bar(0.5, 3), "##");
        assert_eq!(ascii.bar(0.4, 3), "#");
        assert_eq!(ascii.bar(1.0, 3), "###");
        assert_eq!(Glyphs::UNICODE.bar(0.5, 3), "█▌");
        assert_eq!(ascii.gauge(0.5, 4), "##..");
        assert_eq!(Glyphs::UNICODE.gauge(2.0, 3), "███");
        let theme = Theme::plain().with_ascii(true);
        for index in 0..6 {
            let (_, marker) = theme.line(index);
            assert!(marker_glyph(marker).is_ascii(), "{marker:?}");
        }
        assert_eq!(marker_glyph(theme.floor().1), ".");
        assert_ne!(
            theme.line(0).1,
            theme.line(1).1,
            "lines tell apart without colour"
        );
    }

    #[test]
    fn text_is_spelled_in_ascii() {
        assert_eq!(to_ascii("2.4 µs · 34× faster…"), "2.4 us - 34x faster...");
        assert_eq!(
            to_ascii("↑↓ scroll, ✓ done, ✗ failed"),
            "^v scroll, ok done, x failed"
        );
        assert_eq!(to_ascii("4 KiB → 4 MiB"), "4 KiB -> 4 MiB");
        assert!(matches!(to_ascii("plain"), Cow::Borrowed("plain")));
        assert_eq!(Theme::plain().text("µs"), "µs");
        assert_eq!(Theme::plain().with_ascii(true).text("µs"), "us");
        assert!(to_ascii("⣿▀█╳").is_ascii(), "anything else becomes ASCII too");
    }

    #[test]
    fn non_ascii_cells_are_found_by_position() {
        let mut buffer = Buffer::empty(ratatui::layout::Rect::new(0, 0, 6, 2));
        buffer.set_string(0, 0, "ok", Style::new());
        assert!(non_ascii_cells(&buffer).is_empty());
        buffer.set_string(3, 1, "µs", Style::new());
        assert_eq!(non_ascii_cells(&buffer), [(3, 1, "µ".to_string())]);
        buffer.set_string(0, 0, "✓→…", Style::new());
        asciify(&mut buffer);
        assert_eq!(non_ascii_cells(&buffer), []);
        assert_eq!(buffer, Buffer::with_lines(["v>.   ", "   us "]));
    }
}
