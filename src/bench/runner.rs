//! The background thread: runs a Plan, sends Events on a channel, obeys Cancel.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::driver::Driver;
use super::env::Environment;
use super::event::{Event, RunId};
use super::fault::Fault;
use super::kind::{Access, Mode};
use super::method::{self, Delivery, Method, Role, RunContext};
use super::mode;
use super::payload::Payload;
use super::plan::Plan;
use super::receipt::now_ns;
use super::result::{Failure, MethodResult, Reason, Sample};
use super::watchdog::Watchdog;

/// How often, at most, a batch of samples goes out while children keep finishing.
const BATCH_INTERVAL: Duration = Duration::from_millis(50);

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

/// Runs every method of `plan` in order, on the calling thread.
pub fn run_plan(
    plan: &Plan,
    run: RunId,
    cancel: &Arc<AtomicBool>,
    emit: &mut dyn FnMut(Event),
) -> Vec<MethodResult> {
    let environment = Environment::read();
    emit(Event::Started {
        run,
        plan: plan.clone(),
        environment: environment.clone(),
    });
    let prepared = plan
        .validate()
        .and_then(|()| plan.check_memory(&environment))
        .and_then(|()| {
            // Read here, in the parent and before any fork; children inherit the decision.
            let fault = Fault::from_env()?;
            let watchdog = Watchdog::start(Arc::clone(cancel))
                .map_err(|error| format!("starting the watchdog: {error}"))?;
            let payload = Payload::build(plan.payload, plan.size)
                .map_err(|errno| format!("building the payload: {errno}"))?;
            Ok((fault, watchdog, payload))
        });
    let (fault, watchdog, payload) = match prepared {
        Ok(prepared) => prepared,
        Err(error) => {
            emit(Event::Failed { run, error });
            emit(Event::Finished {
                run,
                cancelled: false,
            });
            return Vec::new();
        }
    };
    let fork_floor = fork_floor(plan, &payload, &environment, &watchdog, cancel);
    let mut results = Vec::with_capacity(plan.methods.len());
    for (index, method) in plan.methods.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let mut method_run = MethodRun {
            run,
            index,
            method: *method,
            plan,
            payload: &payload,
            environment: &environment,
            watchdog: &watchdog,
            cancel,
            fault,
        };
        let mut result = method_run.run(emit);
        result.fork_floor_ns = fork_floor;
        emit(Event::MethodDone {
            run,
            method: index,
            result: result.clone(),
        });
        results.push(result);
    }
    emit(Event::Finished {
        run,
        cancelled: cancel.load(Ordering::Relaxed),
    });
    results
}

/// Children run to measure the fork floor before the methods, after a few not counted (the
/// first forks of a run find colder caches): enough for a stable median, cheap beside a run.
const FLOOR_CHILDREN: u32 = 30;
const FLOOR_WARMUP: u32 = 10;
/// Every child a run forks for its fork floor, before the first method's.
pub const FLOOR_FORKS: u32 = FLOOR_CHILDREN + FLOOR_WARMUP;

/// The median per child of the `fork` baseline at the plan's payload: what any method that
/// forks pays at least. Every result is shown also as a multiple of it.
fn fork_floor(
    plan: &Plan,
    payload: &Payload,
    environment: &Environment,
    watchdog: &Watchdog,
    cancel: &AtomicBool,
) -> Option<u64> {
    // A round trip forks nothing per message: no floor to read it against.
    if plan.mode == Mode::Roundtrip {
        return None;
    }
    let floor_plan = Plan {
        methods: vec![method::with_role(Role::ForkFloor)?],
        repeats: FLOOR_CHILDREN,
        warmup: FLOOR_WARMUP,
        access: Access::Read,
        mode: Mode::Fresh,
        parallel: 1,
        ..plan.clone()
    };
    let mut floor_run = MethodRun {
        run: 0,
        index: 0,
        method: floor_plan.methods[0],
        plan: &floor_plan,
        payload,
        environment,
        watchdog,
        cancel,
        fault: None,
    };
    floor_run.run(&mut |_| {}).summary().map(|summary| summary.median)
}

struct MethodRun<'a> {
    run: RunId,
    index: usize,
    method: &'a dyn Method,
    plan: &'a Plan,
    payload: &'a Payload,
    environment: &'a Environment,
    watchdog: &'a Watchdog,
    cancel: &'a AtomicBool,
    fault: Option<Fault>,
}

