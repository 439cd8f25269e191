//! A figure (`2.4 ms`, `34×`) drawn as large as its area allows, for teach mode on a
//! projector: the 8×8 bitmap font of `font8x8`, each font pixel drawn as a block of quadrants
//! (a quarter of a cell) as large as fits, from a quadrant up; in ASCII as blocks of `#`
//! whole cells; where even the smallest does not fit, as plain text.
//!
//! Not `tui-big-text`: it stops at one cell per font pixel (eight rows), which leaves most of
//! a 200×60 screen empty, and it has no ASCII form. Its font is the same.

use font8x8::{UnicodeFonts, BASIC_FONTS, LATIN_FONTS};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Widget;

use crate::tui::theme::Theme;

/// Pixels in a glyph of the font, either way.
const GLYPH: u16 = 8;
/// Pixels a space advances: half a glyph, so `2.4 ms` does not gape.
const SPACE: u16 = 4;
/// The largest font pixel, in quadrants, either way.
const LARGEST: u16 = 32;

/// Quadrant characters by their lit quarters: top left 1, top right 2, bottom left 4,
/// bottom right 8.
const QUADRANTS: [char; 16] = [
    ' ', '▘', '▝', '▀', '▖', '▌', '▞', '▛', '▗', '▚', '▐', '▜', '▄', '▙', '▟', '█',
];

/// How a figure is drawn: font pixels of `width`×`height` quadrants, or plain text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Pixels { width: u16, height: u16 },
    Plain,
}

#[derive(Clone, Debug)]
pub struct BigFigure {
    text: String,
    style: Style,
    alignment: Alignment,
    ascii: bool,
}

impl BigFigure {
    /// `text` in the theme's glyphs (blocks, or `#` in ASCII), bold, on the left.
    pub fn new(text: impl Into<String>, theme: Theme) -> BigFigure {
        BigFigure {
            text: text.into(),
            style: Style::new().add_modifier(Modifier::BOLD),
            alignment: Alignment::Left,
            ascii: theme.is_ascii(),
        }
    }

    pub fn style(self, style: Style) -> BigFigure {
        BigFigure { style, ..self }
    }

    pub fn alignment(self, alignment: Alignment) -> BigFigure {
        BigFigure { alignment, ..self }
    }

    /// The largest scale at which the figure fits in `area`. A pixel is between square and
    /// twice as tall as wide on screen (a cell is about twice as tall as wide), the largest
    /// by area that fits, the taller of two alike; in ASCII only whole cells.
    pub fn scale(&self, area: Rect) -> Scale {
        let wide = self.pixel_width();
        let step = if self.ascii { 2 } else { 1 };
        let mut best: Option<(u16, u16)> = None;
        for height in (step..=LARGEST).step_by(usize::from(step)) {
            for width in (height..=2 * height).step_by(usize::from(step)) {
                let (columns, rows) = footprint(wide, width, height);
                let fits = columns <= u32::from(area.width) && rows <= u32::from(area.height);
                let better = best.is_none_or(|(best_width, best_height)| {
                    (width * height, height) > (best_width * best_height, best_height)
                });
                if fits && better {
                    best = Some((width, height));
                }
            }
        }
        match best {
            Some((width, height)) => Scale::Pixels { width, height },
            None => Scale::Plain,
        }
    }

    /// Columns and rows the figure takes in `area`.
    pub fn size(&self, area: Rect) -> (u16, u16) {
        match self.scale(area) {
            Scale::Pixels { width, height } => {
                let (columns, rows) = footprint(self.pixel_width(), width, height);
                (columns as u16, rows as u16)
            }
            Scale::Plain => (
                (Line::raw(self.plain_text()).width() as u16).min(area.width),
                area.height.min(1),
            ),
        }
    }

