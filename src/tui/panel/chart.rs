//! The sweep view: median time per child against payload size on log–log axes, one line per
//! method, the `fork` and `memcpy` floors as grey dotted reference lines, and beside (or
//! below) the chart where the lines cross.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Wrap};
use ratatui::Frame;

use super::{block, fit};
use crate::bench::plan::Size;
use crate::report;
use crate::tui::model::app::App;
use crate::tui::model::run::clock;
use crate::tui::model::sweep::{is_floor, SweepRun};
use crate::tui::theme::{marker_glyph, Theme};

/// Width of the crossings list when it stands beside the chart.
const LIST_WIDTH: u16 = 34;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let Some(sweep) = &app.runs.sweep else {
        let outer = block(format!("Sweep · {}", app.form.range.describe()), false, theme);
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        frame.render_widget(
            Paragraph::new(format!(
                "No sweep yet: r runs the chosen methods at every size from {} to {} (each ×{} the last), with the fork and memcpy floors as reference lines; s goes back to one size.",
                Size(app.form.range.from),
                Size(app.form.range.to),
                app.form.range.factor
            ))
            .style(theme.dim())
            .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    };
    let outer = block(title(sweep, app), false, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let beside = inner.width >= 90;
    let list_width = if beside { LIST_WIDTH } else { inner.width };
    let list = list_lines(sweep, list_width as usize, theme);
    let [chart_area, list_area] = if beside {
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(LIST_WIDTH)])
            .spacing(1)
            .areas(inner)
    } else {
        let height = (list.len() as u16).clamp(2, 8);
        Layout::vertical([Constraint::Fill(1), Constraint::Length(height)]).areas(inner)
    };
    draw_chart(frame, chart_area, sweep, theme);
    frame.render_widget(Paragraph::new(list).wrap(Wrap { trim: true }), list_area);
}

/// `Sweep · run 3 · size 3/6 · 64 KiB · pipe 2/5 · running · 4.1s`
fn title(sweep: &SweepRun, app: &App) -> String {
    let mut title = format!("Sweep · run {} · {}", sweep.id, sweep.progress());
    let current = sweep
        .live
        .as_ref()
        .and_then(|live| live.methods.get(live.current?));
    if let (true, Some(method)) = (sweep.state.active(), current) {
        let (done, total) = method.children();
        title += &format!(" · {} {done}/{total}", method.method.id());
    }
    let elapsed = sweep
        .ended
        .unwrap_or(app.now)
        .saturating_duration_since(sweep.started);
    title + &format!(" · {} · {}", sweep.state.word(), clock(elapsed))
}

/// log10 of a positive value; the chart's axes are logarithmic.
fn log(value: u64) -> f64 {
    (value.max(1) as f64).log10()
}

/// The style and marker of the line of method `index` (floors apart).
fn line_look(
    sweep: &SweepRun,
    index: usize,
    theme: Theme,
) -> (ratatui::style::Style, ratatui::symbols::Marker) {
    let method = &sweep.curves[index].method;
    if is_floor(method) {
        theme.floor()
    } else {
        let rank = sweep.curves[..index]
            .iter()
            .filter(|curve| !is_floor(&curve.method))
            .count();
        theme.line(rank)
    }
}

fn line_name(method: &str) -> String {
    if is_floor(method) {
        format!("floor: {method}")
    } else {
        method.to_string()
    }
}

fn draw_chart(frame: &mut Frame, area: Rect, sweep: &SweepRun, theme: Theme) {
    let data: Vec<Vec<(f64, f64)>> = sweep
        .curves
        .iter()
        .map(|curve| {
            curve
                .points
                .iter()
                .map(|&(size, median)| (log(size), log(median)))
                .collect()
        })
        .collect();
    let datasets: Vec<Dataset> = sweep
        .curves
        .iter()
        .zip(&data)
        .enumerate()
        .map(|(index, (curve, points))| {
            let (style, marker) = line_look(sweep, index, theme);
            let graph = if points.len() == 1 {
                GraphType::Scatter
            } else {
                GraphType::Line
            };
            Dataset::default()
                .name(format!("{} {}", marker_glyph(marker), line_name(&curve.method)))
                .marker(marker)
                .graph_type(graph)
                .style(style)
                .data(points)
        })
        .collect();

    let (x_bounds, x_labels) = size_axis(&sweep.sweep.sizes, area.width);
    let (y_bounds, y_labels) = time_axis(sweep);
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .title("size")
                .style(theme.dim())
                .bounds(x_bounds)
                .labels(x_labels),
        )
        .y_axis(
            Axis::default()
                .title("per child")
                .style(theme.dim())
                .bounds(y_bounds)
                .labels(y_labels),
        )
        // A legend box would hide the lines where they start; the list beside names them.
        .legend_position(None);
    frame.render_widget(chart, area);
}

