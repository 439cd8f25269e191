//! The sweep's chart: median time per child against payload size, both logarithmic, drawn
//! with its own axes rather than ratatui's `Chart`, whose x labels are spread evenly over the
//! axis whatever they name. Here each size label stands centred under the point of its size,
//! in one unit family, as many as fit without touching; in ASCII the axes and markers are
//! ASCII too. Lines stay inside the axes at any size (the canvas clips to the plot).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::canvas::{Canvas, Line as Segment, Points};
use ratatui::widgets::Widget;

use crate::report;
use crate::tui::theme::Theme;

/// log10 of a positive value; the chart's axes are logarithmic.
fn log(value: u64) -> f64 {
    (value.max(1) as f64).log10()
}

/// One line of the chart: its look and its (bytes, median ns) points, by size.
pub struct PlotLine<'a> {
    pub style: Style,
    pub marker: Marker,
    pub points: &'a [(u64, u64)],
}

/// Time per child against size, both logarithmic: the time axis on the left, labelled at
/// each decade; the size axis below, labelled under the points of the sweep's sizes.
pub struct SizeChart<'a> {
    pub sizes: &'a [u64],
    pub lines: &'a [PlotLine<'a>],
    pub theme: Theme,
}

/// Where the chart's parts go in its area.
#[derive(Debug, PartialEq, Eq)]
struct ChartLayout {
    /// The lines' own area, inside the axes.
    plot: Rect,
    /// The row of the size labels, under the size axis.
    labels_row: u16,
}

impl SizeChart<'_> {
    fn layout(&self, area: Rect, y_label_width: u16, x_label_width: u16) -> Option<ChartLayout> {
        // A label of width w centred on a column reaches (w - 1) / 2 left of it and w / 2
        // right of it: the plot keeps that room so the first and last labels fit.
        let left = y_label_width.max(x_label_width.saturating_sub(1) / 2) + 1;
        let right = x_label_width / 2;
        if area.height < 4 || area.width < left + right + 2 {
            return None;
        }
        Some(ChartLayout {
            plot: Rect::new(area.x + left, area.y, area.width - left - right, area.height - 2),
            labels_row: area.bottom() - 1,
        })
    }

    /// The log10 bounds of the size axis: the sweep's first size to its last (one size in
    /// the middle of half a decade either way).
    fn x_bounds(&self) -> [f64; 2] {
        match (self.sizes.first(), self.sizes.last()) {
            (Some(&first), Some(&last)) if first < last => [log(first), log(last)],
            (Some(&only), _) => [log(only) - 0.5, log(only) + 0.5],
            _ => [0.0, 1.0],
        }
    }

    /// Dots per cell across of the first line's marker, which the label columns follow.
    fn dots_across(&self) -> u16 {
        match self.lines.first().map(|line| line.marker) {
            Some(Marker::Braille | Marker::Quadrant | Marker::Sextant | Marker::Octant) => 2,
            _ => 1,
        }
    }
}

/// The column of `plot` where the canvas draws `x` within `bounds`, at `dots` dots a cell:
/// the canvas's own rounding.
fn column_of(x: f64, bounds: [f64; 2], plot: Rect, dots: u16) -> u16 {
    let resolution = f64::from(plot.width * dots) - 1.0;
    let dot = ((x - bounds[0]) * resolution / (bounds[1] - bounds[0])).round();
    plot.x + (dot.max(0.0) as u16 / dots).min(plot.width - 1)
}

