//! One method as a run holds it: set up once (checked, encoded once, its channel made, its
//! driver ready), then stepped one child at a time by whichever schedule the run follows, its
//! samples and progress sent as events.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::driver::Driver;
use super::env::Environment;
use super::event::{Event, RunId};
use super::fault::Fault;
use super::method::{Delivery, Method, RunContext};
use super::payload::Payload;
use super::placement::CpuPair;
use super::plan::{Plan, Precision};
use super::receipt::now_ns;
use super::result::{Failure, MethodResult, Reason, Sample};
use super::stats;
use super::watchdog::Watchdog;

/// How often, at most, a batch of samples goes out while children keep finishing.
const BATCH_INTERVAL: Duration = Duration::from_millis(50);

/// What every contender of a run shares.
pub struct Shared<'a> {
    pub run: RunId,
    pub payload: &'a Payload,
    pub environment: &'a Environment,
    pub watchdog: &'a Watchdog,
    pub cancel: &'a AtomicBool,
    pub fault: Option<Fault>,
    pub cpus: Option<CpuPair>,
}

impl Shared<'_> {
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// A method of the run, or its fork floor (`index` `None`: measured, never reported).
pub struct Contender<'a> {
    pub index: Option<usize>,
    pub method: &'a dyn Method,
    plan: &'a Plan,
    /// `Err` when the method could not be set up: every counted child fails with it.
    driver: Result<Driver<'a>, String>,
    pub result: MethodResult,
    batch: Batch,
    /// Counted children run, failed ones included.
    pub counted: u32,
}

