//! A py-* method run as the runner runs a Rust one: the harness's lines turned into the same
//! events (started, progress, samples, failures) and the same `MethodResult`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{harness, Availability, PyChild, PyExperiment, PyFault, PyParams};
use crate::bench::event::{Event, RunId};
use crate::bench::fault::{Fault, FaultKind};
use crate::bench::kind::Phase;
use crate::bench::method::Method;
use crate::bench::plan::Plan;
use crate::bench::result::{Failure, MethodResult, PhaseTimes, Reason, Sample};

/// How often, at most, a batch of samples goes out while children keep finishing (as for
/// the Rust methods).
const BATCH_INTERVAL: Duration = Duration::from_millis(50);

/// Python moves a payload far slower than the kernel: without an explicit `--timeout`, a
/// Python child may take 10 s plus 1 s per 8 MB (py-spawn pickles and unpickles it all).
fn child_timeout(plan: &Plan) -> Duration {
    plan.timeout
        .unwrap_or_else(|| Duration::from_secs(10 + plan.size / 8_000_000))
}

/// Where one method run's events go: its run, its place in the plan, the channel.
pub struct Sink<'a> {
    pub run: RunId,
    pub method: usize,
    pub emit: &'a mut dyn FnMut(Event),
}

/// Runs `method` (of the py-* family, `experiment`) under `plan` in the harness. `fault`, for
/// tests, gives one counted child a misbehaviour. Never fails: what went wrong is in the
/// result's failures.
pub fn measure(
    method: &dyn Method,
    experiment: PyExperiment,
    plan: &Plan,
    fault: Option<Fault>,
    cancel: &AtomicBool,
    sink: Sink<'_>,
) -> MethodResult {
    let payload_bytes = plan.size / plan.payload.element_bytes() * plan.payload.element_bytes();
    let mut result = MethodResult::new(method, plan, payload_bytes);
    let fault_child = fault.map(|fault| fault.child);
    let params = PyParams {
        experiment,
        payload: plan.payload,
        size: plan.size,
        warmup: plan.warmup,
        repeats: plan.repeats,
        verify: plan.py_verify,
        child_timeout: child_timeout(plan),
        fault: fault.and_then(|fault| Some((py_fault(fault.kind)?, fault.child))),
    };
    let outcome = match Availability::check(plan.python.as_deref().map(|path| path.as_os_str())) {
        Availability::Unavailable(why) => Err(Reason::Setup(why.to_string())),
        Availability::Ready(interpreter) => {
            let mut batch = Batch::new(sink);
            let ran = harness::run(&interpreter, &params, cancel, |child| {
                if batch.not_started {
                    batch.start();
                }
                if child.warmup {
                    batch.warmup_done += 1;
                } else {
                    let outcome = judge(child, &result.phases, fault_child);
                    match outcome {
                        Ok(sample) => {
                            result.samples.push(sample.clone());
                            batch.samples.push(sample);
                        }
                        Err(reason) => {
                            let failure = Failure {
                                child: child.child,
                                reason,
                            };
                            result.failures.push(failure.clone());
                            batch.failures.push(failure);
                        }
                    }
                    batch.done += 1;
                }
                batch.flush_if_due();
            });
            if batch.not_started {
                batch.start();
            }
            batch.flush();
            match ran {
                Ok(summary) => {
                    result.setup_ns = summary.hello.map_or(0, |hello| hello.setup_ns);
                    Ok(())
                }
                Err(error) => Err(Reason::Harness(error.to_string())),
            }
        }
    };
    if let Err(reason) = outcome {
        if !cancel.load(Ordering::Relaxed) {
            // The children the harness never ran are failures, with its reason.
            let first = (result.samples.len() + result.failures.len()) as u32;
            result.failures.extend((first..plan.repeats).map(|child| Failure {
                child,
                reason: reason.clone(),
            }));
        }
    }
    result.partial = cancel.load(Ordering::Relaxed);
    result
}

/// The harness's counterpart of a Rust fault; `exit` has none (the child then verifies,
/// and counts as `FaultMissed`).
fn py_fault(kind: FaultKind) -> Option<PyFault> {
    match kind {
        FaultKind::Kill => Some(PyFault::Kill),
        FaultKind::Hang => Some(PyFault::Hang),
        FaultKind::Panic => Some(PyFault::Raise),
        FaultKind::Corrupt => Some(PyFault::Corrupt),
        FaultKind::Exit(_) => None,
    }
}

/// A counted child's line as a sample, or as the reason it failed.
fn judge(child: &PyChild, present: &[Phase], fault_child: Option<u32>) -> Result<Sample, Reason> {
    if !child.ok {
        let error = child.error.clone().unwrap_or_else(|| "the child failed".into());
        return Err(Reason::Python(error));
    }
    if fault_child == Some(child.child) {
        return Err(Reason::FaultMissed);
    }
    Ok(Sample {
        total_ns: child.total_ns,
        phases: phases(child, present),
        usage: child.usage,
        ..Sample::default()
    })
}

