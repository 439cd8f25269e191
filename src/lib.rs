//! ipcscope: what it costs to hand data to a child process on Linux, and why.
//!
//! `bench` is the measuring core; `report` and `tui` are its faces. The command line that
//! turns flags into a `Plan` and a report `Format` is the binary's (`main.rs`, `cli.rs`).

pub mod bench;
pub mod report;
pub mod tui;
