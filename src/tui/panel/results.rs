//! The results table: each method's median, mean ± σ, min, max, p99, throughput, failures
//! and ratio to the fastest, beside the run before's median for comparison.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::{bar, block};
use crate::bench::method::{self, Role};
use crate::bench::plan::Size;
use crate::bench::result::{MethodResult, Usage};
use crate::bench::stats::{self, Summary};
use crate::report;
use crate::report::compare;
use crate::report::difference::Difference;
use crate::report::facts::Standing;
use crate::report::figures;
use crate::tui::model::app::App;
use crate::tui::model::run::{LiveRun, MethodState, RunState};
use crate::tui::model::view::{Panel, ResultsView};
use crate::tui::theme::Theme;

/// What one table row shows.
struct Entry {
    symbol: &'static str,
    method: String,
    state: Option<MethodState>,
    summary: Option<Summary>,
    payload_bytes: u64,
    failures: usize,
    counted: u32,
    ratio: Option<f64>,
    /// The result once the method is done: its interval, noise, and what its figures lack.
    result: Option<MethodResult>,
    /// The noise warning of the result, where there is one.
    warning: Option<String>,
    previous: Option<u64>,
    /// Whether the change from the run before is beyond noise.
    change: Option<Difference>,
    /// The median of the same experiment in the baseline file.
    baseline: Option<u64>,
    /// Whether the change from the baseline is beyond noise.
    against_baseline: Option<Difference>,
    /// The median child's kernel accounting, once the method is done.
    usage: Option<Usage>,
    /// The limits at this size: memcpy's bytes per second, fork's time per child.
    floors: Floors,
}

/// What the floors measured at one size, where something measured them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Floors {
    pub memcpy_rate: Option<u64>,
    pub fork_ns: Option<u64>,
}

#[derive(Clone, Copy)]
struct Column {
    title: &'static str,
    /// The narrowest the column is; it widens to its title and its widest value.
    width: u16,
    /// Columns with the lowest rank stay longest when the table is narrow.
    rank: u8,
    cell: fn(&Entry) -> String,
}

const COLUMNS: [Column; 12] = [
    Column {
        title: "method",
        width: 10,
        rank: 0,
        cell: |e| format!("{} {}", e.symbol, e.method),
    },
    Column {
        title: "median",
        width: 9,
        rank: 0,
        cell: |e| match (e.summary, e.state) {
            (Some(s), _) => report::duration(s.median),
            (None, Some(state)) => state.label().1.to_string(),
            (None, None) => "—".into(),
        },
    },
    Column {
        title: "± 95%",
        width: 8,
        rank: 5,
        cell: interval,
    },
    Column {
        title: "mean ± σ",
        width: 17,
        rank: 4,
        cell: |e| {
            numbers(e, |s| {
                format!("{} ± {}", report::duration(s.mean), report::duration(s.stddev))
            })
        },
    },
    Column {
        title: "min",
        width: 9,
        rank: 7,
        cell: |e| numbers(e, |s| report::duration(s.min)),
    },
    Column {
        title: "max",
        width: 9,
        rank: 7,
        cell: |e| numbers(e, |s| report::duration(s.max)),
    },
    Column {
        title: "p99",
        width: 9,
        rank: 6,
        cell: |e| match &e.result {
            Some(result) if !result.p99_exact() => "—".into(),
            _ => numbers(e, |s| report::duration(s.p99)),
        },
    },
    Column {
        title: "throughput",
        width: 11,
        rank: 5,
        cell: throughput,
    },
    Column {
        title: "failed",
        width: 6,
        rank: 3,
        cell: |e| {
            if e.state.is_some() {
                format!("{}/{}", e.failures, e.counted)
            } else {
                String::new()
            }
        },
    },
    Column {
        title: "vs fastest",
        width: 12,
        rank: 1,
        cell: |e| match (&e.result, e.ratio) {
            (Some(result), _) if result.is_floor() => "floor".into(),
            (_, Some(r)) => Standing::of(r).to_string(),
            _ => String::new(),
        },
    },
    Column {
        title: "previous",
        width: 9,
        rank: 2,
        cell: |e| e.previous.map_or(String::new(), report::duration),
    },
    Column {
        title: "change",
        width: 7,
        rank: 2,
        cell: |e| match (e.summary, e.previous, e.change) {
            (Some(s), Some(previous), Some(change)) if previous > 0 => {
                let percent = (s.median as f64 / previous as f64 - 1.0) * 100.0;
                change.or_figure(percent_change(percent))
            }
            _ => String::new(),
        },
    },
];

