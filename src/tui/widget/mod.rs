//! Widgets of their own for the views: large figures and stacked phase bars.

pub mod big_figure;
pub mod phase_bar;

pub use big_figure::BigFigure;
pub use phase_bar::PhaseBar;
