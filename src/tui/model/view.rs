//! What the screen shows and where the keys go: the view (a run or a sweep), teach mode, the
//! focused panel, the results' view, the method detailed, an overlay, a path being typed and
//! the status line's notice. State only; the keys that change it are routed in `input`.

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

/// A box over the panels, scrolled: the keys, a method's teaching text, or why the run's
/// children failed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Teaching {
        method: MethodRef,
        scroll: u16,
    },
    /// `lines`: how long the text is, so scrolling stops at its end.
    Failures {
        scroll: u16,
        lines: u16,
    },
}

/// What a path being typed is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathFor {
    /// `o`: a saved result to compare with.
    Baseline,
    /// `X`: the directory `x` writes into.
    ExportDir,
}

impl PathFor {
    /// What the status line calls the path, and what Enter does with it.
    pub fn prompt(self) -> (&'static str, &'static str) {
        match self {
            PathFor::Baseline => (
                "baseline file",
                "Enter loads (empty drops the baseline), Esc cancels",
            ),
            PathFor::ExportDir => (
                "export directory",
                "Enter chooses (empty: the current one), Esc cancels",
            ),
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
    /// A path being typed, and what for.
    pub prompt: Option<String>,
    pub prompt_for: PathFor,
    pub notice: Option<Notice>,
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
            prompt_for: PathFor::Baseline,
            notice: None,
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