impl MethodRun<'_> {
    fn run(&mut self, emit: &mut dyn FnMut(Event)) -> MethodResult {
        let plan = self.plan;
        if mode::takes_over(plan) {
            return mode::run(&self.mode_context(), emit);
        }
        let mut result = MethodResult::new(self.method, plan, self.payload.bytes);
        if let Err(error) = self.measure(&mut result, emit) {
            // Nothing could run: every counted child is a failure, with the reason.
            let first = (result.samples.len() + result.failures.len()) as u32;
            result.failures.extend((first..plan.repeats).map(|child| Failure {
                child,
                reason: Reason::Setup(error.clone()),
            }));
        }
        result.partial = self.cancelled();
        result
    }

    fn mode_context(&self) -> mode::Context<'_> {
        mode::Context {
            run: self.run,
            index: self.index,
            method: self.method,
            plan: self.plan,
            payload: self.payload,
            env: self.environment,
            watchdog: self.watchdog,
            cancel: self.cancel,
            fault: self.fault,
        }
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    fn measure(&mut self, result: &mut MethodResult, emit: &mut dyn FnMut(Event)) -> Result<(), String> {
        let (plan, payload) = (self.plan, self.payload);
        let setup_start = now_ns();
        self.method.check(&plan.shape(), self.environment)?;
        // Free heap pages still mapped are page-table entries that every fork copies and every
        // child's exit tears down; give them back before the children start (glibc only).
        #[cfg(target_env = "gnu")]
        // SAFETY: malloc_trim only returns free memory to the kernel.
        unsafe {
            libc::malloc_trim(0)
        };
        let mut encoded_once = Vec::new();
        let wire_once: &[u8] = if self.method.delivery() == Delivery::Once {
            payload
                .encode(plan.codec, &mut encoded_once)
                .map_err(|error| error.to_string())?
        } else {
            &[]
        };
        let context = RunContext {
            shape: plan.shape(),
            payload,
            env: self.environment,
            wire: wire_once,
        };
        let handover = self
            .method
            .start(&context)
            .map_err(|error| format!("setting up {} failed: {error}", self.method.id()))?;
        let mut driver = Driver::new(self.method, plan, payload, handover, wire_once, self.watchdog)
            .map_err(|errno| format!("making the report pipe failed: {errno}"))?;
        result.setup_ns = now_ns() - setup_start;
        result.wire_bytes = self.wire_bytes(wire_once);
        emit(Event::MethodStarted {
            run: self.run,
            method: self.index,
        });

        let mut batch = Batch::new(self.run, self.index);
        for _ in 0..plan.warmup {
            if self.cancelled() {
                return Ok(());
            }
            // Warm-up children are not counted, whatever becomes of them.
            let _ = driver.run_child();
            batch.warmup_done += 1;
            batch.flush_if_due(emit);
        }
        for child in 0..plan.repeats {
            if self.cancelled() {
                break;
            }
            driver.fault = self.fault.and_then(|fault| fault.for_child(child));
            match driver.run_child() {
                Ok(sample) => {
                    result.samples.push(sample.clone());
                    batch.samples.push(sample);
                }
                // A child that dies because the run was cancelled is no failure of the method.
                Err(_) if self.cancelled() => break,
                Err(reason) => {
                    let failure = Failure { child, reason };
                    result.failures.push(failure.clone());
                    batch.failures.push(failure);
                }
            }
            batch.done += 1;
            batch.flush_if_due(emit);
        }
        batch.flush(emit);
        Ok(())
    }

    /// Bytes on the wire per child, for methods that move bytes.
    fn wire_bytes(&self, wire_once: &[u8]) -> Option<u64> {
        match self.method.delivery() {
            Delivery::Inherited => None,
            Delivery::Once => Some(wire_once.len() as u64),
            Delivery::PerChild | Delivery::Streamed => self
                .payload
                .encoded_len(self.plan.codec)
                .ok()
                .map(|len| len as u64),
        }
    }
}

/// Samples and progress gathered since the last event, sent a few times a second.
struct Batch {
    run: RunId,
    method: usize,
    samples: Vec<Sample>,
    failures: Vec<Failure>,
    warmup_done: u32,
    done: u32,
    last_flush: Instant,
}

impl Batch {
    fn new(run: RunId, method: usize) -> Batch {
        Batch {
            run,
            method,
            samples: Vec::new(),
            failures: Vec::new(),
            warmup_done: 0,
            done: 0,
            last_flush: Instant::now(),
        }
    }

    fn flush_if_due(&mut self, emit: &mut dyn FnMut(Event)) {
        if self.last_flush.elapsed() >= BATCH_INTERVAL {
            self.flush(emit);
        }
    }

    fn flush(&mut self, emit: &mut dyn FnMut(Event)) {
        if !self.samples.is_empty() || !self.failures.is_empty() {
            emit(Event::Samples {
                run: self.run,
                method: self.method,
                samples: std::mem::take(&mut self.samples),
                failures: std::mem::take(&mut self.failures),
            });
        }
        emit(Event::Progress {
            run: self.run,
            method: self.method,
            warmup_done: self.warmup_done,
            done: self.done,
        });
        self.last_flush = Instant::now();
    }
}
