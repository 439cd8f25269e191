//! The py-* family: Python's multiprocessing, each experiment a method like ipcscope's own,
//! carried out by python3 through the harness (`bench::python`), never by `start`.

use std::io;

use super::{Delivery, Family, Handover, Method, MethodRef, RunContext, TutorialPart};
use crate::bench::env::Environment;
use crate::bench::kind::{Codec, PayloadKind, Phase, Shape};
use crate::bench::python::PyExperiment;

/// One Python experiment as a method.
pub struct PyMethod(PyExperiment);

pub static ALL: &[MethodRef] = &[
    &PyMethod(PyExperiment::Inherit),
    &PyMethod(PyExperiment::Argument),
    &PyMethod(PyExperiment::Queue),
    &PyMethod(PyExperiment::Pipe),
    &PyMethod(PyExperiment::Shm),
    &PyMethod(PyExperiment::Spawn),
];

impl PyMethod {
    /// Whether the parent pickles the payload for every child.
    fn pickles(&self) -> bool {
        matches!(
            self.0,
            PyExperiment::Queue | PyExperiment::Pipe | PyExperiment::Spawn
        )
    }
}

impl Method for PyMethod {
    fn id(&self) -> &'static str {
        self.0.id()
    }

    fn summary(&self) -> &'static str {
        match self.0 {
            PyExperiment::Inherit => {
                "Python: a global made before the fork, read by the child (the tutorial's fast side)"
            }
            PyExperiment::Argument => "Python: Process(args=(data,)) under fork: inherited too, not pickled",
            PyExperiment::Queue => {
                "Python: multiprocessing.Queue: pickled by a feeder thread, sent over a pipe, unpickled"
            }
            PyExperiment::Pipe => "Python: multiprocessing.Pipe(), a socket pair: pickled, sent, unpickled",
            PyExperiment::Shm => {
                "Python: multiprocessing.shared_memory: filled once, attached by name, read in place"
            }
            PyExperiment::Spawn => {
                "Python: the spawn start method: a fresh interpreter, the argument pickled to it"
            }
        }
    }

    fn teaching(&self) -> &'static str {
        match self.0 {
            PyExperiment::Inherit => include_str!("../../../assets/methods/py-inherit.md"),
            PyExperiment::Argument => include_str!("../../../assets/methods/py-argument.md"),
            PyExperiment::Queue => include_str!("../../../assets/methods/py-queue.md"),
            PyExperiment::Pipe => include_str!("../../../assets/methods/py-pipe.md"),
            PyExperiment::Shm => include_str!("../../../assets/methods/py-shm.md"),
            PyExperiment::Spawn => include_str!("../../../assets/methods/py-spawn.md"),
        }
    }

    fn delivery(&self) -> Delivery {
        match self.0 {
            PyExperiment::Inherit | PyExperiment::Argument => Delivery::Inherited,
            PyExperiment::Shm => Delivery::Once,
            PyExperiment::Queue | PyExperiment::Pipe | PyExperiment::Spawn => Delivery::PerChild,
        }
    }

    fn family(&self) -> Family {
        Family::Python
    }

    fn python(&self) -> Option<PyExperiment> {
        Some(self.0)
    }

    fn tutorial(&self) -> Option<TutorialPart> {
        match self.0 {
            PyExperiment::Inherit => Some(TutorialPart::Inherit),
            PyExperiment::Argument => Some(TutorialPart::Argument),
            PyExperiment::Queue => Some(TutorialPart::Queue),
            PyExperiment::Pipe => Some(TutorialPart::Pipe),
            PyExperiment::Shm | PyExperiment::Spawn => None,
        }
    }

    fn check(&self, shape: &Shape, _env: &Environment) -> Result<(), String> {
        match shape.payload {
            PayloadKind::Records => {
                Err("the py-* methods take payload ints or bytes; records have no Python counterpart".into())
            }
            _ => Ok(()),
        }
    }

    fn start<'a>(&self, _run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        Err(io::Error::other(
            "a py-* method is run by the Python harness, not by ipcscope's children",
        ))
    }

    /// The plan's codec never applies: Python pickles, or moves nothing.
    fn uses_codec(&self) -> bool {
        false
    }

    fn codec(&self, _plan_codec: Codec) -> Option<Codec> {
        self.pickles().then_some(Codec::Pickle)
    }

    /// What the harness times: the parent's pickling beside the child's timeline, then the
    /// child's start, its wait for the bytes, its unpickling, its check, and its exit until
    /// `join()` returns (what is left of the total), which add up to the total.
    fn phases(&self, _shape: &Shape) -> Vec<Phase> {
        let unpickles = matches!(self.0, PyExperiment::Queue | PyExperiment::Pipe);
        let mut phases = Vec::with_capacity(6);
        if self.pickles() {
            phases.push(Phase::Pickle);
        }
        phases.extend([Phase::Spawn, Phase::Transfer]);
        if unpickles {
            phases.push(Phase::Unpickle);
        }
        phases.extend([Phase::Verify, Phase::Reap]);
        phases
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_python_method_is_of_its_family_says_so_and_teaches() {
        for method in ALL {
            let id = method.id();
            assert!(id.starts_with("py-"), "{id}");
            assert_eq!(method.family(), Family::Python, "{id}");
            assert_eq!(method.python().map(PyExperiment::id), Some(id));
            assert!(method.summary().starts_with("Python: ") && method.summary().chars().count() <= 110);
            assert!(method.teaching().starts_with(&format!("# {id}: ")), "{id}");
            assert!(method.teaching().len() > 200, "{id}");
        }
    }

    #[test]
    fn pickling_methods_name_pickle_and_the_plans_codec_never() {
        let codecs: Vec<Option<Codec>> = ALL.iter().map(|method| method.codec(Codec::Raw)).collect();
        let pickle = Some(Codec::Pickle);
        assert_eq!(codecs, [None, None, pickle, pickle, None, pickle]);
        let shape = Shape {
            payload: PayloadKind::Ints,
            codec: Codec::Bincode,
            access: crate::bench::kind::Access::Read,
        };
        let pipe = ALL[3];
        assert_eq!(
            pipe.phases(&shape),
            [
                Phase::Pickle,
                Phase::Spawn,
                Phase::Transfer,
                Phase::Unpickle,
                Phase::Verify,
                Phase::Reap
            ]
        );
        assert_eq!(
            ALL[0].phases(&shape),
            [Phase::Spawn, Phase::Transfer, Phase::Verify, Phase::Reap]
        );
    }
}
