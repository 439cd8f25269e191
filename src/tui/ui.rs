//! The view: lays the panels out on whatever size the terminal has.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::app::{describe_plan, App, Notice, Overlay, Row};
use super::panel::{help, live, results, settings, teaching};
use super::theme::Theme;
use crate::bench::plan::Size;

/// Below this the panels would not be usable; the screen says so instead.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// The fewest lines the settings and live panels keep when the results table grows.
const TOP_HEIGHT: u16 = 12;

pub fn draw(frame: &mut Frame, app: &App, theme: Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, theme);
        return;
    }
    // A long message (a refusal says what is allowed) takes a second line.
    let status = status_line(app, theme);
    let status_height = if status.width() > area.width as usize { 2 } else { 1 };
    let results_height = results::height(app).min(area.height - 1 - status_height - TOP_HEIGHT);
    let [top, results_area, status_area, keys_area] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(results_height),
        Constraint::Length(status_height),
        Constraint::Length(1),
    ])
    .areas(area);
    let settings_width = if area.width >= 110 { 32 } else { 27 };
    let [settings_area, live_area] =
        Layout::horizontal([Constraint::Length(settings_width), Constraint::Fill(1)]).areas(top);

    settings::draw(frame, settings_area, app, theme);
    live::draw(frame, live_area, app, theme);
    results::draw(frame, results_area, app, theme);
    frame.render_widget(Paragraph::new(status).wrap(Wrap { trim: true }), status_area);
    help::draw_bar(frame, keys_area, theme);

    match app.overlay {
        Some(Overlay::Help { scroll }) => help::draw_overlay(frame, area, scroll, theme),
        Some(Overlay::Teaching { method, scroll }) => teaching::draw(frame, area, method, scroll, theme),
        None => {}
    }
}

fn too_small(frame: &mut Frame, area: Rect, theme: Theme) {
    let text = format!(
        "make the terminal at least {MIN_WIDTH}×{MIN_HEIGHT} (it is {}×{}); q quits",
        area.width, area.height
    );
    let height = (text.chars().count() as u16).div_ceil(area.width.max(1)).min(area.height);
    let [_, middle, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(height),
        Constraint::Fill(1),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(text)
            .style(theme.warn())
            .centered()
            .wrap(Wrap { trim: true }),
        middle,
    );
}

/// What is being typed, the latest notice, or what `r` would run.
fn status_line(app: &App, theme: Theme) -> Line<'static> {
    if let Some(edit) = &app.edit {
        let reading = match edit.row {
            Row::Size => Size::parse(&edit.text).map_or("not a size yet".into(), |size| format!("= {size}")),
            _ => edit.text.parse::<u64>().map_or("not a number yet".into(), |n| format!("= {n}")),
        };
        return Line::from(vec![
            Span::styled("typing ", theme.key()),
            Span::raw(format!("{} {reading} · Enter applies, Esc drops", edit.text)),
        ]);
    }
    match &app.notice {
        Some(Notice::Refused(text)) => Line::from(vec![
            Span::styled("✗ ", theme.bad()),
            Span::styled(text.clone(), theme.bad()),
        ]),
        Some(Notice::Info(text)) => Line::from(vec![Span::styled("• ", theme.good()), Span::raw(text.clone())]),
        None => {
            let ids: Vec<&str> = app.settings.methods.iter().map(|method| method.id()).collect();
            Line::from(vec![
                Span::styled("r", theme.key()),
                Span::styled(
                    format!(" runs {} · {}", ids.join(","), describe_plan(&app.settings)),
                    theme.dim(),
                ),
            ])
        }
    }
}