/// The columns of the run before, shown only when there is one.
const PREVIOUS_COLUMNS: [&str; 2] = ["previous", "change"];

const BASELINE_COLUMNS: [Column; 2] = [
    Column {
        title: "baseline",
        width: 9,
        rank: 1,
        cell: |e| e.baseline.map_or(String::new(), report::duration),
    },
    Column {
        title: "vs base",
        width: 8,
        rank: 1,
        cell: |e| match (ratio_to(e, e.baseline), e.against_baseline) {
            (ratio, Some(difference)) if !ratio.is_empty() => difference.or_figure(ratio),
            (ratio, _) => ratio,
        },
    },
];

/// Bytes per second beside time per child, against the limits the floors set.
const THROUGHPUT_COLUMNS: [Column; 5] = [
    COLUMNS[0],
    COLUMNS[1],
    Column {
        title: "throughput",
        width: 11,
        rank: 0,
        cell: throughput,
    },
    Column {
        title: "of memcpy's bandwidth",
        width: 22,
        rank: 1,
        cell: |e| match (e.summary, e.floors.memcpy_rate) {
            _ if !moves_payload(e) => "—".into(),
            (Some(s), Some(limit)) if limit > 0 => {
                let share = stats::throughput(e.payload_bytes, s.median) as f64 / limit as f64;
                format!("{:<15} {:>5.1}%", bar(share, 15), share * 100.0)
            }
            _ => String::new(),
        },
    },
    Column {
        title: "over fork",
        width: 10,
        rank: 2,
        cell: |e| ratio_to(e, e.floors.fork_ns),
    },
];

/// The kernel's accounting of the median child; titles of two lines, what over its kind.
const KERNEL_COLUMNS: [Column; 8] = [
    COLUMNS[0],
    COLUMNS[1],
    Column {
        title: "minor\nfaults",
        width: 6,
        rank: 0,
        cell: |e| usage(e, |u| u.minor_faults.to_string()),
    },
    Column {
        title: "major\nfaults",
        width: 5,
        rank: 3,
        cell: |e| usage(e, |u| u.major_faults.to_string()),
    },
    Column {
        title: "voluntary\nswitches",
        width: 8,
        rank: 1,
        cell: |e| usage(e, |u| u.voluntary_switches.to_string()),
    },
    Column {
        title: "forced\nswitches",
        width: 6,
        rank: 2,
        cell: |e| usage(e, |u| u.involuntary_switches.to_string()),
    },
    Column {
        title: "user\nCPU~",
        width: 9,
        rank: 1,
        cell: |e| usage(e, |u| figures::sampled(u.user_ns)),
    },
    Column {
        title: "system\nCPU~",
        width: 11,
        rank: 1,
        cell: |e| usage(e, |u| figures::sampled(u.system_ns)),
    },
];

/// `+12%`, `-3%`, and `0%` for a change that rounds to nothing, on either side of it.
fn percent_change(change: f64) -> String {
    let rounded = change.round();
    if rounded == 0.0 {
        "0%".into()
    } else {
        format!("{rounded:+.0}%")
    }
}

/// The kernel's figures of the median child; dashes for a method that makes no child.
fn usage(entry: &Entry, show: impl Fn(&Usage) -> String) -> String {
    if entry.result.as_ref().is_some_and(|result| !result.has_child()) {
        return "—".into();
    }
    entry.usage.as_ref().map_or(String::new(), show)
}

/// Whether bytes per second mean anything for this row (not for the fork floor).
fn moves_payload(entry: &Entry) -> bool {
    entry.result.as_ref().is_none_or(MethodResult::throughput_applies)
}

fn throughput(entry: &Entry) -> String {
    if !moves_payload(entry) {
        return "—".into();
    }
    numbers(entry, |s| {
        report::rate(stats::throughput(entry.payload_bytes, s.median))
    })
}

/// `± 1.5%`, with `!` where the figures are noisy; `n<6` where there are too few children.
fn interval(entry: &Entry) -> String {
    let Some(result) = &entry.result else {
        return String::new();
    };
    let noisy = if entry.warning.is_some() { " !" } else { "" };
    match figures::interval_share(result) {
        Some(share) => format!("{}{noisy}", figures::plus_minus(share)),
        None if result.summary().is_some() => format!("n<{}{noisy}", figures::INTERVAL_CHILDREN),
        None => String::new(),
    }
}