impl Widget for SizeChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let glyphs = self.theme.glyphs();
        let family = UnitFamily::of(self.sizes);
        let x_labels: Vec<String> = self.sizes.iter().map(|&size| family.label(size)).collect();
        let (y_bounds, y_labels) = time_axis(self.lines);
        let y_labels: Vec<String> = y_labels
            .iter()
            .map(|label| self.theme.text(label).into_owned())
            .collect();
        let width_of = |labels: &[String]| {
            labels
                .iter()
                .map(|label| Span::raw(label).width())
                .max()
                .unwrap_or(0) as u16
        };
        let Some(ChartLayout { plot, labels_row }) =
            self.layout(area, width_of(&y_labels), width_of(&x_labels))
        else {
            return;
        };
        let dim = self.theme.dim();
        let axis_row = plot.bottom();
        let axis_column = plot.x - 1;
        for y in plot.top()..axis_row {
            buf[(axis_column, y)]
                .set_symbol(glyphs.axis_vertical)
                .set_style(dim);
        }
        for x in plot.left()..plot.right() {
            buf[(x, axis_row)]
                .set_symbol(glyphs.axis_horizontal)
                .set_style(dim);
        }
        buf[(axis_column, axis_row)]
            .set_symbol(glyphs.axis_corner)
            .set_style(dim);
        // A decade label on its row: the canvas's rounding, at four dots a cell, is the
        // braille grid's; decades fall on whole rows at any height close enough.
        let decades = y_labels.len().saturating_sub(1).max(1) as u16;
        for (at, label) in y_labels.iter().enumerate() {
            let y = axis_row - 1 - (at as u16 * (plot.height - 1) / decades);
            buf.set_stringn(area.x, y, label, usize::from(axis_column - area.x), dim);
        }

        let x_bounds = self.x_bounds();
        let columns: Vec<u16> = self
            .sizes
            .iter()
            .map(|&size| column_of(log(size), x_bounds, plot, self.dots_across()))
            .collect();
        for at in fitting_labels(&columns, &x_labels) {
            let width = Span::raw(&x_labels[at]).width() as u16;
            let start = columns[at] - (width.saturating_sub(1) / 2);
            buf.set_stringn(start, labels_row, &x_labels[at], usize::from(width), dim);
        }

        Canvas::default()
            .x_bounds(x_bounds)
            .y_bounds(y_bounds)
            .paint(|context| {
                for line in self.lines {
                    context.marker(line.marker);
                    let colour = line.style.fg.unwrap_or_default();
                    let points: Vec<(f64, f64)> = line
                        .points
                        .iter()
                        .map(|&(size, median)| (log(size), log(median)))
                        .collect();
                    context.draw(&Points {
                        coords: &points,
                        color: colour,
                    });
                    for pair in points.windows(2) {
                        context.draw(&Segment::new(pair[0].0, pair[0].1, pair[1].0, pair[1].1, colour));
                    }
                }
            })
            .render(plot, buf);
        // What the time is, over the plot's top left corner, where lines rarely are; the
        // size labels' units say what the other axis is.
        buf.set_stringn(plot.x, plot.y, "per child", usize::from(plot.width), dim);
    }
}

/// The sizes to label: the first, then every `step`th, the smallest step at which no two
/// labels touch, and the last in place of any that it would touch.
fn fitting_labels(columns: &[u16], labels: &[String]) -> Vec<usize> {
    let span = |at: usize| {
        let width = Span::raw(&labels[at]).width() as i32;
        let start = i32::from(columns[at]) - (width - 1) / 2;
        (start, start + width - 1)
    };
    let apart = |chosen: &[usize]| {
        chosen
            .windows(2)
            .all(|pair| span(pair[0]).1 + 1 < span(pair[1]).0)
    };
    let last = columns.len().saturating_sub(1);
    for step in 1..=last.max(1) {
        let mut chosen: Vec<usize> = (0..=last).step_by(step).collect();
        if chosen.last() != Some(&last) {
            while chosen
                .last()
                .is_some_and(|&previous| previous != 0 && span(previous).1 + 1 >= span(last).0)
            {
                chosen.pop();
            }
            chosen.push(last);
        }
        if apart(&chosen) {
            return chosen;
        }
    }
    if columns.is_empty() {
        Vec::new()
    } else {
        vec![0]
    }
}

/// The units of the size axis: one family for all its labels, the one the sweep's sizes
/// were given in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UnitFamily {
    Binary,
    Decimal,
}

impl UnitFamily {
    /// Binary where the first size is a power of two or whole KiB (`4KiB`, `4096`), else
    /// decimal (`1MB`, `5000`): the others grow from the first by the factor.
    fn of(sizes: &[u64]) -> UnitFamily {
        match sizes.first() {
            Some(&first) if first.is_power_of_two() || first.is_multiple_of(1 << 10) => UnitFamily::Binary,
            Some(_) => UnitFamily::Decimal,
            None => UnitFamily::Binary,
        }
    }

