//! The two schedules a run follows. `interleaved`: rounds of one child per method, the fork
//! floor one of them, the order rotated each round, so that a drift of the machine reaches
//! every method alike. `blocks`: every child of one method, then the next, the floor first.

use std::time::Instant;

use super::contender::{Contender, Shared};
use super::event::Event;
use super::method::{self, Role};
use super::plan::{Access, Plan, Precision};
use super::result::MethodResult;

/// In blocks, the children run to measure the fork floor before the methods, after a few not
/// counted (the first forks of a run find colder caches): enough for a stable median.
const FLOOR_CHILDREN: u32 = 30;
const FLOOR_WARMUP: u32 = 10;
/// In blocks (`--schedule blocks`), every child a run forks for its fork floor before the
/// first method's. Interleaved rounds fork none before: the floor is one of the contenders.
pub const FLOOR_FORKS: u32 = FLOOR_CHILDREN + FLOOR_WARMUP;

/// When `--repeats auto` stops: every method precise, or the time up.
struct Stop {
    precision: Option<Precision>,
    deadline: Option<Instant>,
}

impl Stop {
    fn of(plan: &Plan) -> Stop {
        let precision = plan.auto_repeats.then_some(plan.precision);
        Stop {
            precision,
            deadline: precision.and_then(|precision| Instant::now().checked_add(precision.max_time)),
        }
    }

    fn reached(&self, contenders: &[Contender<'_>]) -> bool {
        let Some(precision) = self.precision else {
            return false;
        };
        let least = Precision::MIN_CHILDREN;
        let time_up = self.deadline.is_some_and(|deadline| Instant::now() >= deadline);
        let enough = contenders.iter().all(|contender| contender.counted >= least);
        (time_up && enough)
            || contenders
                .iter()
                .filter(|contender| contender.index.is_some())
                .all(|contender| contender.is_precise(precision.target, least))
    }
}

/// The fork floor's plan: the floor method at the run's payload, read only.
fn floor_plan(plan: &Plan, repeats: u32, warmup: u32) -> Option<Plan> {
    Some(Plan {
        methods: vec![method::with_role(Role::ForkFloor)?],
        repeats,
        warmup,
        access: Access::Read,
        ..plan.clone()
    })
}

/// The median per child of a finished floor.
fn floor_median(floor: Contender<'_>, shared: &Shared<'_>) -> Option<u64> {
    floor
        .finish(shared, &mut |_| {})
        .summary()
        .map(|summary| summary.median)
}

fn done(
    result: &mut MethodResult,
    floor: Option<u64>,
    shared: &Shared<'_>,
    index: usize,
    emit: &mut dyn FnMut(Event),
) {
    result.fork_floor_ns = floor;
    emit(Event::MethodDone {
        run: shared.run,
        method: index,
        result: Box::new(result.clone()),
    });
}

/// Every method's children together, one method after another, the floor first.
pub fn blocks(plan: &Plan, shared: &Shared<'_>, emit: &mut dyn FnMut(Event)) -> Vec<MethodResult> {
    let mut seq = 0;
    let floor = floor_plan(plan, FLOOR_CHILDREN, FLOOR_WARMUP).and_then(|floor_plan| {
        let mut once = Vec::new();
        let mut floor = Contender::set_up(None, floor_plan.methods[0], &floor_plan, shared, &mut once);
        let fixed = Stop {
            precision: None,
            deadline: None,
        };
        run_block(&mut floor, FLOOR_WARMUP, &fixed, &mut seq, shared, emit);
        floor_median(floor, shared)
    });
    let mut results = Vec::with_capacity(plan.methods.len());
    for (index, &method) in plan.methods.iter().enumerate() {
        if method.python().is_some() {
            // The Python harness runs these after the rounds (`runner::python_block`).
            continue;
        }
        if shared.cancelled() {
            break;
        }
        let mut once = Vec::new();
        let mut contender = Contender::set_up(Some(index), method, plan, shared, &mut once);
        contender.announce(emit);
        run_block(
            &mut contender,
            plan.warmup,
            &Stop::of(plan),
            &mut seq,
            shared,
            emit,
        );
        let mut result = contender.finish(shared, emit);
        done(&mut result, floor, shared, index, emit);
        results.push(result);
    }
    results
}

fn run_block(
    contender: &mut Contender<'_>,
    warmup: u32,
    stop: &Stop,
    seq: &mut u64,
    shared: &Shared<'_>,
    emit: &mut dyn FnMut(Event),
) {
    for _ in 0..warmup {
        if shared.cancelled() {
            return;
        }
        contender.warm_up(emit);
    }
    while !contender.is_done() && !shared.cancelled() && !stop.reached(std::slice::from_ref(contender)) {
        if !contender.run_counted(*seq, shared, emit) {
            return;
        }
        *seq += 1;
    }
}

/// Rounds of one child per method and one of the floor, the order rotated each round; warm-up
/// rounds first. Methods are set up side by side as far as memory allows (`Plan::side_by_side`):
/// each group of them runs its rounds, with a floor of its own, before the next is set up.
pub fn interleaved(plan: &Plan, shared: &Shared<'_>, emit: &mut dyn FnMut(Event)) -> Vec<MethodResult> {
    let floor_plan = floor_plan(plan, plan.repeats, plan.warmup);
    let stop = Stop::of(plan);
    let mut seq = 0;
    let mut results = Vec::with_capacity(plan.methods.len());
    let groups = plan.side_by_side(shared.environment);
    for (group_number, group) in groups.iter().enumerate() {
        if shared.cancelled() {
            break;
        }
        let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); group.len() + 1];
        let (floor_buffer, method_buffers) = buffers.split_at_mut(1);
        let mut contenders: Vec<Contender<'_>> = group
            .iter()
            .zip(method_buffers.iter_mut())
            .map(|(&index, once)| Contender::set_up(Some(index), plan.methods[index], plan, shared, once))
            .collect();
        if let Some(floor_plan) = &floor_plan {
            let once = &mut floor_buffer[0];
            contenders.push(Contender::set_up(
                None,
                floor_plan.methods[0],
                floor_plan,
                shared,
                once,
            ));
        }
        for contender in &contenders {
            contender.announce(emit);
        }
        run_rounds(&mut contenders, plan.warmup, &stop, &mut seq, shared, emit);
        let floor = contenders
            .iter()
            .position(|contender| contender.index.is_none())
            .map(|at| contenders.remove(at))
            .and_then(|floor| floor_median(floor, shared));
        for contender in contenders {
            let index = contender.index.unwrap_or_default();
            let mut result = contender.finish(shared, emit);
            result.round_group = Some(group_number as u32);
            done(&mut result, floor, shared, index, emit);
            results.push(result);
        }
    }
    results
}

fn run_rounds(
    contenders: &mut [Contender<'_>],
    warmup: u32,
    stop: &Stop,
    seq: &mut u64,
    shared: &Shared<'_>,
    emit: &mut dyn FnMut(Event),
) {
    let count = contenders.len();
    for round in 0..warmup as usize {
        for turn in 0..count {
            if shared.cancelled() {
                return;
            }
            contenders[(round + turn) % count].warm_up(emit);
        }
    }
    let mut round = 0;
    while !contenders.iter().all(Contender::is_done) && !stop.reached(contenders) {
        for turn in 0..count {
            let contender = &mut contenders[(round + turn) % count];
            if contender.is_done() {
                continue;
            }
            if shared.cancelled() || !contender.run_counted(*seq, shared, emit) {
                return;
            }
            *seq += 1;
        }
        round += 1;
    }
}