/// The harness's times as phases: the child's start-up, wait, unpickling and check, then
/// what is left of the total (its exit and `join()`) as reap, so that these add up to the
/// total; pickling beside them (`Phase::is_beside`).
fn phases(child: &PyChild, present: &[Phase]) -> PhaseTimes {
    let mut times: PhaseTimes = Default::default();
    let parts = [
        (Phase::Spawn, child.startup_ns),
        (Phase::Transfer, child.transfer_ns),
        (Phase::Unpickle, child.unpickle_ns),
        (Phase::Verify, child.verify_ns),
    ];
    let mut accounted = 0u64;
    for (phase, nanos) in parts {
        if present.contains(&phase) {
            let nanos = nanos.unwrap_or(0);
            accounted = accounted.saturating_add(nanos);
            times[phase.index()] = Some(nanos);
        }
    }
    times[Phase::Reap.index()] = Some(child.total_ns.saturating_sub(accounted));
    if present.contains(&Phase::Pickle) {
        times[Phase::Pickle.index()] = child.pickle_ns;
    }
    times
}

/// Samples and progress gathered since the last event, sent a few times a second.
struct Batch<'a> {
    sink: Sink<'a>,
    not_started: bool,
    samples: Vec<Sample>,
    failures: Vec<Failure>,
    warmup_done: u32,
    done: u32,
    last_flush: Instant,
}

impl<'a> Batch<'a> {
    fn new(sink: Sink<'a>) -> Batch<'a> {
        Batch {
            sink,
            not_started: true,
            samples: Vec::new(),
            failures: Vec::new(),
            warmup_done: 0,
            done: 0,
            last_flush: Instant::now(),
        }
    }

    /// The method begins: the harness built its payload and ran its first child.
    fn start(&mut self) {
        self.not_started = false;
        (self.sink.emit)(Event::MethodStarted {
            run: self.sink.run,
            method: self.sink.method,
        });
    }

    fn flush_if_due(&mut self) {
        if self.last_flush.elapsed() >= BATCH_INTERVAL {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let (run, method) = (self.sink.run, self.sink.method);
        if !self.samples.is_empty() || !self.failures.is_empty() {
            (self.sink.emit)(Event::Samples {
                run,
                method,
                samples: std::mem::take(&mut self.samples),
                failures: std::mem::take(&mut self.failures),
            });
        }
        (self.sink.emit)(Event::Progress {
            run,
            method,
            warmup_done: self.warmup_done,
            done: self.done,
        });
        self.last_flush = Instant::now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::result::Usage;

    fn line(ok: bool) -> PyChild {
        PyChild {
            child: 0,
            warmup: false,
            ok,
            error: (!ok).then(|| "the child raised RuntimeError: no".into()),
            total_ns: 1000,
            pickle_ns: Some(300),
            startup_ns: Some(100),
            transfer_ns: Some(400),
            unpickle_ns: Some(200),
            verify_ns: Some(50),
            usage: Usage::default(),
        }
    }

    #[test]
    fn the_phases_that_add_up_do_and_pickling_stands_beside_them() {
        let present = [
            Phase::Pickle,
            Phase::Spawn,
            Phase::Transfer,
            Phase::Unpickle,
            Phase::Verify,
            Phase::Reap,
        ];
        let sample = judge(&line(true), &present, None).unwrap();
        let added: u64 = present
            .iter()
            .filter(|phase| !phase.is_beside())
            .map(|phase| sample.phases[phase.index()].unwrap())
            .sum();
        assert_eq!(added, 1000);
        assert_eq!(sample.phases[Phase::Reap.index()], Some(250));
        assert_eq!(sample.phases[Phase::Pickle.index()], Some(300));
        // A method without unpickling has none, and its reap takes what is left.
        let inherit = judge(
            &line(true),
            &[Phase::Spawn, Phase::Transfer, Phase::Verify, Phase::Reap],
            None,
        )
        .unwrap();
        assert_eq!(inherit.phases[Phase::Unpickle.index()], None);
        assert_eq!(inherit.phases[Phase::Reap.index()], Some(450));
    }

    #[test]
    fn a_failed_line_is_a_python_failure_and_a_missed_fault_is_one_too() {
        assert_eq!(
            judge(&line(false), &[], None),
            Err(Reason::Python("the child raised RuntimeError: no".into()))
        );
        assert_eq!(judge(&line(true), &[], Some(0)), Err(Reason::FaultMissed));
        assert!(judge(&line(true), &[], Some(1)).is_ok());
    }
}
