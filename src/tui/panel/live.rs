//! The run as it goes: a gauge and a growing median bar per method, the histogram of the
//! method on view, and where its time goes.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline, Wrap};
use ratatui::Frame;

use super::{bar, block, fit, latency};
use crate::bench::result::Phase;
use crate::bench::stats::LogHistogram;
use crate::report;
use crate::tui::model::app::App;
use crate::tui::model::run::{clock, LiveRun, MethodLive, MethodState};
use crate::tui::model::view::Panel;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let focused = app.view.focus == Panel::Live;
    let Some(run) = &app.runs.run else {
        let outer = block("Live", focused, theme);
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        frame.render_widget(
            Paragraph::new("Nothing has run yet: choose settings on the left, then press r.")
                .style(theme.dim())
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    };
    let outer = block(title(run, app), focused, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);

    let methods_height = run.methods.len() as u16 + 1 + u16::from(run.preparing.is_some());
    let [methods_area, details_area] =
        Layout::vertical([Constraint::Length(methods_height), Constraint::Fill(1)])
            .spacing(1)
            .areas(inner);
    frame.render_widget(
        Paragraph::new(method_lines(run, app, methods_area.width as usize, theme)),
        methods_area,
    );

    let Some(viewed) = app.viewed_method() else { return };
    if details_area.height < 3 {
        return;
    }
    // Enough for the phases of any one method (a Rust method's seven at most, a Python one's
    // six); a taller histogram says no more.
    let details_area = Rect {
        height: details_area.height.min(MOST_PHASES + 3),
        ..details_area
    };
    let [histogram_area, phases_area] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .spacing(2)
            .areas(details_area);
    draw_histogram(frame, histogram_area, viewed, theme);
    let width = phases_area.width as usize;
    let side = latency::lines(viewed, width, theme).unwrap_or_else(|| phase_lines(viewed, width, theme));
    frame.render_widget(Paragraph::new(side), phases_area);
}

fn title(run: &LiveRun, app: &App) -> String {
    let mut title = format!(
        "Live · run {} · {} · {}",
        run.id,
        run.state.word(),
        clock(run.elapsed(app.now))
    );
    let eta = run
        .current
        .and_then(|index| run.methods.get(index))
        .and_then(|live| live.eta(app.now));
    if let (true, Some(eta)) = (run.state.active(), eta) {
        title += &format!(
            " · {} left ~{}",
            run.methods[run.current.unwrap_or(0)].method.id(),
            clock(eta)
        );
    }
    title
}

/// `warm-up 3/3 · 40/100`: the warm-up children apart from the counted ones; `40/100`
/// without a warm-up.
fn counts(warmup_done: u32, warmup: u32, done: u32, repeats: u32) -> String {
    if warmup == 0 {
        format!("{done}/{repeats}")
    } else {
        format!("warm-up {warmup_done}/{warmup} · {done}/{repeats}")
    }
}

