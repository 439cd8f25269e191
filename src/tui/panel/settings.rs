//! The settings of the next run: which methods, and the payload's size, kind and codec,
//! repeats, warm-up and access.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::block;
use crate::bench::method;
use crate::bench::plan::Size;
use crate::tui::app::{App, Panel, Row};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let focused = app.focus == Panel::Settings;
    let outer = block("Settings", focused, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);

    let rows = Row::all();
    let mut lines = vec![Line::styled("Methods (Space)", theme.heading())];
    let mut cursor_line = 0;
    for (index, &row) in rows.iter().enumerate() {
        if row == Row::Size {
            lines.push(Line::styled("Payload (+/- or type)", theme.heading()));
        }
        let selected = focused && index == app.cursor;
        if selected {
            cursor_line = lines.len();
        }
        lines.push(line(app, row, selected, inner.width as usize, theme));
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
    // Keep the cursor in view when the rows do not all fit.
    let scroll = (cursor_line as u16).saturating_sub(list_area.height.saturating_sub(1));
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), list_area);
    if !about_area.is_empty() {
        frame.render_widget(
            Paragraph::new(about(app.row()))
                .style(theme.dim())
                .wrap(Wrap { trim: true }),
            about_area,
        );
    }
}

fn line(app: &App, row: Row, selected: bool, width: usize, theme: Theme) -> Line<'static> {
    let plan = &app.settings;
    let marker = if selected { "›" } else { " " };
    let style = if selected {
        theme.selected()
    } else {
        Default::default()
    };
    if let Row::Method(index) = row {
        let method = method::ALL[index];
        let chosen = plan.methods.contains(&method);
        let check = if chosen { "[x]" } else { "[ ]" };
        let text = format!("{marker}{check} {}", method.id());
        return Line::from(Span::styled(format!("{text:<width$}"), style));
    }
    let (label, value) = match row {
        Row::Size => ("size", Size(plan.size).to_string()),
        Row::Repeats => ("repeats", plan.repeats.to_string()),
        Row::Warmup => ("warm-up", plan.warmup.to_string()),
        Row::Payload => ("payload", plan.payload.name().to_string()),
        Row::Codec => ("codec", plan.codec.name().to_string()),
        Row::Access => ("access", plan.access.name().to_string()),
        Row::Method(_) => unreachable!("handled above"),
    };
    let value = match &app.edit {
        Some(edit) if edit.row == row => format!("[{}▏]", edit.text),
        _ if selected => format!("‹ {value} ›"),
        _ => value,
    };
    let label_width = 9;
    let value_width = width.saturating_sub(label_width + 1);
    Line::from(Span::styled(
        format!("{marker}{label:<label_width$}{value:>value_width$}"),
        style,
    ))
}

fn about(row: Row) -> String {
    match row {
        Row::Method(index) => {
            let method = method::ALL[index];
            format!("{}: {} (t: more)", method.id(), method.summary())
        }
        Row::Size => "Bytes handed to each child. +/- step; type e.g. 12MiB, 1.5MB, 4096.".into(),
        Row::Repeats => "Children per method that are counted.".into(),
        Row::Warmup => "Children per method run first and not counted.".into(),
        Row::Payload => "ints: 64-bit integers; bytes: random bytes; records: small structs.".into(),
        Row::Codec => "How the payload becomes bytes: bincode (varint), bincode-fixed, raw memory.".into(),
        Row::Access => "read: the child reads it all; write: also writes every page (CoW copies).".into(),
    }
}