impl<'a> Contender<'a> {
    /// Sets `method` up under `plan`; `once` holds what a `Delivery::Once` method encodes.
    pub fn set_up(
        index: Option<usize>,
        method: &'a dyn Method,
        plan: &'a Plan,
        shared: &Shared<'a>,
        once: &'a mut Vec<u8>,
    ) -> Contender<'a> {
        let mut result = MethodResult::new(method, plan, shared.payload.bytes);
        let setup_start = now_ns();
        let driver = Self::driver(method, plan, shared, once, &mut result);
        result.setup_ns = now_ns() - setup_start;
        Contender {
            index,
            method,
            plan,
            driver,
            result,
            batch: Batch::new(shared.run, index),
            counted: 0,
        }
    }

    fn driver(
        method: &'a dyn Method,
        plan: &'a Plan,
        shared: &Shared<'a>,
        once: &'a mut Vec<u8>,
        result: &mut MethodResult,
    ) -> Result<Driver<'a>, String> {
        let payload = shared.payload;
        method.check(&plan.shape(), shared.environment)?;
        // Free heap pages still mapped are page-table entries that every fork copies and every
        // child's exit tears down; give them back before the children start (glibc only).
        #[cfg(target_env = "gnu")]
        // SAFETY: malloc_trim only returns free memory to the kernel.
        unsafe {
            libc::malloc_trim(0)
        };
        let wire_once: &'a [u8] = if method.delivery() == Delivery::Once {
            payload
                .encode(plan.codec, once)
                .map_err(|error| error.to_string())?
        } else {
            &[]
        };
        let context = RunContext {
            shape: plan.shape(),
            payload,
            env: shared.environment,
            wire: wire_once,
        };
        let handover = method
            .start(&context)
            .map_err(|error| format!("setting up {} failed: {error}", method.id()))?;
        let mut driver = Driver::new(method, plan, payload, handover, wire_once, shared.watchdog)
            .map_err(|errno| format!("making the report pipe failed: {errno}"))?;
        driver.child_cpu = shared.cpus.map(|pair| pair.child);
        result.wire_bytes = match method.delivery() {
            Delivery::Inherited => None,
            Delivery::Once => Some(wire_once.len() as u64),
            Delivery::PerChild | Delivery::Streamed => {
                payload.encoded_len(plan.codec).ok().map(|len| len as u64)
            }
        };
        Ok(driver)
    }

    /// Tells the watchers this method has begun (after its one-time setup; one that could not
    /// be set up never begins).
    pub fn announce(&self, emit: &mut dyn FnMut(Event)) {
        if let (Some(method), Ok(_)) = (self.index, &self.driver) {
            emit(Event::MethodStarted {
                run: self.batch.run,
                method,
            });
        }
    }

    /// Runs one warm-up child, not counted whatever becomes of it.
    pub fn warm_up(&mut self, emit: &mut dyn FnMut(Event)) {
        let Ok(driver) = &mut self.driver else { return };
        let _ = driver.run_child();
        self.batch.warmup_done += 1;
        self.batch.flush_if_due(emit);
    }

    /// Runs one counted child, numbered `seq` among the run's; `false` if the run was
    /// cancelled meanwhile (the child then counts for nothing).
    pub fn run_counted(&mut self, seq: u64, shared: &Shared<'_>, emit: &mut dyn FnMut(Event)) -> bool {
        let child = self.counted;
        let Ok(driver) = &mut self.driver else {
            return true;
        };
        // Floors never fake a fault: their median is what the others are read against.
        driver.fault = shared
            .fault
            .filter(|_| self.index.is_some())
            .and_then(|fault| fault.for_child(child));
        let outcome = driver.run_child();
        match outcome {
            Ok(sample) => {
                let sample = Sample { seq, ..sample };
                self.result.samples.push(sample.clone());
                self.batch.samples.push(sample);
            }
            // A child that dies because the run was cancelled is no failure of the method.
            Err(_) if shared.cancelled() => return false,
            Err(reason) => {
                let failure = Failure { child, reason };
                self.result.failures.push(failure.clone());
                self.batch.failures.push(failure);
            }
        }
        self.counted += 1;
        self.batch.done += 1;
        self.batch.flush_if_due(emit);
        true
    }

    /// Whether this contender has every counted child the plan asks for (or none can run).
    pub fn is_done(&self) -> bool {
        self.driver.is_err() || self.counted >= self.plan.repeats
    }

    /// Whether `--repeats auto`'s precision is reached: at least the least children, and the
    /// median's interval within the target. A method that cannot run is as precise as it gets.
    pub fn is_precise(&self, target: f64, least: u32) -> bool {
        if self.driver.is_err() {
            return true;
        }
        let mut sorted = self.result.totals();
        sorted.sort_unstable();
        self.counted >= least && stats::precision_reached(&sorted, target)
    }

    /// The result, with what it lacks said: a method that could not run has every counted
    /// child failed with the reason; `repeats` is how many ran under `--repeats auto`.
    pub fn finish(mut self, shared: &Shared<'_>, emit: &mut dyn FnMut(Event)) -> MethodResult {
        self.batch.flush(emit);
        let cancelled = shared.cancelled();
        if let Err(error) = &self.driver {
            // Nothing could run: every counted child is a failure, with the reason.
            let children = if self.plan.auto_repeats {
                Precision::MIN_CHILDREN
            } else {
                self.plan.repeats
            };
            self.result.repeats = children;
            self.result.failures.extend((0..children).map(|child| Failure {
                child,
                reason: Reason::Setup(error.clone()),
            }));
        } else if self.plan.auto_repeats {
            self.result.repeats = self.counted;
        }
        self.result.partial = cancelled;
        self.result
    }
}

/// Samples and progress gathered since the last event, sent a few times a second; a floor's
/// (no method index) are sent to no one.
struct Batch {
    run: RunId,
    method: Option<usize>,
    samples: Vec<Sample>,
    failures: Vec<Failure>,
    warmup_done: u32,
    done: u32,
    last_flush: Instant,
}

impl Batch {
    fn new(run: RunId, method: Option<usize>) -> Batch {
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
        let Some(method) = self.method else {
            self.samples.clear();
            self.failures.clear();
            return;
        };
        if !self.samples.is_empty() || !self.failures.is_empty() {
            emit(Event::Samples {
                run: self.run,
                method,
                samples: std::mem::take(&mut self.samples),
                failures: std::mem::take(&mut self.failures),
            });
        }
        emit(Event::Progress {
            run: self.run,
            method,
            warmup_done: self.warmup_done,
            done: self.done,
        });
        self.last_flush = Instant::now();
    }
}
