//! The explorer's sweep: the chosen methods (and the `fork` and `memcpy` floors) over a range
//! of sizes, folded from the sweep's events into one line per method. Each point is a
//! (method, size) median, computed once when the method's result arrives; frames only read.

use std::time::Instant;

use super::run::{Completed, LiveRun, RunState};
use crate::bench::crossing::{self, Crossing, Curve};
use crate::bench::env::Environment;
use crate::bench::event::{Event, RunId};
use crate::bench::method;
use crate::bench::plan::{Plan, Size};
use crate::bench::result::MethodResult;
use crate::bench::sweep::{self, Sweep, SweepEvent};

/// Whether `method` is one of the floors (`method::floors`), drawn apart from the methods.
pub fn is_floor(method: &str) -> bool {
    method::find(method).is_some_and(|method| method.role().is_floor())
}

/// The sizes a sweep in the explorer goes over: from, to, and the factor between steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepRange {
    pub from: u64,
    pub to: u64,
    pub factor: f64,
}

impl Default for SweepRange {
    /// 4 KiB to 4 MiB by 4: six sizes, a few seconds with a handful of children each.
    fn default() -> Self {
        SweepRange {
            from: 4 << 10,
            to: 4 << 20,
            factor: sweep::DEFAULT_FACTOR,
        }
    }
}

impl SweepRange {
    /// `4 KiB → 4 MiB ×4`
    pub fn describe(&self) -> String {
        format!("{} → {} ×{}", Size(self.from), Size(self.to), self.factor)
    }
}

/// The sweep `r` starts in the sweep view: the chosen methods, then each floor that is not
/// chosen and can run with these settings, at every size of `range`. Refused with the first
/// problem found, naming the size.
pub fn plan_sweep(settings: &Plan, range: SweepRange, env: &Environment) -> Result<Sweep, String> {
    let mut sweep = Sweep::new(settings.clone(), range.from, range.to, range.factor)?;
    if settings.methods.is_empty() {
        return Err("choose at least one method (Space on a method)".into());
    }
    let check = |plan: &Plan| {
        sweep.sizes.iter().try_for_each(|&size| {
            Plan { size, ..plan.clone() }
                .check(env)
                .map_err(|problem| format!("at {}: {problem}", Size(size)))
        })
    };
    check(settings)?;
    for floor in method::floors() {
        if settings.methods.contains(&floor) {
            continue;
        }
        let mut with_floor = settings.clone();
        with_floor.methods.push(floor);
        // A floor that cannot run here (memcpy with records) is left out, not a refusal.
        if check(&with_floor).is_ok() {
            sweep.plan.methods.push(floor);
        }
    }
    Ok(sweep)
}

/// A sweep, live while it goes and kept afterwards.
#[derive(Clone, Debug)]
pub struct SweepRun {
    pub id: RunId,
    pub sweep: Sweep,
    pub state: RunState,
    pub started: Instant,
    pub ended: Option<Instant>,
    /// The size being run, by its place in `sweep.sizes`.
    pub step: Option<usize>,
    /// The current size's run, for its progress.
    pub live: Option<LiveRun>,
    /// One line per method of the plan, in its order (the floors last).
    pub curves: Vec<Curve>,
    /// Where the lines of the methods (not the floors) cross, kept up to date as points come.
    pub crossings: Vec<Crossing>,
    /// Every size's results, for export.
    pub results: Vec<MethodResult>,
    pub environment: Environment,
}

impl SweepRun {
    pub fn new(id: RunId, sweep: Sweep, now: Instant) -> SweepRun {
        SweepRun {
            id,
            curves: sweep
                .plan
                .methods
                .iter()
                .map(|method| Curve::new(method.id()))
                .collect(),
            sweep,
            state: RunState::Starting,
            started: now,
            ended: None,
            step: None,
            live: None,
            crossings: Vec::new(),
            results: Vec::new(),
            environment: Environment::default(),
        }
    }