/// The entry's median as a multiple of `base`, where both are known.
fn ratio_to(entry: &Entry, base: Option<u64>) -> String {
    match (entry.summary, base) {
        (Some(summary), Some(base)) if base > 0 => report::ratio(summary.median as f64 / base as f64),
        _ => String::new(),
    }
}

fn numbers(entry: &Entry, show: impl Fn(&Summary) -> String) -> String {
    entry.summary.as_ref().map_or(String::new(), show)
}

/// Rows the table needs: the methods of the run on screen, then those only the run before had.
fn entries(app: &App) -> Vec<Entry> {
    let previous_result = |id: &str| {
        app.runs
            .comparable_previous()?
            .completed()
            .find(|completed| completed.result.method == id)
            .map(|completed| &completed.result)
    };
    let mut entries = Vec::new();
    if let Some(run) = &app.runs.run {
        let fastest = run.fastest();
        let floors = floors(app, run);
        for live in &run.methods {
            let state = live.state(&run.state);
            let completed = live.completed.as_ref();
            let summary = completed.and_then(|completed| completed.summary);
            let result = completed.map(|completed| &completed.result);
            let previous = previous_result(live.method.id());
            let baseline = app
                .runs
                .baseline
                .as_ref()
                .zip(result)
                .and_then(|(saved, result)| compare::baseline_for(&saved.report, result));
            entries.push(Entry {
                symbol: state.label().0,
                method: live.method.id().to_string(),
                state: Some(state),
                summary,
                payload_bytes: completed.map_or(run.plan.size, |completed| completed.result.payload_bytes),
                failures: live.failures as usize,
                counted: live.repeats,
                ratio: summary
                    .zip(fastest)
                    .and_then(|(summary, fastest)| fastest.ratio(summary.median)),
                result: result.cloned(),
                warning: result.and_then(|result| figures::noise_warning(result, &run.environment)),
                previous: previous.and_then(|previous| previous.summary().map(|summary| summary.median)),
                change: previous
                    .zip(result)
                    .map(|(previous, result)| Difference::between(&previous.totals(), &result.totals())),
                baseline: baseline
                    .and_then(|saved| saved.per_child_ns.map(|per_child| per_child.summary.median)),
                against_baseline: baseline
                    .zip(result)
                    .map(|(saved, result)| Difference::between(&saved.samples_ns, &result.totals())),
                usage: completed.map(|completed| completed.usage),
                floors,
            });
        }
    }
    if let Some(previous) = app.runs.comparable_previous() {
        for completed in previous.completed() {
            if entries
                .iter()
                .any(|entry| entry.method == completed.result.method)
            {
                continue;
            }
            entries.push(Entry {
                symbol: " ",
                method: completed.result.method.clone(),
                state: None,
                summary: None,
                payload_bytes: completed.result.payload_bytes,
                failures: 0,
                counted: 0,
                ratio: None,
                result: None,
                warning: None,
                previous: completed.summary.map(|summary| summary.median),
                change: None,
                baseline: None,
                against_baseline: None,
                usage: None,
                floors: Floors::default(),
            });
        }
    }
    entries
}

/// The floors at the run's size: from the run itself where it ran them, else from the
/// latest sweep where it measured that size.
pub fn floors(app: &App, run: &LiveRun) -> Floors {
    let measured = |id: &str| {
        run.completed()
            .find(|completed| completed.result.method == id)
            .and_then(|completed| completed.summary.map(|summary| summary.median))
            .or_else(|| app.runs.sweep.as_ref()?.point(id, run.plan.size))
            .filter(|&median| median > 0)
    };
    let floor = |role| method::with_role(role).and_then(|floor| measured(floor.id()));
    Floors {
        memcpy_rate: floor(Role::CopyFloor).map(|median| stats::throughput(run.plan.size, median)),
        fork_ns: floor(Role::ForkFloor),
    }
}

/// Lines the panel wants: borders, header, one per row (at least one), and the floors' line
/// in the throughput view.
pub fn height(app: &App) -> u16 {
    let floors_line = u16::from(app.view.results == ResultsView::Throughput);
    let entries = entries(app);
    let warning_line = u16::from(warning_line(&entries, None).is_some());
    entries.len().max(1) as u16 + 2 + header_height(app.view.results) + floors_line + warning_line
}

/// The header's lines: two where titles name a group and its member ("minor" over "faults"),
/// so that no title runs into the next.
fn header_height(view: ResultsView) -> u16 {
    match view {
        ResultsView::Kernel => 2,
        ResultsView::Times | ResultsView::Throughput => 1,
    }
}

