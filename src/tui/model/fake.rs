//! Deterministic runs made of fake events, and key presses, for the model's and the view's
//! tests.

use std::time::{Duration, Instant};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Effect};
use super::form::Row;
use super::view::Notice;
use crate::bench::env::Environment;
use crate::bench::event::{Event, RunId};
use crate::bench::method::{self, MethodRef};
use crate::bench::plan::Plan;
use crate::bench::result::{MethodResult, Phase, PhaseTimes, Sample, Usage};
use crate::bench::sweep::{Sweep, SweepEvent};
use crate::tui::event::Message;

pub fn method(id: &str) -> MethodRef {
    method::find(id).expect("a method the core has")
}

/// pipe then inherit, 64 KiB of ints, 5 counted children after 1 warm-up.
pub fn plan() -> Plan {
    Plan {
        methods: vec![method("pipe"), method("inherit")],
        size: 64 << 10,
        repeats: 5,
        warmup: 1,
        ..Plan::default()
    }
}

/// A child of `total_ns`, its time shared over the method's phases in fixed proportions.
pub fn sample(method: MethodRef, plan: &Plan, total_ns: u64) -> Sample {
    let phases = method.phases(&plan.shape());
    let weights: Vec<u64> = phases.iter().map(|phase| phase.index() as u64 + 1).collect();
    let sum: u64 = weights.iter().sum();
    let mut times: PhaseTimes = [None; Phase::ALL.len()];
    for (phase, weight) in phases.iter().zip(&weights) {
        times[phase.index()] = Some(total_ns * weight / sum);
    }
    Sample {
        total_ns,
        phases: times,
        // Made-up accounting that grows with the child's time, for the kernel view.
        usage: Usage {
            minor_faults: 100 + total_ns / 1000,
            major_faults: 0,
            voluntary_switches: 2,
            involuntary_switches: total_ns / 1_000_000,
            user_ns: total_ns / 4,
            system_ns: total_ns / 2,
        },
    }
}

pub fn result(method: MethodRef, plan: &Plan, samples: Vec<Sample>) -> MethodResult {
    MethodResult {
        method: method.id().to_string(),
        payload: plan.payload,
        codec: method.uses_codec().then_some(plan.codec),
        access: plan.access,
        payload_bytes: plan.size,
        wire_bytes: None,
        repeats: plan.repeats,
        warmup: plan.warmup,
        phases: method.phases(&plan.shape()),
        samples,
        failures: Vec::new(),
        setup_ns: 0,
        partial: false,
        fork_floor_ns: None,
        live: None,
        conditions: crate::bench::setting::conditions(plan),
        summary: Default::default(),
    }
}

/// `count` children's times around `median`, spread a little.
pub fn totals(median: u64, count: u32) -> Vec<u64> {
    (0..u64::from(count))
        .map(|i| median + (i % 3) * median / 10 - median / 10)
        .collect()
}

pub fn feed(app: &mut App, event: Event) {
    app.update(Message::Run(event));
}

pub fn tick(app: &mut App, at: Instant) {
    app.update(Message::Tick(at));
}

/// Feeds run `run` of `plan`: every method up to `done_methods` completes with
/// `medians[i]`; the next one, if any, is left running with `running_children` done.
pub fn run(
    app: &mut App,
    run: RunId,
    plan: &Plan,
    medians: &[u64],
    done_methods: usize,
    running_children: u32,
) {
    for event in events(run, plan, medians, done_methods, running_children) {
        feed(app, event);
    }
}

/// The events of run `run`, as `run` feeds them.
pub fn events(
    run: RunId,
    plan: &Plan,
    medians: &[u64],
    done_methods: usize,
    running_children: u32,
) -> Vec<Event> {
    let mut events = vec![Event::Started {
        run,
        plan: plan.clone(),
        environment: Environment::default(),
    }];
    for (index, (&method, &median)) in plan.methods.iter().zip(medians).enumerate() {
        if index > done_methods {
            break;
        }
        events.push(Event::MethodStarted { run, method: index });
        let count = if index < done_methods {
            plan.repeats
        } else {
            running_children
        };
        let samples: Vec<Sample> = totals(median, count)
            .into_iter()
            .map(|total| sample(method, plan, total))
            .collect();
        events.push(Event::Samples {
            run,
            method: index,
            samples: samples.clone(),
            failures: Vec::new(),
        });
        events.push(Event::Progress {
            run,
            method: index,
            warmup_done: plan.warmup,
            done: count,
        });
        if index < done_methods {
            events.push(Event::MethodDone {
                run,
                method: index,
                result: result(method, plan, samples),
            });
        }
    }
    if done_methods >= plan.methods.len() {
        events.push(Event::Finished {
            run,
            cancelled: false,
        });
    }
    events
}

/// Made-up medians with a crossing: pipe is cheap to start and copies at 1 GB/s; shm
/// costs more to set up and copies at 4 GB/s; the floors stay below both.
pub fn sweep_median(method: &str, size: u64) -> u64 {
    match method {
        "pipe" => 12_000 + size,
        "shm" => 40_000 + size / 4,
        "fork" => 8_000 + size / 100,
        "memcpy" => 50 + size / 10,
        _ => 100_000,
    }
}

/// Feeds sweep `run`: its first `done_sizes` sizes complete, and the next one, if any,
/// has its first method done and the second running.
pub fn sweep(app: &mut App, run: RunId, sweep: &Sweep, done_sizes: usize) {
    for (step, plan) in sweep.plans().enumerate() {
        if step > done_sizes {
            break;
        }
        let message = |event| Message::Sweep(event);
        app.update(message(SweepEvent::Step {
            run,
            step,
            size: plan.size,
        }));
        let medians: Vec<u64> = plan
            .methods
            .iter()
            .map(|method| sweep_median(method.id(), plan.size))
            .collect();
        let (done, running) = if step < done_sizes {
            (plan.methods.len(), 0)
        } else {
            (1, 2)
        };
        for event in events(run, &plan, &medians, done, running) {
            app.update(message(SweepEvent::Run(event)));
        }
    }
    if done_sizes >= sweep.sizes.len() {
        app.update(Message::Sweep(SweepEvent::Finished {
            run,
            cancelled: false,
        }));
    }
}

/// An app at a fixed instant, with the machine's limits left out.
pub fn app(base: Instant) -> App {
    App::new(plan(), Environment::default(), base)
}

pub fn later(base: Instant, millis: u64) -> Instant {
    base + Duration::from_millis(millis)
}

/// Presses each character of `keys`; gives the effects asked for.
pub fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.chars()
        .filter_map(|c| app.update(Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))))
        .collect()
}

pub fn press_code(app: &mut App, code: KeyCode) -> Option<Effect> {
    app.update(Message::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// An app on the machine's real limits, the cursor on `row`.
/// The settings row of the setting `id`.
pub fn row(id: &str) -> Row {
    Row::setting(id).expect("a setting the explorer shows")
}

pub fn app_at(row: Row) -> App {
    let mut app = App::new(plan(), Environment::read(), Instant::now());
    app.form.cursor = row;
    app
}

/// The refusal on the status line.
pub fn refused(app: &App) -> String {
    match &app.view.notice {
        Some(Notice::Refused(text)) => text.clone(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}
