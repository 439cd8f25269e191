//! ipcscope: what it costs to hand data to a child process on Linux, and why.
//!
//! `bench` is the measuring core; `report` and `tui` are its faces; `cli` turns a command
//! line into a `Plan` for either.

pub mod bench;
pub mod cli;
pub mod headless;
pub mod report;
pub mod tui;