    fn glyphs(&self) -> Vec<Option<[u8; 8]>> {
        self.text
            .chars()
            .map(|glyph| match glyph {
                ' ' => None,
                _ => Some(
                    BASIC_FONTS
                        .get(glyph)
                        .or_else(|| LATIN_FONTS.get(glyph))
                        .or_else(|| BASIC_FONTS.get('?'))
                        .unwrap_or([0; 8]),
                ),
            })
            .collect()
    }

    /// The figure's width in font pixels.
    fn pixel_width(&self) -> u16 {
        self.glyphs()
            .iter()
            .map(|glyph| if glyph.is_some() { GLYPH } else { SPACE })
            .sum()
    }

    fn plain_text(&self) -> String {
        if self.ascii {
            crate::tui::theme::to_ascii(&self.text).into_owned()
        } else {
            self.text.clone()
        }
    }

    /// The bitmap as columns of the figure: each column's eight bits, top row lowest.
    fn columns(&self) -> Vec<u8> {
        let mut columns = Vec::new();
        for glyph in self.glyphs() {
            match glyph {
                None => columns.extend([0; SPACE as usize]),
                Some(rows) => columns.extend((0..GLYPH).map(|column| {
                    (0..GLYPH).fold(0u8, |bits, row| {
                        bits | (((rows[usize::from(row)] >> column) & 1) << row)
                    })
                })),
            }
        }
        columns
    }
}

/// Columns and rows of a figure `pixels` font pixels wide, each pixel `width`×`height`
/// quadrants.
fn footprint(pixels: u16, width: u16, height: u16) -> (u32, u32) {
    (
        (u32::from(pixels) * u32::from(width)).div_ceil(2),
        (u32::from(GLYPH) * u32::from(height)).div_ceil(2),
    )
}