/// The size axis: from the first size of the sweep to its last, labelled at sizes of the
/// sweep evenly spaced on the log scale, as many as fit.
fn size_axis(sizes: &[u64], width: u16) -> ([f64; 2], Vec<String>) {
    let (Some(&first), Some(&last)) = (sizes.first(), sizes.last()) else {
        return ([0.0, 1.0], Vec::new());
    };
    if sizes.len() == 1 {
        let middle = log(first);
        return (
            [middle - 0.5, middle + 0.5],
            vec![String::new(), Size(first).to_string(), String::new()],
        );
    }
    let intervals = sizes.len() - 1;
    let most = (usize::from(width) / 10).max(2);
    // Sizes grow by one factor, so every `step`th size is evenly spaced on the axis.
    let count = (2..=most.min(sizes.len()))
        .rev()
        .find(|count| intervals.is_multiple_of(count - 1))
        .unwrap_or(2);
    let step = intervals / (count - 1);
    let labels = (0..count).map(|at| Size(sizes[at * step]).to_string()).collect();
    ([log(first), log(last)], labels)
}

/// The time axis: whole decades around every point measured, each decade labelled.
fn time_axis(sweep: &SweepRun) -> ([f64; 2], Vec<String>) {
    let medians = sweep
        .curves
        .iter()
        .flat_map(|curve| curve.points.iter().map(|&(_, median)| median));
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

/// The crossings, then each line's median at its largest size so far.
fn list_lines(sweep: &SweepRun, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled("Where the lines cross", theme.heading())];
    if sweep.crossings.is_empty() {
        let text = if sweep.state.active() {
            "no crossing yet"
        } else {
            "the lines do not cross"
        };
        lines.push(Line::styled(text, theme.dim()));
    }
    for crossing in &sweep.crossings {
        lines.push(Line::raw(SweepRun::crossing_line(crossing)));
    }
    lines.push(Line::styled("Lines, at the largest size so far", theme.heading()));
    for (index, curve) in sweep.curves.iter().enumerate() {
        let (style, marker) = line_look(sweep, index, theme);
        let value = curve.points.last().map_or("—".to_string(), |&(size, median)| {
            format!("{} at {}", report::duration(median), Size(size))
        });
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", marker_glyph(marker)), style),
            Span::raw(fit(
                &format!("{:<14} {value}", line_name(&curve.method)),
                width.saturating_sub(2),
            )),
        ]));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_labels_fall_on_sizes_of_the_sweep_evenly_spaced() {
        let sizes: Vec<u64> = (0..6).map(|step| 4096 << (2 * step)).collect();
        let (bounds, labels) = size_axis(&sizes, 80);
        assert_eq!(labels, ["4 KiB", "16 KiB", "64 KiB", "256 KiB", "1 MiB", "4 MiB"]);
        assert!((bounds[0] - 4096f64.log10()).abs() < 1e-9);
        let (_, labels) = size_axis(&sizes, 30);
        assert_eq!(
            labels,
            ["4 KiB", "4 MiB"],
            "five intervals split only into one or five"
        );
        let (_, labels) = size_axis(&sizes[..5], 30);
        assert_eq!(labels, ["4 KiB", "64 KiB", "1 MiB"]);
        let (bounds, labels) = size_axis(&[1000], 30);
        assert_eq!(labels[1], "1 KB");
        assert!(bounds[0] < bounds[1]);
    }

    #[test]
    fn decades_read_as_round_numbers() {
        assert_eq!(decade_label(1_000), "1 µs");
        assert_eq!(decade_label(10_000), "10 µs");
        assert_eq!(decade_label(100_000_000), "100 ms");
        assert_eq!(decade_label(100), "100 ns");
    }
}
