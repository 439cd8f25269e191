//! Widgets of their own for the views: large figures, stacked phase bars, the sweep chart.

pub mod big_figure;
pub mod phase_bar;
pub mod size_chart;

pub use big_figure::BigFigure;
pub use phase_bar::PhaseBar;
