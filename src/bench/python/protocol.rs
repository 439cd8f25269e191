//! The harness's lines, one JSON object each: a hello, one line per child, a done line.

use serde::Deserialize;

use super::PyVerify;
use crate::bench::kind::PayloadKind;
use crate::bench::result::Usage;

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub(super) enum Line {
    Hello(PyHello),
    Child(PyChild),
    Done(PyDone),
}

/// The harness's first line, written once the payload is built.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PyHello {
    /// `sys.version`'s first word, e.g. `3.11.7`.
    pub python: String,
    /// `fork`, or `spawn` for py-spawn.
    pub start_method: String,
    pub experiment: String,
    pub verify: PyVerify,
    pub payload: PyPayload,
    /// The `/dev/shm` entry py-shm made (without the leading slash), unlinked at the end.
    pub shm_name: Option<String>,
    pub pickle_protocol: u32,
    /// Building the payload (and the shared memory) before the first child.
    pub setup_ns: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PyPayload {
    pub kind: PayloadKind,
    /// Elements: ints, or bytes.
    pub count: u64,
    pub bytes: u64,
    /// The first and last element (an int, or a byte's value); None when empty.
    pub first: Option<u64>,
    pub last: Option<u64>,
}

/// One child, warm-up or counted. Times are nanoseconds of `time.perf_counter_ns`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PyChild {
    /// The child's place among the warm-up or the counted children, from 0.
    pub child: u32,
    pub warmup: bool,
    /// It received its payload and verified it.
    pub ok: bool,
    /// Why it failed: the exception it raised, the signal that killed it, its timeout.
    pub error: Option<String>,
    /// `start()` → `join()`: the tutorial's time per child.
    pub total_ns: u64,
    /// The parent's pickling: timed within the total for py-pipe (after `start()`, while the
    /// child starts); for py-queue (its feeder thread pickles) and py-spawn (`start()` pickles)
    /// the same pickling timed beside the child, outside its total. None where nothing is pickled.
    pub pickle_ns: Option<u64>,
    /// `start()` → the child's body runs: fork (or exec and unpickling, for spawn).
    pub startup_ns: Option<u64>,
    /// The child's body starts → it holds the payload (for queue and pipe: its pickled bytes).
    pub transfer_ns: Option<u64>,
    /// The child unpickles the bytes it got (py-queue and py-pipe).
    pub unpickle_ns: Option<u64>,
    /// The child checks what it got (light or full, as the hello line says).
    pub verify_ns: Option<u64>,
    /// `getrusage(RUSAGE_CHILDREN)` before `start()` and after `join()`: this child alone.
    pub usage: Usage,
}

/// The harness's last line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct PyDone {
    pub repeats: u32,
    /// Counted children that failed.
    pub failures: u32,
}

impl Line {
    pub(super) fn parse(text: &str) -> Result<Line, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_line_parses_with_its_missing_phases() {
        let text = r#"{"type": "child", "child": 2, "warmup": false, "ok": false,
            "error": "the child was killed by SIGKILL", "total_ns": 1884488, "pickle_ns": 148011,
            "startup_ns": null, "transfer_ns": null, "unpickle_ns": null, "verify_ns": null,
            "usage": {"minor_faults": 452, "major_faults": 0, "voluntary_switches": 1,
            "involuntary_switches": 0, "user_ns": 1629000, "system_ns": 0}}"#;
        let Ok(Line::Child(child)) = Line::parse(text) else {
            panic!("not a child line: {text}");
        };
        assert_eq!((child.child, child.ok, child.pickle_ns), (2, false, Some(148011)));
        assert_eq!(child.error.as_deref(), Some("the child was killed by SIGKILL"));
        assert_eq!(child.usage.minor_faults, 452);
        assert_eq!(child.transfer_ns, None);
    }

    #[test]
    fn a_line_of_another_type_is_an_error() {
        assert!(Line::parse(r#"{"type": "greeting"}"#).is_err());
    }
}
