//! A sweep: the same plan at a range of sizes, each `factor` times the last, run size after size
//! through the runner so a live view sees every size's events as they happen.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;

use super::event::{Event, RunId};
use super::plan::{Plan, Size};
use super::result::MethodResult;
use super::runner::{self, RunHandle};

/// Each size is this many times the last unless `--factor` says otherwise.
pub const DEFAULT_FACTOR: f64 = 4.0;

/// More sizes than this is a typing mistake (a factor of 1.01, say), not an experiment.
pub const MAX_SIZES: usize = 64;

/// A factor that makes sizes grow: finite and greater than 1.
pub fn check_factor(factor: f64) -> Result<f64, String> {
    if factor.is_finite() && factor > 1.0 {
        Ok(factor)
    } else {
        Err(format!(
            "the factor must be a number greater than 1 (each size is the factor times the last), e.g. 2 or 4; got {factor}"
        ))
    }
}

/// The sizes of a sweep: `from`, then each `factor` times the last (rounded to the nearest
/// byte), up to and including `to` if a step lands on it; never past it. Sizes that round to
/// the same byte count are kept once.
pub fn sizes(from: u64, to: u64, factor: f64) -> Result<Vec<u64>, String> {
    let factor = check_factor(factor)?;
    if from == 0 {
        return Err(
            "--from must be at least 1 byte: each size is the factor times the last, so 0 never grows".into(),
        );
    }
    if from > to {
        return Err(format!(
            "--from ({}) is larger than --to ({}); a sweep goes from the smaller size up to the larger",
            Size(from),
            Size(to)
        ));
    }
    // A hair of slack, so that 4 KiB × 4⁵ lands on 4 MiB despite floating point.
    let slack = 1.0 + 1e-9;
    let steps = ((to as f64 / from as f64).ln() / factor.ln() * slack).floor() as usize;
    if steps + 1 > MAX_SIZES {
        return Err(format!(
            "a sweep from {} to {} by {factor} would run {} sizes; at most {MAX_SIZES} are allowed, choose a larger --factor",
            Size(from),
            Size(to),
            steps + 1
        ));
    }
    let mut sizes = vec![from];
    for step in 1..=steps {
        let exact = from as f64 * factor.powi(step as i32);
        let size = (exact.round() as u64).min(to);
        if sizes.last().is_some_and(|&last| size > last) {
            sizes.push(size);
        }
    }
    Ok(sizes)
}

/// One plan at several sizes; the plan's own `size` is ignored.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    pub plan: Plan,
    /// Ascending payload sizes in bytes.
    pub sizes: Vec<u64>,
}

impl Sweep {
    /// The sizes are rounded down to whole elements of the payload (8 bytes an integer, 64 a
    /// record), so two steps never measure the same payload twice.
    pub fn new(plan: Plan, from: u64, to: u64, factor: f64) -> Result<Sweep, String> {
        let sizes = sizes(from, to, factor)?;
        let unit = plan.payload.element_bytes();
        if from < unit {
            return Err(format!(
                "--from {} holds no whole element of the payload ({}: {unit} bytes each); start at {} or more",
                Size(from),
                plan.payload.name(),
                Size(unit)
            ));
        }
        let mut sizes: Vec<u64> = sizes.into_iter().map(|size| size / unit * unit).collect();
        sizes.dedup();
        Ok(Sweep { sizes, plan })
    }

    /// A sweep of one size: a plain run.
    pub fn single(plan: Plan) -> Sweep {
        Sweep {
            sizes: vec![plan.size],
            plan,
        }
    }

    /// The plan at each size, in order.
    pub fn plans(&self) -> impl Iterator<Item = Plan> + '_ {
        self.sizes.iter().map(|&size| Plan {
            size,
            ..self.plan.clone()
        })
    }
}

/// What a sweep tells whoever watches it: each size's run as the runner tells it, introduced
/// by a `Step`. Each size's run has its own `Started` … `Finished`; the sweep's end is `Finished`
/// here.
#[derive(Clone, Debug)]
pub enum SweepEvent {
    /// Size number `step` (from 0) of the sweep begins; its runner events follow.
    Step { run: RunId, step: usize, size: u64 },
    /// One of the runner's events for the current size.
    Run(Event),
    /// Every size ran, or the sweep stopped early: on request (`cancelled`), or because a
    /// size could not run at all (its run sent `Failed`).
    Finished { run: RunId, cancelled: bool },
}

impl From<Event> for SweepEvent {
    fn from(event: Event) -> Self {
        SweepEvent::Run(event)
    }
}

/// Runs every size of `sweep` in order, on the calling thread; the results of every size, in
/// the order run (all methods at the first size, then at the next, …).
pub fn run_sweep(
    sweep: &Sweep,
    run: RunId,
    cancel: &Arc<AtomicBool>,
    emit: &mut dyn FnMut(SweepEvent),
) -> Vec<MethodResult> {
    let mut results = Vec::new();
    for (step, plan) in sweep.plans().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        emit(SweepEvent::Step {
            run,
            step,
            size: plan.size,
        });
        let mut failed = false;
        results.extend(runner::run_plan(&plan, run, cancel, &mut |event| {
            failed |= matches!(event, Event::Failed { .. });
            emit(SweepEvent::Run(event));
        }));
        // Sizes only grow: what could not be set up here will not be at the next size either.
        if failed {
            break;
        }
    }
    emit(SweepEvent::Finished {
        run,
        cancelled: cancel.load(Ordering::Relaxed),
    });
    results
}

