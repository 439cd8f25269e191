//! Python's multiprocessing, measured beside the kernel: the tutorial's own experiments run by
//! the machine's python3 through a harness shipped in the binary (`assets/python/harness.py`).
//!
//! `interpreter` finds and checks python3; `protocol` is the harness's JSON lines; `harness`
//! starts it, reads its lines, enforces deadlines and cancellation, and leaves nothing behind;
//! `measure` turns a py-* method's run into the runner's events and result.

mod harness;
mod interpreter;
mod measure;
mod protocol;
mod skip;

use std::time::Duration;

pub use harness::{run, PyError, PyRunSummary};
pub use interpreter::{Availability, Interpreter, Unavailable, MINIMUM_VERSION};
pub use measure::{measure, Sink};
pub use protocol::{PyChild, PyDone, PyHello, PyPayload};
pub use skip::{without_unavailable, Skipped};

use super::kind::PayloadKind;

/// The Python contenders: the tutorial's four, shared memory, and the spawn start method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PyExperiment {
    /// A global made before the fork, inherited by the child.
    Inherit,
    /// `Process(target, args=(data,))` under fork: the argument is inherited, not pickled.
    Argument,
    /// `multiprocessing.Queue`: pickled by the parent's feeder thread, sent over a pipe.
    Queue,
    /// `multiprocessing.Pipe()`, duplex by default and so a socket pair (`duplex=False` would
    /// be a pipe): pickled, sent, unpickled.
    Pipe,
    /// `multiprocessing.shared_memory`: filled once by the parent, attached by name and read in
    /// place by each child.
    Shm,
    /// The spawn start method: a fresh interpreter, the argument pickled to it.
    Spawn,
}

impl PyExperiment {
    pub const ALL: [PyExperiment; 6] = [
        PyExperiment::Inherit,
        PyExperiment::Argument,
        PyExperiment::Queue,
        PyExperiment::Pipe,
        PyExperiment::Shm,
        PyExperiment::Spawn,
    ];

    /// The method id, also the harness's name for it.
    pub fn id(self) -> &'static str {
        match self {
            PyExperiment::Inherit => "py-inherit",
            PyExperiment::Argument => "py-argument",
            PyExperiment::Queue => "py-queue",
            PyExperiment::Pipe => "py-pipe",
            PyExperiment::Shm => "py-shm",
            PyExperiment::Spawn => "py-spawn",
        }
    }

    pub fn parse(id: &str) -> Option<PyExperiment> {
        Self::ALL.into_iter().find(|experiment| experiment.id() == id)
    }
}

/// What a Python child checks of the payload it got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PyVerify {
    /// Length, first and last element: about as cheap as the tutorial's `data2 = data`.
    Light,
    /// Every element, against the parent's checksum, timed as its own phase. Reading each
    /// object writes its reference count, so copy-on-write copies an inherited list.
    Full,
}

impl PyVerify {
    pub const ALL: [PyVerify; 2] = [PyVerify::Light, PyVerify::Full];

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|verify| verify.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| format!("unknown py-verify '{text}'; allowed: light, full"))
    }

    /// What a child checked, as a result says it.
    pub fn checked(self) -> &'static str {
        match self {
            PyVerify::Light => "length, first and last element",
            PyVerify::Full => "every element, against the parent's checksum",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PyVerify::Light => "light",
            PyVerify::Full => "full",
        }
    }
}

/// A misbehaviour the harness can give one counted child, for tests of failure handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PyFault {
    /// The child sends itself SIGKILL.
    Kill,
    /// The child raises an exception.
    Raise,
    /// The child sleeps for an hour (the per-child timeout must end it).
    Hang,
    /// The child verifies a copy of its payload whose last element differs.
    Corrupt,
}

impl PyFault {
    fn name(self) -> &'static str {
        match self {
            PyFault::Kill => "kill",
            PyFault::Raise => "raise",
            PyFault::Hang => "hang",
            PyFault::Corrupt => "corrupt",
        }
    }
}

/// What one harness run does: the plan's settings that apply to Python.
#[derive(Clone, Debug, PartialEq)]
pub struct PyParams {
    pub experiment: PyExperiment,
    /// `ints` or `bytes`; `records` has no Python counterpart.
    pub payload: PayloadKind,
    /// The payload's size in bytes, as in the plan (ints: `size / 8` integers).
    pub size: u64,
    pub warmup: u32,
    pub repeats: u32,
    pub verify: PyVerify,
    /// How long one child may take before the harness kills it.
    pub child_timeout: Duration,
    /// For tests: the fault to give the counted child of this index.
    pub fault: Option<(PyFault, u32)>,
}