/// One line per method: state, name, children gauge, count, median bar and median.
fn method_lines(run: &LiveRun, app: &App, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let name_width = run
        .methods
        .iter()
        .map(|live| live.method.id().len())
        .max()
        .unwrap_or(4)
        .max(6);
    let count_width = run
        .methods
        .iter()
        .map(|live| {
            counts(live.warmup, live.warmup, live.repeats, live.repeats)
                .chars()
                .count()
        })
        .max()
        .unwrap_or(7);
    let median_width = 9;
    let time_width = 11;
    let fixed = 2 + name_width + 1 + 1 + count_width + 2 + 1 + median_width;
    let show_time = width >= fixed + time_width + 1 + 20;
    let spare = width.saturating_sub(fixed + if show_time { time_width + 1 } else { 0 });
    let gauge_width = (spare * 2 / 5).max(3);
    let bar_width = spare.saturating_sub(gauge_width).max(1);
    let longest = run
        .methods
        .iter()
        .filter_map(MethodLive::median)
        .max()
        .unwrap_or(0);
    let viewed = app.view.viewed.or(run.current).unwrap_or(0);

    // The preparation under way (payload, fork floor, a method's setup) is a line of its own:
    // the methods are not waiting for nothing.
    let preparing = run.preparing.as_ref().filter(|_| run.state.active()).map(|step| {
        Line::styled(
            format!("▶ preparing: {step} · {}", clock(run.elapsed(app.now))),
            theme.running(),
        )
    });
    let mut lines: Vec<Line<'static>> = preparing.into_iter().collect();
    lines.push(Line::styled(
        format!(
            "{:<w1$}{:<w2$}{}",
            "  method",
            "children",
            "median per child",
            w1 = 2 + name_width + 1,
            w2 = gauge_width + 1 + count_width + 2
        ),
        theme.dim(),
    ));
    for (index, live) in run.methods.iter().enumerate() {
        let state = live.state(&run.state);
        let (symbol, _) = state.label();
        let state_style = match state {
            MethodState::Done => theme.good(),
            MethodState::WarmingUp | MethodState::Measuring => theme.running(),
            MethodState::Partial => theme.warn(),
            MethodState::Failed => theme.bad(),
            MethodState::Waiting | MethodState::Skipped => theme.dim(),
        };
        let (done, total) = live.children();
        let fraction = if total == 0 {
            0.0
        } else {
            f64::from(done) / f64::from(total)
        };
        let filled = bar(fraction, gauge_width);
        let empty = "░".repeat(gauge_width.saturating_sub(filled.chars().count()));
        let name = format!("{:<name_width$}", live.method.id());
        let name_style = if index == viewed {
            theme.heading()
        } else {
            Default::default()
        };
        let median = live.median();
        let median_bar = median.map_or(String::new(), |m| {
            let fraction = if longest == 0 {
                0.0
            } else {
                m as f64 / longest as f64
            };
            bar(fraction, bar_width)
        });
        let median_text = match (median, state) {
            (Some(m), _) => report::duration(m),
            (None, MethodState::WarmingUp) => "warm-up".into(),
            (None, _) => state.label().1.into(),
        };
        let mut spans = vec![
            Span::styled(format!("{symbol} "), state_style),
            Span::styled(name, name_style),
            Span::raw(" "),
            Span::styled(filled, theme.bar()),
            Span::styled(empty, theme.dim()),
            Span::raw(format!(
                " {:>count_width$}  ",
                counts(live.warmup_done, live.warmup, live.done, live.repeats)
            )),
            Span::styled(format!("{median_bar:<bar_width$}"), theme.bar()),
            Span::raw(format!(" {median_text:>median_width$}")),
        ];
        if show_time {
            let time = match (live.eta(app.now), live.elapsed(app.now)) {
                (Some(eta), _) if state != MethodState::Done => format!("~{} left", clock(eta)),
                (_, Some(elapsed)) => clock(elapsed),
                _ => String::new(),
            };
            spans.push(Span::styled(format!(" {time:>time_width$}"), theme.dim()));
        }
        lines.push(Line::from(spans));
    }
    lines
}

