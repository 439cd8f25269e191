//! What the runner tells whoever watches it. Headless `run` and the explorer fold the same
//! events; every event carries its run's id so a superseded run's stragglers are ignored.

use super::env::Environment;
use super::noise::MachineLoad;
use super::plan::Plan;
use super::result::{Failure, MethodResult, Sample};

/// Tells runs apart; the explorer starts a new id for every run.
pub type RunId = u64;

#[derive(Clone, Debug)]
pub enum Event {
    Started {
        run: RunId,
        /// Boxed, as the result below: events stay small beside their largest parts.
        plan: Box<Plan>,
        environment: Environment,
    },
    /// A step of preparation begins: building the payload, measuring the fork floor, setting
    /// up a method. It lasts until the next `Preparing` or `MethodStarted`.
    Preparing { run: RunId, step: String },
    /// Method number `method` of the plan begins (after its one-time setup).
    MethodStarted { run: RunId, method: usize },
    /// Children finished since the last batch; sent a few times a second, not per child.
    Samples {
        run: RunId,
        method: usize,
        samples: Vec<Sample>,
        failures: Vec<Failure>,
    },
    /// How far the current method is: warm-up children done, counted children done.
    Progress {
        run: RunId,
        method: usize,
        warmup_done: u32,
        done: u32,
    },
    MethodDone {
        run: RunId,
        method: usize,
        /// Boxed: the largest part of the largest event.
        result: Box<MethodResult>,
    },
    /// The run ended; `cancelled` when it stopped early on request. `load`: how busy the
    /// machine was from the run's start to its end, where `/proc` says.
    Finished {
        run: RunId,
        cancelled: bool,
        load: Option<MachineLoad>,
    },
    /// The run could not go on (a method could not even be set up); results so far stand.
    Failed { run: RunId, error: String },
}

impl Event {
    pub fn run(&self) -> RunId {
        match self {
            Event::Started { run, .. }
            | Event::Preparing { run, .. }
            | Event::MethodStarted { run, .. }
            | Event::Samples { run, .. }
            | Event::Progress { run, .. }
            | Event::MethodDone { run, .. }
            | Event::Finished { run, .. }
            | Event::Failed { run, .. } => *run,
        }
    }
}
