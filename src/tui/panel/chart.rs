//! The sweep view: median time per child against payload size on log–log axes, one line per
//! method, the `fork` and `memcpy` floors as grey dotted reference lines, and beside (or
//! below) the chart the legend, then where the lines cross.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use ratatui::Frame;

use super::{block, fit};
use crate::bench::plan::Size;
use crate::report;
use crate::tui::model::app::App;
use crate::tui::model::run::clock;
use crate::tui::model::sweep::{is_floor, SweepRun};
use crate::tui::model::view::{Panel, Target};
use crate::tui::theme::{marker_glyph, Theme};
use crate::tui::widget::size_chart::{PlotLine, SizeChart};

/// Width of the legend and crossings when they stand beside the chart.
const LIST_WIDTH: u16 = 34;
/// The fewest rows the chart keeps below the legend.
const CHART_HEIGHT: u16 = 8;
/// The most rows the crossings take below the chart.
const CROSSINGS_HEIGHT: u16 = 6;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let Some(sweep) = &app.runs.sweep else {
        let outer = block(format!("Sweep · {}", app.form.range.describe()), false, theme);
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        frame.render_widget(
            Paragraph::new(format!(
                "No sweep yet: r runs the chosen methods at every size from {} to {} (each ×{} the last{}), with the fork and memcpy floors as reference lines; s goes back to one size.",
                Size(app.form.range.from),
                Size(app.form.range.to),
                app.form.range.factor,
                match app.form.settings.payload.element_bytes() {
                    1 => String::new(),
                    _ => format!(", rounded down to whole {}", app.form.settings.payload.name()),
                }
            ))
            .style(theme.dim())
            .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    };
    let outer = block(title(sweep, app), app.view.focus == Panel::Live, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let beside = inner.width >= 90;
    let list_width = if beside { LIST_WIDTH } else { inner.width };
    let legend = legend_lines(sweep, list_width as usize, theme);
    let crossings = crossing_lines(sweep, theme);
    let (chart_area, legend_area, crossings_area) = if beside {
        let [chart_area, list_area] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Length(LIST_WIDTH)])
                .spacing(1)
                .areas(inner);
        let [legend_area, crossings_area] =
            Layout::vertical([Constraint::Length(legend.len() as u16), Constraint::Fill(1)])
                .spacing(1)
                .areas(list_area);
        (chart_area, legend_area, crossings_area)
    } else {
        // The legend always shows (it says which line is which); the crossings take what
        // is left, at most a few lines.
        let legend_height = (legend.len() as u16).min(inner.height.saturating_sub(CHART_HEIGHT));
        let crossings_height = (crossings.len() as u16)
            .min(CROSSINGS_HEIGHT)
            .min(inner.height.saturating_sub(CHART_HEIGHT + legend_height));
        let [chart_area, legend_area, crossings_area] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(legend_height),
            Constraint::Length(crossings_height),
        ])
        .areas(inner);
        (chart_area, legend_area, crossings_area)
    };
    let lines: Vec<PlotLine> = (0..sweep.curves.len())
        .map(|index| {
            let (style, marker) = line_look(sweep, index, theme);
            PlotLine {
                style,
                marker,
                points: &sweep.curves[index].points,
            }
        })
        .collect();
    SizeChart {
        sizes: &sweep.sweep.sizes,
        lines: &lines,
        theme,
    }
    .render(chart_area, frame.buffer_mut());
    frame.render_widget(Paragraph::new(legend), legend_area);
    draw_crossings(frame, crossings_area, crossings, app);
}

/// The crossings under their heading, scrolled as `view.chart_scroll` says (the wheel, or the
/// arrows once a click gave the chart the keys) and no further than the last; a line at the
/// bottom says how many more there are.
fn draw_crossings(frame: &mut Frame, area: Rect, mut lines: Vec<Line<'static>>, app: &App) {
    if area.is_empty() {
        return;
    }
    let heading = lines.remove(0);
    let [heading_area, list_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: true });
    let total = paragraph.line_count(list_area.width) as u16;
    let limit = total.saturating_sub(list_area.height);
    let drawn = &app.view.drawn;
    drawn.set_limits(|limits| limits.crossings = Some(limit));
    drawn.hit(area, Target::Crossings);
    let scroll = app.view.chart_scroll.min(limit);
    let mut heading = heading;
    if limit > 0 {
        heading.spans.push(Span::raw(format!(
            " ({}-{} of {total}, wheel or PgUp/PgDn)",
            scroll + 1,
            (scroll + list_area.height).min(total)
        )));
    }
    frame.render_widget(Paragraph::new(heading), heading_area);
    frame.render_widget(paragraph.scroll((scroll, 0)), list_area);
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

