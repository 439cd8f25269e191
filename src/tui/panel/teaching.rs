//! The `t` overlay: a method's full teaching text, rendered (headings, emphasis, code and
//! lists as what they mean), scrolled no further than its last line.

use ratatui::layout::Rect;
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::{block, centred};
use crate::bench::method::MethodRef;
use crate::tui::markdown;
use crate::tui::model::view::{Drawn, Target};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, method: MethodRef, scroll: u16, drawn: &Drawn, theme: Theme) {
    let box_area = centred(
        area,
        area.width.saturating_sub(4).min(100),
        area.height.saturating_sub(2),
    );
    let outer = block(
        format!(
            "{}: how it works ({} PgUp PgDn scroll, t or Esc closes)",
            method.id(),
            theme.text("↑↓")
        ),
        true,
        theme,
    );
    let inner = outer.inner(box_area);
    frame.render_widget(Clear, box_area);
    frame.render_widget(outer, box_area);
    let text = markdown::render(method.teaching(), inner.width, theme);
    let limit = (text.lines.len() as u16).saturating_sub(inner.height);
    drawn.set_limits(|limits| limits.overlay = Some(limit));
    drawn.hit(box_area, Target::Overlay);
    frame.render_widget(Paragraph::new(text).scroll((scroll.min(limit), 0)), inner);
}