/// Starts `sweep` on the runner thread, like `runner::spawn` does a plan.
pub fn spawn<T: From<SweepEvent> + Send + 'static>(
    sweep: Sweep,
    run: RunId,
    sender: Sender<T>,
    cancel: Arc<AtomicBool>,
) -> std::io::Result<RunHandle> {
    runner::spawn_work(sender, cancel, move |cancel, emit| {
        run_sweep(&sweep, run, cancel, emit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::method;

    const KIB: u64 = 1024;

    #[test]
    fn sweep_sizes_are_whole_elements_and_never_repeat() {
        let records = Plan {
            payload: crate::bench::plan::PayloadKind::Records,
            ..Plan::default()
        };
        let sweep = Sweep::new(records.clone(), 64, 1000, 1.5).unwrap();
        assert_eq!(sweep.sizes, [64, 128, 192, 320, 448, 704]);
        assert!(Sweep::new(records, 1, 128, 2.0)
            .unwrap_err()
            .contains("64 B or more"));
        let ints = Sweep::new(Plan::default(), 8, 100, 1.1).unwrap();
        assert!(ints.sizes.iter().all(|size| size % 8 == 0), "{:?}", ints.sizes);
        assert!(
            ints.sizes.windows(2).all(|pair| pair[0] < pair[1]),
            "{:?}",
            ints.sizes
        );
    }

    #[test]
    fn sizes_grow_by_the_factor_and_include_to_when_a_step_lands_on_it() {
        assert_eq!(
            sizes(4 * KIB, 1024 * KIB, 4.0),
            Ok(vec![4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, 1024 * KIB])
        );
        assert_eq!(sizes(1000, 8000, 2.0), Ok(vec![1000, 2000, 4000, 8000]));
        // `to` between two steps: the sweep stops at the last step below it.
        assert_eq!(sizes(1000, 7999, 2.0), Ok(vec![1000, 2000, 4000]));
        // Many steps of an integer factor stay exact.
        let long = sizes(1, 1 << 40, 2.0).unwrap();
        assert_eq!(long.len(), 41);
        assert_eq!(long.last(), Some(&(1 << 40)));
    }

    #[test]
    fn fractional_factors_round_to_the_nearest_byte_and_never_repeat_a_size() {
        assert_eq!(sizes(1000, 4000, 1.5), Ok(vec![1000, 1500, 2250, 3375]));
        // 10 × 1.1ⁿ: 10, 11, 12.1, 13.31, 14.64 → rounded, each size once.
        assert_eq!(sizes(10, 15, 1.1), Ok(vec![10, 11, 12, 13, 15]));
        // 1 × 1.3ⁿ rounds to 1 twice before it grows: kept once.
        assert_eq!(sizes(1, 3, 1.3), Ok(vec![1, 2, 3]));
    }

    #[test]
    fn from_equal_to_is_one_size() {
        assert_eq!(sizes(4096, 4096, 4.0), Ok(vec![4096]));
        assert_eq!(sizes(1, 1, 1.5), Ok(vec![1]));
    }

    #[test]
    fn impossible_ranges_say_what_is_wrong() {
        assert!(sizes(2048, 1024, 2.0).unwrap_err().contains("larger than --to"));
        assert!(sizes(0, 1024, 2.0).unwrap_err().contains("at least 1 byte"));
        for factor in [1.0, 0.5, -2.0, f64::NAN, f64::INFINITY] {
            assert!(
                sizes(1, 1024, factor).unwrap_err().contains("greater than 1"),
                "{factor}"
            );
        }
        let error = sizes(1, 1 << 30, 1.01).unwrap_err();
        assert!(
            error.contains("at most 64") && error.contains("larger --factor"),
            "{error}"
        );
    }

    /// A real sweep of tiny payloads: every size is introduced by a Step, runs as a whole run of
    /// its own, and yields one verified result per method at exactly that size.
    #[test]
    fn a_sweep_runs_every_method_at_every_size_and_streams_its_steps() {
        let plan = Plan {
            methods: method::parse_list("inherit,pipe").unwrap(),
            repeats: 2,
            warmup: 0,
            ..Plan::default()
        };
        let sweep = Sweep::new(plan, 8 * KIB, 32 * KIB, 2.0).unwrap();
        let cancel = Arc::new(AtomicBool::new(false));
        let mut events = Vec::new();
        let results = run_sweep(&sweep, 7, &cancel, &mut |event| events.push(event));

        let done: Vec<(String, u64, usize)> = results
            .iter()
            .map(|r| (r.method.clone(), r.payload_bytes, r.samples.len()))
            .collect();
        let expected: Vec<(String, u64, usize)> = [8, 16, 32]
            .iter()
            .flat_map(|kib| ["inherit", "pipe"].map(|m| (m.to_string(), kib * KIB, 2)))
            .collect();
        assert_eq!(done, expected);
        assert!(results.iter().all(|r| r.failures.is_empty()), "{results:?}");

        let steps: Vec<(usize, u64)> = events
            .iter()
            .filter_map(|event| match event {
                SweepEvent::Step { step, size, run } if *run == 7 => Some((*step, *size)),
                _ => None,
            })
            .collect();
        assert_eq!(steps, [(0, 8 * KIB), (1, 16 * KIB), (2, 32 * KIB)]);
        // Each step's run announces its own plan at that size.
        let started: Vec<u64> = events
            .iter()
            .filter_map(|event| match event {
                SweepEvent::Run(Event::Started { plan, .. }) => Some(plan.size),
                _ => None,
            })
            .collect();
        assert_eq!(started, [8 * KIB, 16 * KIB, 32 * KIB]);
        assert!(matches!(
            events.last(),
            Some(SweepEvent::Finished {
                run: 7,
                cancelled: false
            })
        ));
    }
}