/// The style and marker of the line of method `index` (floors apart).
fn line_look(sweep: &SweepRun, index: usize, theme: Theme) -> (Style, Marker) {
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

/// Where the lines cross, under a heading.
fn crossing_lines(sweep: &SweepRun, theme: Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled("Where the lines cross", theme.heading())];
    let mut announced = report::announced(&sweep.crossings).peekable();
    if announced.peek().is_none() {
        let text = match (sweep.state.active(), sweep.crossings.is_empty()) {
            (true, _) => "no crossing beyond noise yet",
            (false, true) => "the lines do not cross",
            (false, false) => "no crossing beyond noise",
        };
        lines.push(Line::styled(text, theme.dim()));
    }
    for crossing in announced {
        lines.push(Line::raw(
            theme.text(&SweepRun::crossing_line(crossing)).into_owned(),
        ));
    }
    if let Some(dropped) = report::within_noise(&sweep.crossings) {
        lines.push(Line::styled(theme.text(&dropped).into_owned(), theme.dim()));
    }
    lines
}

/// The legend: each line's marker and name, and its median at its largest size so far.
fn legend_lines(sweep: &SweepRun, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled("Lines, at the largest size so far", theme.heading())];
    for (index, curve) in sweep.curves.iter().enumerate() {
        let (style, marker) = line_look(sweep, index, theme);
        let value = curve.points.last().map_or("—".to_string(), |&(size, median)| {
            format!("{} at {}", report::duration(median), Size(size))
        });
        let text = format!("{:<14} {value}", line_name(&curve.method));
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", marker_glyph(marker)), style),
            Span::raw(theme.text(&fit(&text, width.saturating_sub(2))).into_owned()),
        ]));
    }
    lines
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    use super::*;
    use crate::tui::theme::non_ascii_cells;

    /// A sweep of pipe and shm (with the floors) at its fifth size, with `crossings` more
    /// crossings than its lines make, as a sweep of many methods has.
    fn sweeping(crossings: usize) -> App {
        use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

        use crate::tui::event::Message;
        use crate::tui::model::app::Effect;
        use crate::tui::model::fake;

        let base = std::time::Instant::now();
        let mut app = fake::app(base);
        app.form.settings.methods = crate::bench::method::parse_list("pipe,shm").unwrap();
        // Six children a size: enough for the medians' intervals that crossings need.
        app.form.settings.repeats = 6;
        let key =
            |app: &mut App, c| app.update(Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        key(&mut app, 's');
        let Some(Effect::StartSweep { sweep, run }) = key(&mut app, 'r') else {
            panic!("r starts a sweep in the sweep view");
        };
        fake::sweep(&mut app, run, &sweep, 4);
        let sweep = app.runs.sweep.as_mut().unwrap();
        let first = sweep.crossings[0].clone();
        sweep
            .crossings
            .extend((0..crossings).map(|at| crate::bench::crossing::Crossing {
                below_bytes: first.below_bytes << at,
                ..first.clone()
            }));
        app
    }

    #[test]
    fn the_legend_shows_whatever_the_crossings_and_the_ascii_panel_is_ascii() {
        // The sweep panel's area at 120×40 and at 80×24, then beside the list at 200×60.
        for (width, height) in [(88, 37), (54, 21), (168, 57)] {
            for theme in [Theme::plain(), Theme::plain().with_ascii(true)] {
                let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
                let app = sweeping(12);
                terminal
                    .draw(|frame| draw(frame, frame.area(), &app, theme))
                    .unwrap();
                let screen = terminal.backend().to_string();
                for name in [
                    "Lines, at the largest size so far",
                    "pipe",
                    "shm",
                    "floor: fork",
                    "floor: memcpy",
                    "Where the lines cross",
                ] {
                    assert!(screen.contains(name), "{width}×{height}: {name}\n{screen}");
                }
                if theme.is_ascii() {
                    assert_eq!(non_ascii_cells(terminal.backend().buffer()), [], "{screen}");
                }
            }
        }
    }
}
