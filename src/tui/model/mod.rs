//! The explorer's model, a job per file: the App and its `update` (`app`), the run model
//! folded from the runner's events (`run`, `sweep`, `runs`), the settings form (`form`), what
//! the screen shows (`view`) and where keys go (`input`). No drawing and no threads.

pub mod app;
pub mod form;
pub mod input;
pub mod mouse;
pub mod quiz;
pub mod run;
pub mod runs;
pub mod sweep;
pub mod view;

#[cfg(test)]
pub(crate) mod fake;