fn draw_histogram(frame: &mut Frame, area: Rect, live: &MethodLive, theme: Theme) {
    let [title_area, chart_area, axis_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    let width = area.width as usize;
    let title = format!("{}: time per child (n={})", live.method.id(), live.totals.count());
    frame.render_widget(
        Paragraph::new(Line::styled(fit(&title, width), theme.heading())),
        title_area,
    );
    let bins = live.histogram.dense();
    let (Some(&(first, _)), Some(&(last, _))) = (bins.first(), bins.last()) else {
        frame.render_widget(Paragraph::new("no samples yet").style(theme.dim()), chart_area);
        return;
    };
    frame.render_widget(
        Sparkline::default().data(spread(&bins, width)).style(theme.bar()),
        chart_area,
    );
    let low = report::duration(LogHistogram::lower_edge(first));
    let high = report::duration(LogHistogram::lower_edge(last + 1));
    let gap = width.saturating_sub(low.chars().count() + high.chars().count());
    frame.render_widget(
        Paragraph::new(fit(&format!("{low}{}{high}", " ".repeat(gap)), width)).style(theme.dim()),
        axis_area,
    );
}

/// Histogram counts spread over `width` columns: bins merged when there are more than
/// columns, each bin widened when there are fewer.
fn spread(bins: &[(u32, u64)], width: usize) -> Vec<u64> {
    if bins.is_empty() || width == 0 {
        return Vec::new();
    }
    if bins.len() > width {
        let group = bins.len().div_ceil(width);
        bins.chunks(group)
            .map(|chunk| chunk.iter().map(|&(_, count)| count).sum())
            .collect()
    } else {
        let each = width / bins.len();
        bins.iter()
            .flat_map(|&(_, count)| std::iter::repeat_n(count, each))
            .collect()
    }
}

/// The most phases one method has: all but the two Python ones.
const MOST_PHASES: u16 = Phase::ALL.len() as u16 - 2;

/// The median of each phase, its share of their sum, as a bar.
fn phase_lines(live: &MethodLive, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let medians: Vec<(Phase, u64)> = live
        .phases
        .iter()
        .filter_map(|&phase| {
            live.phase_times[phase.index()]
                .median()
                .map(|median| (phase, median))
        })
        .collect();
    // A phase timed beside the others (Python's pickling) is no share of their sum.
    let sum: u64 = medians
        .iter()
        .filter(|(phase, _)| !phase.is_beside())
        .map(|(_, median)| median)
        .sum();
    let mut lines = vec![Line::styled(
        fit("where the time goes (median)", width),
        theme.heading(),
    )];
    if medians.is_empty() {
        lines.push(Line::styled("no samples yet", theme.dim()));
        return lines;
    }
    // Name, median and share always; the bar in what is left.
    let bar_width = width.saturating_sub(8 + 1 + 9 + 1 + 4 + 1);
    for (phase, median) in medians {
        if phase.is_beside() {
            lines.push(Line::from(vec![
                Span::raw(format!("{:<8} {:>9} ", phase.name(), report::duration(median))),
                Span::styled("beside the others: the parent's, overlapping them", theme.dim()),
            ]));
            continue;
        }
        let share = if sum == 0 { 0.0 } else { median as f64 / sum as f64 };
        lines.push(Line::from(vec![
            Span::raw(format!("{:<8} {:>9} ", phase.name(), report::duration(median))),
            Span::styled(format!("{:<bar_width$}", bar(share, bar_width)), theme.bar()),
            Span::raw(format!(" {:>3.0}%", share * 100.0)),
        ]));
    }
    lines
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    use super::*;
    use crate::bench::event::Event;
    use crate::bench::result::{Failure, Reason};
    use crate::tui::model::fake::{self, press};

    fn render(app: &App) -> String {
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        terminal
            .draw(|frame| crate::tui::ui::draw(frame, app, Theme::plain()))
            .unwrap();
        terminal.backend().to_string()
    }

    #[test]
    fn preparation_shows_as_its_own_line_while_it_lasts() {
        let base = Instant::now();
        let mut app = fake::app(base);
        press(&mut app, "r");
        let plan = fake::plan();
        fake::feed(
            &mut app,
            Event::Started {
                run: 1,
                plan: Box::new(plan.clone()),
                environment: Default::default(),
            },
        );
        fake::feed(
            &mut app,
            Event::Preparing {
                run: 1,
                step: "building the 64 KiB payload".into(),
            },
        );
        let screen = render(&app);
        assert!(
            screen.contains("▶ preparing: building the 64 KiB payload"),
            "{screen}"
        );
        fake::feed(&mut app, Event::MethodStarted { run: 1, method: 0 });
        assert!(!render(&app).contains("preparing"));
    }

    #[test]
    fn a_method_whose_every_child_failed_shows_a_cross_and_f_lists_why() {
        let base = Instant::now();
        let mut app = fake::app(base);
        press(&mut app, "r");
        let plan = fake::plan();
        let timeout = Reason::Timeout {
            limit: Duration::from_millis(30),
            send: None,
        };
        for mut event in fake::events(1, &plan, &[3_000_000, 400_000], 2, 0) {
            if let Event::MethodDone {
                method: 1, result, ..
            } = &mut event
            {
                result.samples.clear();
                result.failures = (0..5)
                    .map(|child| Failure {
                        child,
                        reason: timeout.clone(),
                    })
                    .collect();
            }
            fake::feed(&mut app, event);
        }
        let screen = render(&app);
        assert!(screen.contains("✗ inherit"), "{screen}");
        assert!(screen.contains("all failed"), "{screen}");
        assert!(!screen.contains("✓ inherit"), "{screen}");
        press(&mut app, "f");
        let screen = render(&app);
        assert!(
            screen.contains("inherit: 5 of 5 counted children failed"),
            "{screen}"
        );
        assert!(
            screen.contains("5× timed out after 30ms and was killed [timeout]"),
            "{screen}"
        );
        press(&mut app, "f");
        assert_eq!(app.view.overlay, None, "f closes it again");
    }

    #[test]
    fn spread_fills_the_width_or_merges_bins() {
        let bins = [(10, 1), (11, 0), (12, 3)];
        assert_eq!(spread(&bins, 7), vec![1, 1, 0, 0, 3, 3]);
        assert_eq!(spread(&bins, 2), vec![1, 3]);
        assert!(spread(&bins, 0).is_empty());
    }
}
