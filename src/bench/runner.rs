//! The background thread: runs a Plan, sends Events on a channel, obeys Cancel.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread::JoinHandle;

use super::contender::Shared;
use super::env::Environment;
use super::event::{Event, RunId};
use super::fault::Fault;
use super::method::MethodRef;
use super::mode;
use super::noise::{MachineLoad, MachineSample};
use super::payload::Payload;
use super::placement::PinnedThread;
use super::plan::{Plan, Schedule, Size};
use super::python;
use super::result::MethodResult;
use super::rounds;
pub use super::rounds::FLOOR_FORKS;
use super::watchdog::Watchdog;

/// A run on its own thread. Dropping the handle cancels the run and waits for it, so every
/// child is killed and reaped before the handle is gone.
pub struct RunHandle {
    cancel: Arc<AtomicBool>,
    thread: Option<JoinHandle<Vec<MethodResult>>>,
}

impl RunHandle {
    /// Asks the run to stop: the current child is killed within a few tens of milliseconds.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits for the run to end and gives its results.
    pub fn join(mut self) -> Vec<MethodResult> {
        self.thread
            .take()
            .and_then(|thread| thread.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for RunHandle {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            if !thread.is_finished() {
                self.cancel();
            }
            let _ = thread.join();
        }
    }
}

/// Starts `plan` on a new thread; its events go to `sender`, converted into the receiver's
/// own message type. `cancel` may be shared with a signal handler.
pub fn spawn<T: From<Event> + Send + 'static>(
    plan: Plan,
    run: RunId,
    sender: Sender<T>,
    cancel: Arc<AtomicBool>,
) -> std::io::Result<RunHandle> {
    spawn_work(sender, cancel, move |cancel, emit| {
        run_plan(&plan, run, cancel, emit)
    })
}

/// Starts `work` on the runner thread: what it emits goes to `sender`, converted into the
/// receiver's own message type. A run and a sweep both start this way.
pub(crate) fn spawn_work<E, T, W>(
    sender: Sender<T>,
    cancel: Arc<AtomicBool>,
    work: W,
) -> std::io::Result<RunHandle>
where
    T: From<E> + Send + 'static,
    W: FnOnce(&Arc<AtomicBool>, &mut dyn FnMut(E)) -> Vec<MethodResult> + Send + 'static,
{
    let thread = std::thread::Builder::new()
        .name("ipcscope-runner".into())
        .spawn({
            let cancel = Arc::clone(&cancel);
            move || {
                let mut emit = |event: E| {
                    // Nobody listens any more: stop rather than measure for no one.
                    if sender.send(T::from(event)).is_err() {
                        cancel.store(true, Ordering::Relaxed);
                    }
                };
                work(&cancel, &mut emit)
            }
        })?;
    Ok(RunHandle {
        cancel,
        thread: Some(thread),
    })
}

/// Runs every method of `plan` by its schedule, on the calling thread (pinned to the
/// placement's parent CPU while it runs, if the placement pins).
pub fn run_plan(
    plan: &Plan,
    run: RunId,
    cancel: &Arc<AtomicBool>,
    emit: &mut dyn FnMut(Event),
) -> Vec<MethodResult> {
    let environment = Environment::read();
    let before = MachineSample::read().ok();
    emit(Event::Started {
        run,
        plan: Box::new(plan.clone()),
        environment: environment.clone(),
    });
    let prepared = plan
        .validate()
        .and_then(|()| plan.check_memory(&environment))
        .and_then(|()| plan.cpu_pair())
        .and_then(|cpus| {
            // Read here, in the parent and before any fork; children inherit the decision.
            let fault = Fault::from_env()?;
            let watchdog = Watchdog::start(Arc::clone(cancel))
                .map_err(|error| format!("starting the watchdog: {error}"))?;
            emit(Event::Preparing {
                run,
                step: format!("building the {} payload", Size(plan.size)),
            });
            // After the watchdog has started, so that it keeps the CPUs it may use.
            let pinned = cpus
                .map(|pair| {
                    PinnedThread::pin(pair.parent)
                        .map_err(|errno| format!("pinning the parent to CPU {}: {errno}", pair.parent))
                })
                .transpose()?;
            let payload = Payload::build(plan.payload, plan.size)
                .map_err(|errno| format!("building the payload: {errno}"))?;
            Ok((cpus, fault, watchdog, pinned, payload))
        });
    let (cpus, fault, watchdog, pinned, payload) = match prepared {
        Ok(prepared) => prepared,
        Err(error) => {
            emit(Event::Failed { run, error });
            emit(Event::Finished {
                run,
                cancelled: false,
                load: None,
            });
            return Vec::new();
        }
    };
    let shared = Shared {
        run,
        payload: &payload,
        environment: &environment,
        watchdog: &watchdog,
        cancel,
        fault,
        cpus,
    };
    let mut results = if mode::takes_over(plan) {
        living_children(plan, &shared, emit)
    } else {
        match plan.schedule {
            Schedule::Interleaved => rounds::interleaved(plan, &shared, emit),
            Schedule::Blocks => rounds::blocks(plan, &shared, emit),
        }
    };
    results.extend(python_block(plan, &shared, emit));
    drop(pinned);
    let load = before
        .zip(MachineSample::read().ok())
        .map(|(before, after)| MachineLoad::between(&before, &after));
    emit(Event::Finished {
        run,
        cancelled: cancel.load(Ordering::Relaxed),
        load,
    });
    results
}

/// `--mode worker|roundtrip` and `--parallel`: each method in turn hands its items to
/// children that live through the whole method (`mode`); no fork per item, so no fork floor.
fn living_children(plan: &Plan, shared: &Shared<'_>, emit: &mut dyn FnMut(Event)) -> Vec<MethodResult> {
    one_by_one(plan, shared, emit, |index, method, emit| {
        if method.python().is_some() {
            return None;
        }
        let context = mode::Context {
            run: shared.run,
            index,
            method,
            plan,
            payload: shared.payload,
            env: shared.environment,
            watchdog: shared.watchdog,
            cancel: shared.cancel,
            fault: shared.fault,
        };
        Some(mode::run(&context, emit))
    })
}

/// The py-* methods, each in the Python harness, one after another after the Rust methods
/// (the rounds and the living children leave them out): the harness runs its own children.
fn python_block(plan: &Plan, shared: &Shared<'_>, emit: &mut dyn FnMut(Event)) -> Vec<MethodResult> {
    one_by_one(plan, shared, emit, |index, method, emit| {
        let experiment = method.python()?;
        let sink = python::Sink {
            run: shared.run,
            method: index,
            emit,
        };
        Some(python::measure(
            method,
            experiment,
            plan,
            shared.fault,
            shared.cancel,
            sink,
        ))
    })
}

/// Runs each method of `plan` that `measure` takes (it gives `None` for the others) in turn,
/// until the run is cancelled, announcing each result as it is done.
fn one_by_one(
    plan: &Plan,
    shared: &Shared<'_>,
    emit: &mut dyn FnMut(Event),
    mut measure: impl FnMut(usize, MethodRef, &mut dyn FnMut(Event)) -> Option<MethodResult>,
) -> Vec<MethodResult> {
    let mut results = Vec::new();
    for (index, &method) in plan.methods.iter().enumerate() {
        if shared.cancel.load(Ordering::Relaxed) {
            break;
        }
        let Some(result) = measure(index, method, &mut *emit) else {
            continue;
        };
        emit(Event::MethodDone {
            run: shared.run,
            method: index,
            result: Box::new(result.clone()),
        });
        results.push(result);
    }
    results
}
