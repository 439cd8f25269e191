//! The mouse: a click on a method's row chooses or drops it, a click on a panel gives it the
//! keys, a click on a method in teach mode shows it; the wheel scrolls what is under the
//! pointer (an overlay, a text, the crossings, a list). Where things are comes from the last
//! frame (`view.drawn`).

use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::form::{Form, Row};
use super::input::{self, Intent};
use super::view::{Panel, Target, View, ViewState};

/// Lines one notch of the wheel scrolls.
const WHEEL: i32 = 3;

/// What a mouse event does; `None` where it does nothing.
pub fn route(event: MouseEvent, view: &mut ViewState, form: &mut Form) -> Option<Intent> {
    let targets = view.drawn.at(event.column, event.row);
    match event.kind {
        MouseEventKind::Down(MouseButton::Left) => click(targets.first().copied(), view, form),
        MouseEventKind::ScrollUp => wheel(&targets, -WHEEL, view, form),
        MouseEventKind::ScrollDown => wheel(&targets, WHEEL, view, form),
        _ => None,
    }
}

fn click(target: Option<Target>, view: &mut ViewState, form: &mut Form) -> Option<Intent> {
    if view.overlay.is_some() {
        // A click beside the overlay closes it, as Esc does.
        if target != Some(Target::Overlay) {
            view.overlay = None;
        }
        return Some(Intent::Done);
    }
    view.notice = None;
    match target? {
        Target::Row(place) if form.edit.is_none() => {
            let row = *Row::of(view.mode).get(place)?;
            view.focus = Panel::Settings;
            form.cursor = row;
            if let Row::Method(index) = row {
                if let Some(notice) = form.toggle_method(index) {
                    view.notice = Some(notice);
                }
            }
            Some(Intent::Done)
        }
        Target::Row(_) => None,
        Target::Panel(panel) => {
            view.focus = panel;
            Some(Intent::Done)
        }
        Target::Crossings => {
            view.focus = Panel::Live;
            Some(Intent::Done)
        }
        Target::Method(index) => Some(Intent::ViewMethod(index)),
        Target::TeachText | Target::Overlay => None,
    }
}

/// The wheel scrolls the first thing under the pointer that scrolls.
fn wheel(targets: &[Target], step: i32, view: &mut ViewState, form: &mut Form) -> Option<Intent> {
    if view.overlay.is_some() {
        input::scroll_overlay(view, step);
        return Some(Intent::Done);
    }
    let down = step > 0;
    match targets.first()? {
        Target::TeachText => input::scroll_teaching(view, step),
        Target::Crossings => input::scroll_crossings(view, step),
        Target::Row(_) | Target::Panel(Panel::Settings) if !view.teach => {
            form.move_cursor(view.mode, down);
        }
        Target::Panel(Panel::Live) if view.mode == View::Sweep => input::scroll_crossings(view, step),
        Target::Panel(_) | Target::Method(_) | Target::Row(_) => {
            return Some(Intent::MoveViewed(step.signum()));
        }
        Target::Overlay => return None,
    }
    Some(Intent::Done)
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::KeyModifiers;
    use ratatui::layout::Rect;

    use super::*;
    use crate::tui::model::fake;
    use crate::tui::model::view::Overlay;

    fn at(kind: MouseEventKind, column: u16, row: u16) -> MouseEvent {
        MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }
    }

    #[test]
    fn a_click_on_a_method_row_toggles_it_and_on_a_panel_focuses_it() {
        let mut app = fake::app_at(Row::Method(0));
        let drawn = &app.view.drawn;
        drawn.hit(Rect::new(0, 0, 30, 20), Target::Panel(Panel::Settings));
        drawn.hit(Rect::new(1, 3, 12, 1), Target::Row(2));
        drawn.hit(Rect::new(30, 0, 50, 20), Target::Panel(Panel::Live));
        let chosen = app.form.settings.methods.len();
        let view = &mut app.view;
        route(
            at(MouseEventKind::Down(MouseButton::Left), 40, 5),
            view,
            &mut app.form,
        );
        assert_eq!(view.focus, Panel::Live);
        route(
            at(MouseEventKind::Down(MouseButton::Left), 5, 3),
            view,
            &mut app.form,
        );
        assert_eq!(view.focus, Panel::Settings);
        assert_eq!(app.form.cursor, Row::Method(2));
        assert_eq!(app.form.settings.methods.len(), chosen + 1, "the click chose it");
        route(
            at(MouseEventKind::Down(MouseButton::Left), 5, 3),
            view,
            &mut app.form,
        );
        assert_eq!(app.form.settings.methods.len(), chosen, "and a second dropped it");
        route(at(MouseEventKind::ScrollDown, 5, 10), view, &mut app.form);
        assert_eq!(app.form.cursor, Row::Method(3), "the wheel moves the cursor");
    }

    #[test]
    fn the_wheel_scrolls_an_open_overlay_and_a_click_beside_it_closes_it() {
        let mut app = fake::app_at(Row::Method(0));
        input::open(&mut app.view, Overlay::Help { scroll: 0 });
        app.view.drawn.set_limits(|limits| limits.overlay = Some(4));
        for _ in 0..5 {
            route(at(MouseEventKind::ScrollDown, 5, 5), &mut app.view, &mut app.form);
        }
        assert_eq!(
            app.view.overlay,
            Some(Overlay::Help { scroll: 4 }),
            "it stops at the end"
        );
        route(
            at(MouseEventKind::Down(MouseButton::Left), 5, 5),
            &mut app.view,
            &mut app.form,
        );
        assert_eq!(app.view.overlay, None);
    }
}
