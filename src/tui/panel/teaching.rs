//! The `t` overlay: a method's full teaching text.

use ratatui::layout::Rect;
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{block, centred};
use crate::bench::method::MethodRef;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, method: MethodRef, scroll: u16, theme: Theme) {
    let box_area = centred(
        area,
        area.width.saturating_sub(4).min(100),
        area.height.saturating_sub(2),
    );
    let outer = block(
        format!("{}: how it works (↑↓ scroll, t or Esc closes)", method.id()),
        true,
        theme,
    );
    let inner = outer.inner(box_area);
    frame.render_widget(Clear, box_area);
    frame.render_widget(outer, box_area);
    frame.render_widget(
        Paragraph::new(method.teaching().trim_end())
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}