    /// Folds one of the sweep's events; `false` if it belongs to another run.
    pub fn fold(&mut self, event: SweepEvent, now: Instant) -> bool {
        match event {
            SweepEvent::Step { run, step, size } if run == self.id => {
                self.step = Some(step);
                let plan = Plan {
                    size,
                    ..self.sweep.plan.clone()
                };
                self.live = Some(LiveRun::new(run, plan, now));
                if self.state == RunState::Starting {
                    self.state = RunState::Running;
                }
            }
            SweepEvent::Run(event) if event.run() == self.id => {
                if let Event::Failed { error, .. } = &event {
                    self.state = RunState::Failed(error.clone());
                }
                if let Event::Started { environment, .. } = &event {
                    self.environment = environment.clone();
                }
                let done = match &event {
                    Event::MethodDone { method, .. } => Some(*method),
                    _ => None,
                };
                if let Some(live) = self.live.as_mut() {
                    live.fold(event, now);
                }
                // The result and its summary, as the size's run just worked them out.
                let completed =
                    done.and_then(|method| self.live.as_ref()?.methods.get(method)?.completed.clone());
                if let Some(completed) = completed {
                    self.add_point(completed);
                }
            }
            SweepEvent::Finished { run, cancelled } if run == self.id => {
                self.ended = Some(now);
                self.state.finish(cancelled);
            }
            _ => return false,
        }
        true
    }

    fn add_point(&mut self, completed: Completed) {
        let Completed { result, .. } = completed;
        if let Some(curve) = self.curves.iter_mut().find(|curve| curve.method == result.method) {
            curve.add(&result);
        }
        self.results.push(result);
        let methods: Vec<Curve> = self
            .curves
            .iter()
            .filter(|curve| !is_floor(&curve.method))
            .cloned()
            .collect();
        self.crossings = crossing::crossings_of(&methods);
    }

    /// The median of `method` at `size`, where the sweep measured it.
    pub fn point(&self, method: &str, size: u64) -> Option<u64> {
        let curve = self.curves.iter().find(|curve| curve.method == method)?;
        curve
            .points
            .binary_search_by_key(&size, |&(size, _)| size)
            .ok()
            .map(|at| curve.points[at].1)
    }

    /// `size 3/6 · 64 KiB`
    pub fn progress(&self) -> String {
        match self.step {
            Some(step) => format!(
                "size {}/{} · {}",
                step + 1,
                self.sweep.sizes.len(),
                Size(self.sweep.sizes[step])
            ),
            None => format!("{} sizes", self.sweep.sizes.len()),
        }
    }

    /// "above 64 KiB, shm beats pipe", for the status line and the chart's list.
    pub fn crossing_line(crossing: &Crossing) -> String {
        format!(
            "above {}, {} beats {}",
            Size(crossing.below_bytes),
            crossing.faster,
            crossing.slower
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(ids: &str) -> Plan {
        Plan {
            methods: method::parse_list(ids).unwrap(),
            repeats: 3,
            warmup: 0,
            ..Plan::default()
        }
    }

    #[test]
    fn a_sweep_adds_the_floors_that_are_not_chosen_and_can_run() {
        let env = Environment::default();
        let sweep = plan_sweep(&plan("pipe,shm"), SweepRange::default(), &env).unwrap();
        let ids: Vec<&str> = sweep.plan.methods.iter().map(|m| m.id()).collect();
        assert_eq!(ids, ["pipe", "shm", "fork", "memcpy"]);
        assert_eq!(sweep.sizes.len(), 6);

        let sweep = plan_sweep(&plan("memcpy,pipe"), SweepRange::default(), &env).unwrap();
        let ids: Vec<&str> = sweep.plan.methods.iter().map(|m| m.id()).collect();
        assert_eq!(
            ids,
            ["memcpy", "pipe", "fork"],
            "a chosen floor is not added twice"
        );

        let records = Plan {
            payload: crate::bench::plan::PayloadKind::Records,
            ..plan("pipe")
        };
        let sweep = plan_sweep(&records, SweepRange::default(), &env).unwrap();
        let ids: Vec<&str> = sweep.plan.methods.iter().map(|m| m.id()).collect();
        assert_eq!(ids, ["pipe", "fork"], "memcpy cannot copy records");
    }

    #[test]
    fn impossible_sweeps_are_refused_naming_the_problem() {
        let env = Environment::default();
        let backwards = SweepRange {
            from: 1 << 20,
            to: 1 << 10,
            factor: 2.0,
        };
        assert!(plan_sweep(&plan("pipe"), backwards, &env)
            .unwrap_err()
            .contains("larger than --to"));
        let small = Environment {
            memory_available: 1 << 20,
            ..Environment::default()
        };
        let error = plan_sweep(&plan("pipe"), SweepRange::default(), &small).unwrap_err();
        assert!(error.starts_with("at 1 MiB:"), "{error}");
    }
}