    /// `1.5 MiB`, `144 KiB`, `2.25 MB`: three figures at most, in the largest unit of the
    /// family that fits.
    fn label(self, bytes: u64) -> String {
        let units: [(&str, u64); 4] = match self {
            UnitFamily::Binary => [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1)],
            UnitFamily::Decimal => [("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("B", 1)],
        };
        let (unit, factor) = units
            .into_iter()
            .find(|&(_, factor)| bytes >= factor)
            .unwrap_or(("B", 1));
        let value = bytes as f64 / factor as f64;
        let figure = if value >= 100.0 {
            format!("{value:.0}")
        } else if value >= 10.0 {
            format!("{value:.1}")
        } else {
            format!("{value:.2}")
        };
        let figure = if figure.contains('.') {
            figure.trim_end_matches('0').trim_end_matches('.')
        } else {
            &figure
        };
        format!("{figure} {unit}")
    }
}

/// The time axis: whole decades around every point measured, each decade labelled.
fn time_axis(lines: &[PlotLine]) -> ([f64; 2], Vec<String>) {
    let medians = lines
        .iter()
        .flat_map(|line| line.points.iter().map(|&(_, median)| median));
    let (low, high) = medians.fold((u64::MAX, 0), |(low, high), median| {
        (low.min(median), high.max(median))
    });
    let (low, high) = if high == 0 {
        (3, 6) // 1 µs to 1 ms until the first point comes
    } else {
        let low = log(low).floor() as i32;
        (low, (log(high).ceil() as i32).max(low + 1))
    };
    let labels = (low..=high)
        .map(|decade| decade_label(10u64.pow(decade as u32)))
        .collect();
    ([f64::from(low), f64::from(high)], labels)
}

/// `1 µs`, `10 µs`, `100 µs`: a power of ten in the unit that reads best.
fn decade_label(nanos: u64) -> String {
    report::duration(nanos).replace(".00 ", " ").replace(".0 ", " ")
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    use super::*;
    use crate::bench::sweep::sizes;
    use crate::tui::theme::non_ascii_cells;

    /// One single point per size, all at 10 µs, each a line of its own marker.
    fn one_point_each(sizes: &[u64]) -> Vec<Vec<(u64, u64)>> {
        sizes.iter().map(|&size| vec![(size, 10_000)]).collect()
    }

    fn render_chart(sizes: &[u64], points: &[Vec<(u64, u64)>], width: u16, height: u16) -> Buffer {
        let theme = Theme::plain().with_ascii(true);
        let lines: Vec<PlotLine> = points
            .iter()
            .enumerate()
            .map(|(index, points)| {
                let (style, marker) = theme.line(index);
                PlotLine {
                    style,
                    marker,
                    points,
                }
            })
            .collect();
        let mut buffer = Buffer::empty(Rect::new(0, 0, width, height));
        SizeChart {
            sizes,
            lines: &lines,
            theme,
        }
        .render(buffer.area, &mut buffer);
        buffer
    }

    fn row(buffer: &Buffer, y: u16) -> String {
        (0..buffer.area.width).map(|x| buffer[(x, y)].symbol()).collect()
    }

    const MARKERS: [char; 6] = ['*', '+', 'o', 'x', '#', '%'];

    /// The columns where the points are drawn, found on the screen, left to right.
    fn point_columns(buffer: &Buffer) -> Vec<u16> {
        let axis = buffer.area.height - 2;
        let mut columns: Vec<u16> = (0..axis)
            .flat_map(|y| (1..buffer.area.width).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let symbol = buffer[(x, y)].symbol();
                let left = buffer[(x - 1, y)].symbol();
                // Not the axis, which is `|`; markers stand alone (not inside a title).
                symbol.chars().all(|glyph| MARKERS.contains(&glyph)) && (left == " " || left == "|")
            })
            .map(|(x, _)| x)
            .collect();
        columns.sort_unstable();
        columns.dedup();
        columns
    }

    /// Each label on the bottom row, with the column of its centre.
    fn labels(buffer: &Buffer) -> Vec<(String, u16)> {
        let text = row(buffer, buffer.area.height - 1);
        let mut found = Vec::new();
        let mut at = 0;
        let words: Vec<&str> = text.split_whitespace().collect();
        for pair in words.chunks(2) {
            let label = pair.join(" ");
            let start = text[at..].find(&label).unwrap() + at;
            found.push((label.clone(), (start + (label.len() - 1) / 2) as u16));
            at = start + label.len();
        }
        found
    }

    #[test]
    fn size_labels_stand_centred_under_the_points_they_name() {
        let sweep = sizes(4 << 10, 4 << 20, 4.0).unwrap();
        for (width, height) in [(86, 20), (120, 30), (50, 12)] {
            let buffer = render_chart(&sweep, &one_point_each(&sweep), width, height);
            let columns = point_columns(&buffer);
            assert_eq!(columns.len(), sweep.len(), "{width}: {columns:?}\n{buffer:?}");
            let labels = labels(&buffer);
            assert!(labels.len() >= 2, "{labels:?}");
            assert_eq!(labels.first().unwrap().0, "4 KiB");
            assert_eq!(labels.last().unwrap().0, "4 MiB");
            for (label, centre) in &labels {
                let at = sweep
                    .iter()
                    .position(|&size| UnitFamily::Binary.label(size) == *label)
                    .unwrap_or_else(|| panic!("{label} names no size"));
                assert_eq!(*centre, columns[at], "{label} at {width}: {labels:?} {columns:?}");
            }
        }
        let wide = render_chart(&sweep, &one_point_each(&sweep), 86, 20);
        assert_eq!(labels(&wide).len(), 6, "every size's label fits at 86 columns");
    }

