//! The measuring core: forks children, hands them data, times and verifies them.
//! It knows no screen and prints nothing; its faces consume its `Event`s.

pub mod child;
pub mod crossing;
pub mod env;
pub mod event;
pub mod fault;
pub mod method;
pub mod payload;
pub mod plan;
pub mod result;
pub mod runner;
pub mod setting;
pub mod stats;
pub mod sweep;
pub mod tutorial;
pub mod watchdog;