/// `! pipe: 2 of 20 children were outliers …`: the noise warning of the viewed row, else of the
/// first noisy one, and how many more rows have one (each marked `!`).
fn warning_line(entries: &[Entry], viewed: Option<usize>) -> Option<String> {
    let noisy: Vec<&Entry> = entries.iter().filter(|entry| entry.warning.is_some()).collect();
    let shown = viewed
        .and_then(|at| entries.get(at))
        .filter(|entry| entry.warning.is_some())
        .or_else(|| noisy.first().copied())?;
    let more = match noisy.len() - 1 {
        0 => String::new(),
        1 => " (1 more row marked !)".into(),
        more => format!(" ({more} more rows marked !)"),
    };
    Some(format!(
        "! {}: {}{more}",
        shown.method,
        shown.warning.as_deref().unwrap_or_default()
    ))
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let outer = block(title(app), app.view.focus == Panel::Results, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let entries = entries(app);
    if entries.is_empty() {
        frame.render_widget(
            Paragraph::new(
                "Results appear here as each method finishes; the previous run stays beside them.",
            )
            .style(theme.dim())
            .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let columns: Vec<&Column> = match app.view.results {
        ResultsView::Times => {
            let baseline: &[Column] = if app.runs.baseline.is_some() {
                &BASELINE_COLUMNS
            } else {
                &[]
            };
            COLUMNS
                .iter()
                .filter(|column| {
                    app.runs.comparable_previous().is_some() || !PREVIOUS_COLUMNS.contains(&column.title)
                })
                .chain(baseline)
                .collect()
        }
        ResultsView::Throughput => THROUGHPUT_COLUMNS.iter().collect(),
        ResultsView::Kernel => KERNEL_COLUMNS.iter().collect(),
    };
    let inner = if app.view.results == ResultsView::Throughput {
        let [limits, table] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
        frame.render_widget(Paragraph::new(limits_line(app)).style(theme.dim()), limits);
        table
    } else {
        inner
    };
    let viewed = app
        .runs
        .run
        .as_ref()
        .map(|run| app.view.viewed.or(run.current).unwrap_or(0));
    let inner = match warning_line(&entries, viewed) {
        Some(warning) => {
            let [table, line] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
            frame.render_widget(
                Paragraph::new(theme.text(&warning).into_owned()).style(theme.warn()),
                line,
            );
            table
        }
        None => inner,
    };
    let cells: Vec<Vec<String>> = entries
        .iter()
        .map(|entry| columns.iter().map(|column| (column.cell)(entry)).collect())
        .collect();
    let sized: Vec<(&Column, u16)> = columns
        .iter()
        .enumerate()
        .map(|(at, &column)| {
            (
                column,
                fitted_width(column, cells.iter().map(|row| row[at].as_str())),
            )
        })
        .collect();
    let chosen = columns_that_fit(&sized, inner.width);
    let header = Row::new(chosen.iter().map(|&(at, _)| Cell::from(columns[at].title)))
        .height(header_height(app.view.results))
        .style(theme.heading());
    let rows = entries
        .iter()
        .zip(&cells)
        .enumerate()
        .map(|(index, (entry, cells))| {
            let style = match entry.state {
                Some(MethodState::Done) if Some(index) == viewed => theme.heading(),
                Some(MethodState::Done) => Default::default(),
                Some(MethodState::Failed) => theme.bad(),
                _ => theme.dim(),
            };
            Row::new(chosen.iter().map(|&(at, _)| Cell::from(cells[at].clone()))).style(style)
        });
    let widths = chosen.iter().map(|&(_, width)| Constraint::Length(width));
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), inner);
}

/// `limits at 64 KiB: memcpy 9.1 GB/s · fork 120 µs per child`
fn limits_line(app: &App) -> String {
    let Some(run) = &app.runs.run else {
        return String::new();
    };
    let floors = floors(app, run);
    let memcpy = floors.memcpy_rate.map_or("memcpy not measured".into(), |rate| {
        format!("memcpy {}", report::rate(rate))
    });
    let fork = floors.fork_ns.map_or("fork not measured".into(), |ns| {
        format!("fork {} per child", report::duration(ns))
    });
    let hint = if floors.memcpy_rate.is_none() || floors.fork_ns.is_none() {
        " (choose fork and memcpy, or sweep with s, to measure them)"
    } else {
        ""
    };
    format!("limits at {}: {memcpy} · {fork}{hint}", Size(run.plan.size))
}

/// How wide `column` must be for its title and every one of its `values`, and no narrower
/// than it is made: the one rule for every column of every view.
fn fitted_width<'a>(column: &Column, values: impl Iterator<Item = &'a str>) -> u16 {
    let cells = |text: &str| u16::try_from(text.chars().count()).unwrap_or(u16::MAX);
    values
        .map(cells)
        .chain(column.title.lines().map(cells))
        .chain([column.width])
        .max()
        .unwrap_or(column.width)
}