    #[test]
    fn at_factor_one_and_a_half_as_many_labels_as_fit_in_one_family() {
        let sweep = sizes(4 << 10, 4 << 20, 1.5).unwrap();
        let buffer = render_chart(&sweep, &one_point_each(&sweep), 86, 20);
        let labels = labels(&buffer);
        assert!(labels.len() >= 5, "{labels:?}");
        assert!(
            labels
                .iter()
                .all(|(label, _)| label.ends_with("KiB") || label.ends_with("MiB")),
            "{labels:?}"
        );
        let columns = point_columns(&buffer);
        assert_eq!(columns.len(), sweep.len());
        for (label, centre) in &labels {
            let at = sweep
                .iter()
                .position(|&size| UnitFamily::Binary.label(size) == *label)
                .unwrap();
            assert_eq!(*centre, columns[at], "{label}");
        }
        let ends: Vec<u16> = labels
            .iter()
            .map(|(label, centre)| centre + label.len() as u16 / 2)
            .collect();
        let starts: Vec<u16> = labels
            .iter()
            .map(|(label, centre)| centre - (label.len() as u16 - 1) / 2)
            .collect();
        assert!(
            ends.iter().zip(&starts[1..]).all(|(end, start)| end + 1 < *start),
            "labels apart"
        );
    }

    #[test]
    fn sizes_are_labelled_in_the_family_they_were_given_in() {
        let decimal = sizes(1_000_000, 8_000_000, 1.5).unwrap();
        assert_eq!(UnitFamily::of(&decimal), UnitFamily::Decimal);
        let labels: Vec<String> = decimal
            .iter()
            .map(|&size| UnitFamily::Decimal.label(size))
            .collect();
        assert_eq!(labels[..4], ["1 MB", "1.5 MB", "2.25 MB", "3.38 MB"]);
        assert_eq!(UnitFamily::of(&[4096, 6144]), UnitFamily::Binary);
        assert_eq!(UnitFamily::of(&[512]), UnitFamily::Binary);
        assert_eq!(UnitFamily::of(&[5000]), UnitFamily::Decimal);
        assert_eq!(UnitFamily::Binary.label(6144), "6 KiB");
        assert_eq!(UnitFamily::Binary.label(147_456), "144 KiB");
        assert_eq!(UnitFamily::Binary.label(1_572_864), "1.5 MiB");
        assert_eq!(UnitFamily::Binary.label(100), "100 B");
    }

    #[test]
    fn one_size_stands_in_the_middle_with_its_label() {
        let buffer = render_chart(&[1000], &[vec![(1000, 5_000)]], 60, 12);
        let columns = point_columns(&buffer);
        assert_eq!(columns.len(), 1);
        assert_eq!(labels(&buffer), [("1 KB".to_string(), columns[0])]);
    }

    #[test]
    fn after_a_resize_nothing_is_drawn_past_the_axes_and_all_is_ascii() {
        let sweep = sizes(4 << 10, 4 << 20, 2.0).unwrap();
        let rising: Vec<(u64, u64)> = sweep.iter().map(|&size| (size, 1_000 + size)).collect();
        let flat: Vec<(u64, u64)> = sweep.iter().map(|&size| (size, 50_000)).collect();
        let points = [rising, flat];
        let theme = Theme::plain().with_ascii(true);
        let lines: Vec<PlotLine> = points
            .iter()
            .enumerate()
            .map(|(index, points)| {
                let (style, marker) = theme.line(index);
                PlotLine {
                    style,
                    marker,
                    points,
                }
            })
            .collect();
        let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
        for (width, height) in [(120, 30), (70, 16), (140, 40), (40, 8)] {
            terminal.backend_mut().resize(width, height);
            terminal
                .draw(|frame| {
                    SizeChart {
                        sizes: &sweep,
                        lines: &lines,
                        theme,
                    }
                    .render(frame.area(), frame.buffer_mut())
                })
                .unwrap();
            let buffer = terminal.backend().buffer();
            assert_eq!(non_ascii_cells(buffer), []);
            let axis_row = row(buffer, height - 2);
            assert!(
                axis_row.trim_start().starts_with('+') && axis_row.trim_end().ends_with('-'),
                "{axis_row}"
            );
            let corner = axis_row.find('+').unwrap() as u16;
            for y in 0..height {
                let text = row(buffer, y);
                let outside_plot = if y >= height - 2 {
                    text.clone()
                } else {
                    text[..usize::from(corner)].to_string()
                };
                assert!(
                    !outside_plot.contains(['*', 'o']),
                    "{width}×{height} row {y}: {text}"
                );
            }
        }
    }

    #[test]
    fn decades_read_as_round_numbers() {
        assert_eq!(decade_label(1_000), "1 µs");
        assert_eq!(decade_label(10_000), "10 µs");
        assert_eq!(decade_label(100_000_000), "100 ms");
        assert_eq!(decade_label(100), "100 ns");
    }
}