impl Widget for &BigFigure {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let (columns, rows) = self.size(area);
        let left = match self.alignment {
            Alignment::Left => area.x,
            Alignment::Center => area.x + (area.width - columns) / 2,
            Alignment::Right => area.right() - columns,
        };
        let Scale::Pixels { width, height } = self.scale(area) else {
            buf.set_stringn(
                left,
                area.y,
                self.plain_text(),
                usize::from(area.width),
                self.style,
            );
            return;
        };
        let bitmap = self.columns();
        let lit = |quadrant_x: u16, quadrant_y: u16| {
            let (column, row) = (quadrant_x / width, quadrant_y / height);
            bitmap
                .get(usize::from(column))
                .is_some_and(|bits| row < GLYPH && bits >> row & 1 == 1)
        };
        for y in 0..rows {
            for x in 0..columns {
                let quarters = [(0, 0, 1), (1, 0, 2), (0, 1, 4), (1, 1, 8)]
                    .into_iter()
                    .filter(|&(dx, dy, _)| lit(2 * x + dx, 2 * y + dy))
                    .fold(0, |quarters, (_, _, bit)| quarters | bit);
                let symbol = if self.ascii {
                    // Whole cells: all four quarters alike.
                    if quarters == 0 {
                        ' '
                    } else {
                        '#'
                    }
                } else {
                    QUADRANTS[quarters]
                };
                buf[(left + x, area.y + y)].set_char(symbol).set_style(self.style);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::theme::non_ascii_cells;

    fn render(figure: &BigFigure, width: u16, height: u16) -> Buffer {
        let mut buffer = Buffer::empty(Rect::new(0, 0, width, height));
        figure.render(buffer.area, &mut buffer);
        buffer
    }

    /// Columns and rows from the first to the last cell that is not blank.
    fn drawn(buffer: &Buffer) -> (u16, u16) {
        let cells: Vec<(u16, u16)> = (0..buffer.area.height)
            .flat_map(|y| (0..buffer.area.width).map(move |x| (x, y)))
            .filter(|&(x, y)| buffer[(x, y)].symbol() != " ")
            .collect();
        let span =
            |values: Vec<u16>| values.iter().max().unwrap_or(&0) - values.iter().min().unwrap_or(&0) + 1;
        (
            span(cells.iter().map(|&(x, _)| x).collect()),
            span(cells.iter().map(|&(_, y)| y).collect()),
        )
    }

    #[test]
    fn the_figure_grows_with_the_terminal() {
        let figure = BigFigure::new("2.4 ms", Theme::plain());
        let small = render(&figure, 80, 24);
        let large = render(&figure, 200, 60);
        let (small_width, small_height) = drawn(&small);
        let (large_width, large_height) = drawn(&large);
        assert!(
            small_height >= 8,
            "readable from the back at 80×24: {small_height} rows"
        );
        assert!(large_width > 2 * small_width && large_height > 2 * small_height);
        assert!(
            large_width >= 150 && large_height >= 30,
            "{large_width}×{large_height}"
        );
        assert_eq!(
            figure.scale(Rect::new(0, 0, 80, 24)),
            Scale::Pixels { width: 3, height: 3 }
        );
        let (columns, rows) = figure.size(Rect::new(0, 0, 200, 60));
        assert!(columns <= 200 && rows <= 60);
        assert!(large_width <= columns && large_height <= rows);
    }

    #[test]
    fn quadrants_draw_the_font_pixel_for_pixel() {
        // A pixel of 2×1 quadrants: one cell per glyph column, half a cell per glyph row.
        let figure = BigFigure::new("7", Theme::plain());
        assert_eq!(
            figure.scale(Rect::new(0, 0, 8, 4)),
            Scale::Pixels { width: 2, height: 1 }
        );
        let buffer = render(&figure, 8, 4);
        let glyph = BASIC_FONTS.get('7').unwrap();
        for y in 0..4u16 {
            for x in 0..8u16 {
                let symbol = buffer[(x, y)].symbol().chars().next().unwrap();
                let quarters = QUADRANTS.iter().position(|&q| q == symbol).unwrap();
                let bit = |row: u16| glyph[usize::from(row)] >> x & 1 == 1;
                assert_eq!(quarters & 1 == 1, bit(2 * y), "({x}, {y})");
                assert_eq!(quarters & 4 == 4, bit(2 * y + 1), "({x}, {y})");
            }
        }
    }

    #[test]
    fn in_ascii_the_font_is_drawn_in_hashes() {
        let figure = BigFigure::new("1", Theme::plain().with_ascii(true));
        let buffer = render(&figure, 8, 8);
        let glyph = BASIC_FONTS.get('1').unwrap();
        for y in 0..8u16 {
            let row: String = (0..8).map(|x| buffer[(x, y)].symbol().to_string()).collect();
            let expected: String = (0..8)
                .map(|x| {
                    if glyph[usize::from(y)] >> x & 1 == 1 {
                        '#'
                    } else {
                        ' '
                    }
                })
                .collect();
            assert_eq!(row, expected, "row {y}");
        }
        let large = render(&BigFigure::new("34×", Theme::plain().with_ascii(true)), 200, 60);
        assert_eq!(non_ascii_cells(&large), []);
        assert!(drawn(&large).1 >= 40);
    }

    #[test]
    fn too_small_it_is_plain_text_and_never_draws_outside() {
        let figure = BigFigure::new("2.4 µs", Theme::plain().with_ascii(true));
        assert_eq!(figure.scale(Rect::new(0, 0, 30, 3)), Scale::Plain);
        let buffer = render(&figure, 30, 3);
        let first: String = (0..6).map(|x| buffer[(x, 0)].symbol().to_string()).collect();
        assert_eq!(first, "2.4 us");
        let centred = BigFigure::new("12", Theme::plain()).alignment(Alignment::Center);
        let buffer = render(&centred, 41, 10);
        let (columns, _) = centred.size(buffer.area);
        let left = (0..41)
            .find(|&x| (0..10).any(|y| buffer[(x, y)].symbol() != " "))
            .unwrap();
        assert!(left >= (41 - columns) / 2, "centred: starts at {left}");
        for (width, height) in [(0, 0), (1, 1), (3, 2), (17, 9), (250, 80)] {
            render(&figure, width, height);
            render(&centred, width, height);
        }
    }
}