/// The columns (each with its width) that fit `width`, dropping the highest ranks first:
/// their places in `columns` and widths, in their usual order.
fn columns_that_fit(columns: &[(&Column, u16)], width: u16) -> Vec<(usize, u16)> {
    let mut by_rank: Vec<usize> = (0..columns.len()).collect();
    by_rank.sort_by_key(|&at| columns[at].0.rank);
    let mut used = 0u16;
    let mut keep = Vec::new();
    for at in by_rank {
        let needed = columns[at].1.saturating_add(u16::from(!keep.is_empty()));
        if used.saturating_add(needed) > width {
            break;
        }
        used += needed;
        keep.push(at);
    }
    keep.sort_unstable();
    keep.into_iter().map(|at| (at, columns[at].1)).collect()
}

fn title(app: &App) -> Line<'static> {
    let describe = |run: &LiveRun| format!("run {}: {}", run.id, run.describe());
    let mut title = match &app.runs.run {
        Some(run) if run.state == RunState::Finished || run.state.active() => {
            format!("Results · {}", describe(run))
        }
        Some(run) => format!("Results · {} ({})", describe(run), run.state.word()),
        None => "Results".into(),
    };
    if app.view.results != ResultsView::Times {
        title += &format!(" · {} (v)", app.view.results.name());
    }
    if let Some(saved) = &app.runs.baseline {
        title += &format!(" · baseline: {}", saved.name);
    }
    if let Some(previous) = app.runs.comparable_previous() {
        let same = app.runs.run.as_ref().is_some_and(|run| run.plan == previous.plan);
        title += &if same {
            format!(" · previous: run {}, same settings", previous.id)
        } else {
            format!(" · previous: {}", describe(previous))
        };
    }
    Line::from(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_tables_keep_the_essential_columns() {
        let sized: Vec<(&Column, u16)> = COLUMNS.iter().map(|column| (column, column.width)).collect();
        let titles = |width| {
            columns_that_fit(&sized, width)
                .iter()
                .map(|&(at, _)| COLUMNS[at].title)
                .collect::<Vec<_>>()
        };
        assert_eq!(titles(21), ["method", "median"]);
        let at_80 = titles(78);
        for needed in [
            "method",
            "median",
            "mean ± σ",
            "vs fastest",
            "previous",
            "change",
            "failed",
        ] {
            assert!(
                at_80.contains(&needed),
                "{needed} missing at 80 columns: {at_80:?}"
            );
        }
        assert_eq!(titles(200).len(), COLUMNS.len());
    }

    #[test]
    fn every_column_is_as_wide_as_its_widest_value() {
        let vs_fastest = &COLUMNS[9];
        assert_eq!(vs_fastest.title, "vs fastest");
        let values = ["fastest", "460.9× slower", "2.0× slower"];
        assert_eq!(fitted_width(vs_fastest, values.into_iter()), 13);
        assert_eq!(
            fitted_width(vs_fastest, ["fastest"].into_iter()),
            vs_fastest.width
        );
        let median = &COLUMNS[1];
        assert_eq!(fitted_width(median, ["all failed"].into_iter()), 10);
        // A column that grows is kept or dropped whole, by rank, never cut.
        let sized = [(&COLUMNS[0], 10), (&COLUMNS[1], 10), (vs_fastest, 13)];
        assert_eq!(columns_that_fit(&sized, 35), [(0, 10), (1, 10), (2, 13)]);
        assert_eq!(columns_that_fit(&sized, 32), [(0, 10), (1, 10)]);
    }

    #[test]
    fn a_change_that_rounds_to_nothing_has_no_sign() {
        assert_eq!(percent_change(-0.3), "0%");
        assert_eq!(percent_change(0.4), "0%");
        assert_eq!(percent_change(-2.6), "-3%");
        assert_eq!(percent_change(12.0), "+12%");
    }
}
