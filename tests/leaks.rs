//! Thousands of children, healthy and faulty, leave nothing behind: no descriptor, no zombie,
//! no named object; and forking while other threads allocate, lock and format never hangs.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, Once};
use std::time::Instant;

use common::{assert_no_named_leftovers, drive, fd_count, own_children, plan, serial, BOUND};
use ipcscope::bench::event::Event;
use ipcscope::bench::fault::FaultKind;
use ipcscope::bench::method;
use ipcscope::bench::plan::Plan;
use ipcscope::bench::result::MethodResult;
use ipcscope::bench::runner;

fn tiny_plan(methods: &str, repeats: u32) -> Plan {
    Plan {
        methods: method::parse_list(methods).expect("known methods"),
        size: 4096,
        repeats,
        warmup: 0,
        ..Plan::default()
    }
}

fn run_in_process(plan: &Plan) -> Vec<MethodResult> {
    let cancel = Arc::new(AtomicBool::new(false));
    runner::run_plan(plan, 0, &cancel, &mut |event| {
        if let Event::Failed { error, .. } = event {
            panic!("the run failed: {error}");
        }
    })
}

fn assert_every_child_verified(results: &[MethodResult], plan: &Plan) {
    assert_eq!(results.len(), plan.methods.len());
    for result in results {
        assert!(
            result.failures.is_empty(),
            "{}: {:?}",
            result.method,
            &result.failures[..1]
        );
        assert_eq!(result.samples.len(), plan.repeats as usize, "{}", result.method);
        assert!(!result.partial, "{}", result.method);
    }
}

#[test]
fn the_fd_count_stays_flat_over_thousands_of_children() {
    let _serial = serial();
    // Whatever the library opens once per process is opened here, before counting.
    run_in_process(&tiny_plan("inherit,pipe,queue", 3));
    let before = fd_count();
    let plan = tiny_plan("inherit,pipe,queue", 700);
    let results = run_in_process(&plan);
    let after = fd_count();
    assert_every_child_verified(&results, &plan);
    assert_eq!(before, after, "descriptors leaked over 2100 children");
    assert!(own_children().is_empty(), "{:?}", own_children());
    assert_no_named_leftovers(std::process::id());
}

#[test]
fn faulty_children_leave_no_descriptor_zombie_or_queue() {
    let _serial = serial();
    // As the binary does: a panicking child ends at once, without a backtrace being formatted.
    static GUARD: Once = Once::new();
    GUARD.call_once(ipcscope::bench::driver::install_panic_guard);
    let faults = [
        Some(FaultKind::Kill),
        Some(FaultKind::Panic),
        Some(FaultKind::Exit(3)),
        Some(FaultKind::Corrupt),
        None,
    ];
    for id in ["pipe", "queue"] {
        let plan = plan(id, 4096);
        drive(&plan, 3, |_| None);
        let before = fd_count();
        let outcomes = drive(&plan, 300, |child| faults[child as usize % faults.len()]);
        let after = fd_count();
        let failed = outcomes.iter().filter(|outcome| outcome.is_err()).count();
        assert_eq!(failed, 240, "{id}: four children in five fail");
        assert_eq!(before, after, "{id}: descriptors leaked over faulty children");
        assert!(own_children().is_empty(), "{id}: {:?}", own_children());
    }
    assert_no_named_leftovers(std::process::id());
}

/// Two threads allocate, lock a mutex and format strings without pause while the runner forks
/// thousands of children: a child that inherited a lock held elsewhere would hang.
#[test]
fn forking_while_other_threads_allocate_lock_and_format_never_hangs() {
    let _serial = serial();
    let stop = Arc::new(AtomicBool::new(false));
    let shared = Arc::new(Mutex::new(Vec::<String>::new()));
    let busy: Vec<_> = (0..2)
        .map(|thread| {
            let (stop, shared) = (Arc::clone(&stop), Arc::clone(&shared));
            std::thread::spawn(move || {
                let mut rounds = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let text = format!("thread {thread} round {rounds}: {:?}", vec![rounds; 64]);
                    let mut held = shared.lock().expect("the mutex");
                    held.push(text);
                    if held.len() > 256 {
                        held.clear();
                    }
                    rounds += 1;
                }
                rounds
            })
        })
        .collect();

    let plan = tiny_plan("inherit,pipe", 1500);
    let (done, results) = mpsc::channel();
    let worker = {
        let plan = plan.clone();
        std::thread::spawn(move || {
            let (sender, events) = mpsc::channel::<Event>();
            let cancel = Arc::new(AtomicBool::new(false));
            let handle = runner::spawn(plan, 1, sender, cancel).expect("spawning the runner");
            // Fold the events as a face would, formatting and allocating as it goes.
            let progress: Vec<String> = events
                .iter()
                .map(|event| format!("{event:?}").chars().take(40).collect())
                .collect();
            let _ = done.send((handle.join(), progress.len()));
        })
    };
    let start = Instant::now();
    let outcome = results.recv_timeout(BOUND);
    stop.store(true, Ordering::Relaxed);
    let rounds: u64 = busy
        .into_iter()
        .map(|thread| thread.join().expect("a busy thread"))
        .sum();
    let (results, events) =
        outcome.unwrap_or_else(|_| panic!("3000 children did not finish within {BOUND:?}"));
    worker.join().expect("the worker");
    assert_every_child_verified(&results, &plan);
    assert!(
        events > 2 && rounds > 0,
        "{events} events, {rounds} rounds in {:?}",
        start.elapsed()
    );
    assert!(own_children().is_empty(), "{:?}", own_children());
}
