//! What the screen shows and where the keys go: the view (a run or a sweep), teach mode, the
//! focused panel, the results' view, the method detailed, an overlay, a path being typed and
//! the status line's notice. State only; the keys that change it are routed in `input`.

use std::cell::RefCell;

use ratatui::layout::{Position, Rect};

use super::quiz::Quiz;
use crate::bench::method::MethodRef;

/// The panels `Tab` moves between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Settings,
    Live,
    Results,
}

impl Panel {
    const ORDER: [Panel; 3] = [Panel::Settings, Panel::Live, Panel::Results];

    pub fn step(self, forward: bool) -> Panel {
        let at = Self::ORDER.iter().position(|&panel| panel == self).unwrap_or(0);
        let next = if forward {
            at + 1
        } else {
            at + Self::ORDER.len() - 1
        };
        Self::ORDER[next % Self::ORDER.len()]
    }
}

/// What `r` runs, and what the screen shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// One size: the live panel and the results table.
    Run,
    /// A range of sizes: time per child against size, one line per method.
    Sweep,
}

/// What the results table shows of each method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultsView {
    /// Time per child: median, mean ± σ, min, max, p99, ratios.
    Times,
    /// Bytes per second beside time per child, against the floors.
    Throughput,
    /// The kernel's accounting of a child: faults, context switches, CPU time.
    Kernel,
}

impl ResultsView {
    pub fn next(self) -> ResultsView {
        match self {
            ResultsView::Times => ResultsView::Throughput,
            ResultsView::Throughput => ResultsView::Kernel,
            ResultsView::Kernel => ResultsView::Times,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ResultsView::Times => "time per child",
            ResultsView::Throughput => "throughput",
            ResultsView::Kernel => "kernel accounting",
        }
    }
}

/// A box over the panels, scrolled: the keys, or a method's teaching text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Overlay {
    Help { scroll: u16 },
    Teaching { method: MethodRef, scroll: u16 },
}

impl Overlay {
    pub fn scroll(self) -> u16 {
        match self {
            Overlay::Help { scroll } | Overlay::Teaching { scroll, .. } => scroll,
        }
    }

    pub fn with_scroll(self, scroll: u16) -> Overlay {
        match self {
            Overlay::Help { .. } => Overlay::Help { scroll },
            Overlay::Teaching { method, .. } => Overlay::Teaching { method, scroll },
        }
    }
}

/// The one-line message under the panels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Info(String),
    /// Something asked for was not done, and why.
    Refused(String),
}

/// The explorer's view state.
#[derive(Clone, Debug)]
pub struct ViewState {
    pub mode: View,
    /// The presentation view for a class: large figures and the teaching text.
    pub teach: bool,
    pub focus: Panel,
    pub results: ResultsView,
    /// The method (index in the run) whose details the live view shows; `None` follows the
    /// runner.
    pub viewed: Option<usize>,
    pub overlay: Option<Overlay>,
    /// A baseline file's path being typed.
    pub prompt: Option<String>,
    pub notice: Option<Notice>,
    /// Teach mode: lines of the teaching text scrolled past (PgUp/PgDn, J/K).
    pub teach_scroll: u16,
    /// The sweep chart: crossings scrolled past.
    pub chart_scroll: u16,
    /// Teach mode's prediction, from its opening (`g`) to its reveal.
    pub quiz: Option<Quiz>,
    /// What the last frame drew, for the keys and the mouse.
    pub drawn: Drawn,
}

/// What a click or the wheel at a place on screen is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Panel(Panel),
    /// A row of the settings panel, by its place among the view's rows (a method's: a click
    /// chooses or drops it).
    Row(usize),
    /// A method of the run, by index (teach mode's figures).
    Method(usize),
    /// Teach mode's teaching text.
    TeachText,
    /// The sweep chart's crossings.
    Crossings,
    /// The open overlay.
    Overlay,
}

/// Where each scrollable text ends, as the last frame laid it out: the most lines one may
/// scroll past. `None` until drawn (the model then bounds by the text's source lines).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    pub teach: Option<u16>,
    pub overlay: Option<u16>,
    pub crossings: Option<u16>,
}

/// The last frame's layout, written by the view as it draws (which is why it sits behind a
/// `RefCell`: drawing reads the App) and read by the input routing: how far each text
/// scrolls and which area of the screen is which.
#[derive(Clone, Debug, Default)]
pub struct Drawn {
    limits: RefCell<Limits>,
    /// Areas in drawing order: the last one drawn at a place is the one on top.
    hits: RefCell<Vec<(Rect, Target)>>,
}

impl Drawn {
    /// A new frame: nothing drawn yet.
    pub fn clear(&self) {
        self.hits.borrow_mut().clear();
    }

    pub fn hit(&self, area: Rect, target: Target) {
        self.hits.borrow_mut().push((area, target));
    }

    pub fn limits(&self) -> Limits {
        *self.limits.borrow()
    }

    pub fn set_limits(&self, change: impl FnOnce(&mut Limits)) {
        change(&mut self.limits.borrow_mut());
    }

    /// What is at (`column`, `row`): the topmost area there, and the one under it.
    pub fn at(&self, column: u16, row: u16) -> Vec<Target> {
        let position = Position::new(column, row);
        self.hits
            .borrow()
            .iter()
            .rev()
            .filter(|(area, _)| area.contains(position))
            .map(|&(_, target)| target)
            .collect()
    }
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            mode: View::Run,
            teach: false,
            focus: Panel::Settings,
            results: ResultsView::Times,
            viewed: None,
            overlay: None,
            prompt: None,
            notice: None,
            teach_scroll: 0,
            chart_scroll: 0,
            quiz: None,
            drawn: Drawn::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_steps_through_the_panels_both_ways_and_the_results_views_cycle() {
        assert_eq!(Panel::Settings.step(true), Panel::Live);
        assert_eq!(Panel::Results.step(true), Panel::Settings);
        assert_eq!(Panel::Settings.step(false), Panel::Results);
        let mut view = ResultsView::Times;
        for _ in 0..3 {
            view = view.next();
        }
        assert_eq!(view, ResultsView::Times);
        assert_eq!(ResultsView::Times.next(), ResultsView::Throughput);
    }
}
