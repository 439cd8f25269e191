//! The settings of the next run: which methods, and the payload's size (or a sweep's range of
//! sizes), kind and codec, repeats, warm-up and access. When the rows do not all fit, the
//! methods go two to a line, and what is still hidden scrolls with the cursor behind a
//! "more" marker, so every row stays in reach.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::block;
use crate::tui::model::app::App;
use crate::tui::model::form::Row;
use crate::tui::model::view::{Panel, Target, View};
use crate::tui::theme::Theme;

/// Columns a method takes in the two-column grid: marker, check box, space and the longest id.
const GRID_CELL: usize = 13;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let focused = app.view.focus == Panel::Settings;
    let outer = block("Settings", focused, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);

    let rows = Row::of(app.view.mode);
    let methods = rows.iter().filter(|row| matches!(row, Row::Method(_))).count();
    let width = inner.width as usize;
    // One method a line if everything fits so; else two a line where the width allows.
    let one_column_lines = rows.len() + 2;
    let columns = if one_column_lines > inner.height as usize && width >= 2 * GRID_CELL {
        2
    } else {
        1
    };
    let cell_width = width / columns;

    let mut lines = vec![Line::styled("Methods (Space)", theme.heading())];
    // The rows on each line, for the mouse.
    let mut line_rows: Vec<&[Row]> = vec![&[]];
    let mut cursor_line = 0;
    for chunk in rows[..methods].chunks(columns) {
        line_rows.push(chunk);
        let mut spans = Vec::new();
        for &row in chunk {
            let selected = focused && row == app.row();
            if selected {
                cursor_line = lines.len();
            }
            spans.push(method_cell(app, row, selected, cell_width, theme));
        }
        lines.push(Line::from(spans));
    }
    let heading = match app.view.mode {
        View::Run => "Payload (+/- or type)",
        View::Sweep => "Sweep sizes, payload",
    };
    lines.push(Line::styled(heading, theme.heading()));
    line_rows.push(&[]);
    for (at, &row) in rows.iter().enumerate().skip(methods) {
        line_rows.push(&rows[at..=at]);
        let selected = focused && row == app.row();
        if selected {
            cursor_line = lines.len();
        }
        lines.push(value_line(app, row, selected, width, theme));
    }

    // What the row under the cursor means, below the rows when there is room.
    let spare = inner.height.saturating_sub(lines.len() as u16);
    let [list_area, about_area] = if spare >= 3 {
        Layout::vertical([Constraint::Length(lines.len() as u16), Constraint::Fill(1)])
            .spacing(1)
            .areas(inner)
    } else {
        [inner, Rect::default()]
    };
    let (top, visible) = scrolled(lines, cursor_line, list_area.height as usize, theme);
    for (shown, line) in visible.iter().enumerate() {
        let marked = line
            .spans
            .first()
            .is_some_and(|span| span.content.starts_with(['▲', '▼']));
        if marked || shown >= usize::from(list_area.height) {
            continue;
        }
        for (column, row) in line_rows[top + shown].iter().enumerate() {
            let place = rows.iter().position(|candidate| candidate == row).unwrap_or(0);
            let cell = Rect::new(
                list_area.x + (column * cell_width) as u16,
                list_area.y + shown as u16,
                (cell_width as u16).min(list_area.width),
                1,
            );
            app.view
                .drawn
                .hit(cell.intersection(list_area), Target::Row(place));
        }
    }
    frame.render_widget(Paragraph::new(visible), list_area);
    if !about_area.is_empty() {
        frame.render_widget(
            Paragraph::new(app.row().about())
                .style(theme.dim())
                .wrap(Wrap { trim: true }),
            about_area,
        );
    }
}

/// The first line shown and the `height` lines to show with `cursor` among them; where lines
/// are hidden above or below, the first or last line shown says how many.
fn scrolled(
    lines: Vec<Line<'static>>,
    cursor: usize,
    height: usize,
    theme: Theme,
) -> (usize, Vec<Line<'static>>) {
    let total = lines.len();
    if total <= height || height < 3 {
        return (0, lines);
    }
    // The first window whose unmarked lines hold the cursor.
    let top = (0..=total - height)
        .find(|&top| {
            let first = top + usize::from(top > 0);
            let last = top + height - 1 - usize::from(top + height < total);
            (first..=last).contains(&cursor)
        })
        .unwrap_or(0);
    let mut visible: Vec<Line> = lines.into_iter().skip(top).take(height).collect();
    if top > 0 {
        visible[0] = Line::styled(format!("▲ {} more", top + 1), theme.dim());
    }
    let below = total - (top + height);
    if below > 0 {
        visible[height - 1] = Line::styled(format!("▼ {} more", below + 1), theme.dim());
    }
    (top, visible)
}

fn row_style(selected: bool, theme: Theme) -> ratatui::style::Style {
    if selected {
        theme.selected()
    } else {
        Default::default()
    }
}

/// A method's row: its check box and id.
fn method_cell(app: &App, row: Row, selected: bool, width: usize, theme: Theme) -> Span<'static> {
    let marker = if selected { "›" } else { " " };
    let text = format!("{marker}{} {}", app.form.value(row), row.label());
    Span::styled(format!("{text:<width$}"), row_style(selected, theme))
}

fn value_line(app: &App, row: Row, selected: bool, width: usize, theme: Theme) -> Line<'static> {
    let marker = if selected { "›" } else { " " };
    let (label, value) = match row {
        Row::Method(_) => return Line::from(method_cell(app, row, selected, width, theme)),
        row => (row.label(), app.form.value(row)),
    };
    let value = match &app.form.edit {
        Some(edit) if edit.row == row => format!("[{}▏]", edit.text),
        _ if selected => format!("‹ {value} ›"),
        _ => value,
    };
    let label_width = 9;
    let value_width = width.saturating_sub(label_width + 1);
    Line::from(Span::styled(
        format!("{marker}{label:<label_width$}{value:>value_width$}"),
        row_style(selected, theme),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|line| line.to_string()).collect()
    }

    #[test]
    fn a_long_list_scrolls_to_the_cursor_and_says_what_is_hidden() {
        let lines: Vec<Line> = (0..10).map(|i| Line::raw(format!("row {i}"))).collect();
        let theme = Theme::plain();
        assert_eq!(
            texts(&scrolled(lines.clone(), 2, 5, theme).1),
            ["row 0", "row 1", "row 2", "row 3", "▼ 6 more"]
        );
        assert_eq!(
            texts(&scrolled(lines.clone(), 5, 5, theme).1),
            ["▲ 3 more", "row 3", "row 4", "row 5", "▼ 4 more"]
        );
        assert_eq!(
            texts(&scrolled(lines.clone(), 9, 5, theme).1),
            ["▲ 6 more", "row 6", "row 7", "row 8", "row 9"]
        );
        assert_eq!(scrolled(lines.clone(), 0, 10, theme).1.len(), 10);
    }
}
