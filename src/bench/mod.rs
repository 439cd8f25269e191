//! The measuring core: forks children, hands them data, times and verifies them.
//! It knows no screen and prints nothing; its faces consume its `Event`s.

pub mod cputime;
pub mod crossing;
pub mod driver;
pub mod env;
pub mod event;
pub mod fault;
pub mod kind;
pub mod live;
pub mod memory;
pub mod method;
pub mod mode;
pub mod noise;
pub mod payload;
pub mod placement;
pub mod plan;
pub mod python;
pub mod receipt;
pub mod result;
pub mod runner;
pub mod setting;
pub mod significance;
pub mod stats;
pub mod sweep;
pub mod topology;
pub mod tutorial;
pub mod watchdog;
