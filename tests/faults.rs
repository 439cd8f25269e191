//! Children that misbehave for real (killed mid-transfer, hanging, panicking, exiting early,
//! corrupting their data), a parent interrupted by Ctrl-C, SIGTERM or SIGHUP, and machine
//! limits: the run goes on, counts each failure with its reason, and leaves nothing behind.

mod common;

use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use common::{assert_no_named_leftovers, children_of, command, own_children, plan, run, serial, Ran, BOUND};
use ipcscope::bench::event::Event;
use ipcscope::bench::fault::{FaultKind, VARIABLE};
use ipcscope::bench::runner;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::Value;

/// Orphans of the binaries these tests start are re-parented to this process, so that
/// "nothing left behind" can be checked after the binary is gone.
fn become_subreaper() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: a plain prctl on this process.
        let done = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) };
        assert_eq!(
            done,
            0,
            "PR_SET_CHILD_SUBREAPER: {}",
            std::io::Error::last_os_error()
        );
    });
}

/// Runs the binary with `fault` injected; checks that it left no process and no named object.
fn run_with_fault(fault: &str, args: &[&str]) -> Ran {
    become_subreaper();
    let mut command = command(args);
    command.env(VARIABLE, fault);
    let ran = run(command);
    assert_nothing_left_behind(&ran);
    ran
}

fn assert_nothing_left_behind(ran: &Ran) {
    let stray = own_children();
    assert!(
        stray.is_empty(),
        "processes left behind: {stray:?}\n{}",
        ran.stderr
    );
    assert_no_named_leftovers(ran.pid);
}

fn json(ran: &Ran) -> Value {
    serde_json::from_str(&ran.stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}\nstderr: {}", ran.stdout, ran.stderr))
}

/// One method's result: its id, how many children verified, and (child, reason) per failure.
#[derive(Debug)]
struct Outcome {
    method: String,
    verified: usize,
    failures: Vec<(u64, String)>,
}

fn outcomes(report: &Value) -> Vec<Outcome> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| {
            let reasons = result["failure_reasons"]
                .as_array()
                .expect("failure_reasons")
                .iter()
                .map(|failure| {
                    (
                        failure["child"].as_u64().expect("child"),
                        failure["reason"].as_str().expect("reason").to_string(),
                    )
                })
                .collect();
            Outcome {
                method: result["method"].as_str().expect("method").to_string(),
                verified: result["samples_ns"].as_array().expect("samples").len(),
                failures: reasons,
            }
        })
        .collect()
}

/// Child 1 of every method fakes `fault`; the other two verify; the failure says `reason`.
fn one_faulty_child_per_method(fault: &str, extra: &[&str], reason: &str) -> Ran {
    let mut args = vec![
        "run",
        "-m",
        "pipe,queue,inherit,argument",
        "-n",
        "3",
        "-w",
        "1",
        "-f",
        "json",
    ];
    args.extend_from_slice(extra);
    let ran = run_with_fault(&format!("child:1:{fault}"), &args);
    assert_eq!(
        ran.code(),
        Some(1),
        "a failed child means exit status 1\n{}",
        ran.stderr
    );
    let outcomes = outcomes(&json(&ran));
    assert_eq!(outcomes.len(), 4, "{outcomes:?}");
    for Outcome {
        method,
        verified,
        failures,
    } in outcomes
    {
        assert_eq!(verified, 2, "{method}: the run goes on past the faulty child");
        assert_eq!(failures.len(), 1, "{method}: {failures:?}");
        assert_eq!(failures[0].0, 1, "{method}: the failure is child 1's");
        assert!(
            failures[0].1.contains(reason),
            "{method}: '{}' lacks '{reason}'",
            failures[0].1
        );
    }
    ran
}

#[test]
fn a_child_killed_mid_transfer_is_counted_and_the_parent_never_blocks() {
    let _serial = serial();
    // 4 MB is more than a pipe (1 MiB at most) or a queue holds: the parent is still writing
    // when the child dies (before it has read everything), and must get EPIPE (or see the
    // death) instead of blocking.
    one_faulty_child_per_method("kill", &["-s", "4MB", "-p", "bytes"], "killed by SIGKILL");
}

#[test]
fn a_child_that_exits_early_is_counted_with_its_status() {
    let _serial = serial();
    one_faulty_child_per_method("exit:7", &["-s", "4MB"], "exited with status 7");
}

#[test]
fn a_hanging_child_is_killed_at_the_timeout_and_counted() {
    let _serial = serial();
    // 4 MB: the parent is blocked sending to the hung child until the watchdog kills it.
    one_faulty_child_per_method("hang", &["-s", "4MB", "--timeout", "1s"], "timed out after 1s");
}

#[test]
fn a_panicking_child_is_silent_and_counted_as_panicked() {
    let _serial = serial();
    let ran = one_faulty_child_per_method("panic", &["-s", "64KB"], "panicked");
    for noise in ["injected fault", "panicked at", "RUST_BACKTRACE"] {
        assert!(
            !ran.stderr.contains(noise),
            "the child's panic reached stderr: {}",
            ran.stderr
        );
        assert!(!ran.stdout.contains(noise), "the child's panic reached stdout");
    }
}

#[test]
fn a_corrupted_byte_fails_the_checksum() {
    let _serial = serial();
    one_faulty_child_per_method("corrupt", &["-s", "64KB", "-p", "bytes"], "checksum mismatch");
}

#[test]
fn a_malformed_fault_switch_stops_the_run_loudly() {
    let _serial = serial();
    let ran = run_with_fault("child:1:explode", &["run", "-m", "pipe", "-s", "4KB", "-n", "2"]);
    assert_ne!(ran.code(), Some(0));
    assert!(ran.stderr.contains(VARIABLE), "{}", ran.stderr);
}

/// In-process, without the binary's panic guard: a child's panic must still end the child
/// and never unwind into this test's code, which the child holds a copy of.
#[test]
fn faults_in_process_end_in_failures_with_their_reasons() {
    let _serial = serial();
    let faults = [
        (FaultKind::Panic, "panicked"),
        (FaultKind::Kill, "killed by SIGKILL"),
        (FaultKind::Exit(9), "exited with status 9"),
        (FaultKind::Corrupt, "checksum mismatch"),
    ];
    for id in ["inherit", "argument", "pipe", "queue"] {
        let mut plan = plan(id, 256 * 1024);
        plan.payload = ipcscope::bench::plan::PayloadKind::Bytes;
        // Every other child is faulty; the healthy ones between must still verify.
        let outcomes = common::drive(&plan, 8, |child| {
            (child % 2 == 1).then(|| faults[(child / 2) as usize].0)
        });
        for (child, outcome) in outcomes.iter().enumerate() {
            match (child % 2, outcome) {
                (0, Ok(sample)) => assert!(sample.total_ns > 0),
                (1, Err(reason)) => {
                    let expected = faults[child / 2].1;
                    assert!(
                        reason.contains(expected),
                        "{id} child {child}: '{reason}' lacks '{expected}'"
                    );
                }
                (_, outcome) => panic!("{id} child {child}: {outcome:?}"),
            }
        }
        assert!(own_children().is_empty(), "{id}: {:?}", own_children());
    }
}

/// Starts the binary, waits until it has forked a few children, sends `signal`, and checks
/// that it ends, prints what it measured marked partial, exits non-zero, and leaves no process.
fn interrupt(signal: Signal, format: &str) -> Ran {
    become_subreaper();
    let stdout = tempfile::tempfile().expect("temp file");
    let stderr = tempfile::tempfile().expect("temp file");
    // In blocks: the fork floor's children first, then pipe's, so that the second method has
    // not started when the signal comes.
    let mut command = command(&[
        "run",
        "-m",
        "pipe,inherit",
        "-s",
        "1MB",
        "-n",
        "1000000",
        "-w",
        "0",
        "--schedule",
        "blocks",
        "-f",
        format,
    ]);
    command
        .stdout(stdout.try_clone().expect("dup"))
        .stderr(stderr.try_clone().expect("dup"));
    let mut child = command.spawn().expect("starting ipcscope");
    let pid = child.id();
    // Three different children seen after the fork floor's (blocks fork FLOOR_FORKS before
    // the first method's): at least two have been counted.
    let wanted = ipcscope::bench::runner::FLOOR_FORKS as usize + 3;
    let mut seen = std::collections::BTreeSet::new();
    let start = Instant::now();
    while seen.len() < wanted {
        seen.extend(children_of(pid).into_iter().map(|process| process.pid));
        if start.elapsed() > BOUND || child.try_wait().expect("try_wait").is_some() {
            let _ = child.kill();
            panic!("ipcscope forked only {} children", seen.len());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    kill(Pid::from_raw(pid as i32), signal).expect("sending the signal");
    let ran = common::finish(child, stdout, stderr);
    assert_eq!(ran.code(), Some(130), "{signal}: {}", ran.stderr);
    assert_nothing_left_behind(&ran);
    ran
}

#[test]
fn ctrl_c_prints_what_was_measured_marked_partial() {
    let _serial = serial();
    let ran = interrupt(Signal::SIGINT, "table");
    assert!(ran.stdout.contains("pipe"), "{}", ran.stdout);
    assert!(ran.stdout.contains("Partial"), "{}", ran.stdout);
    assert!(ran.stdout.contains("Time per child (median)"), "{}", ran.stdout);
}

#[test]
fn sigterm_prints_what_was_measured_marked_partial() {
    let _serial = serial();
    let report = json(&interrupt(Signal::SIGTERM, "json"));
    assert_eq!(report["partial"], Value::Bool(true));
    let results = report["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "the second method never started");
    assert_eq!(results[0]["partial"], Value::Bool(true));
    assert_eq!(
        results[0]["failures"], 0,
        "the child killed by the cancel is no failure"
    );
    assert!(results[0]["samples_ns"].as_array().expect("samples").len() >= 2);
}

/// A run on its own thread, fed to a channel, with a cancel flag the test holds.
fn spawn_endless_run(cancel: &Arc<AtomicBool>) -> (runner::RunHandle, mpsc::Receiver<Event>) {
    let mut plan = plan("pipe", 64 * 1024);
    plan.repeats = 1_000_000;
    let (sender, events) = mpsc::channel();
    let handle = runner::spawn(plan, 7, sender, Arc::clone(cancel)).expect("spawning the runner");
    (handle, events)
}

/// Waits for the first counted children to finish.
fn wait_for_progress(events: &mpsc::Receiver<Event>) {
    let start = Instant::now();
    loop {
        match events.recv_timeout(BOUND.saturating_sub(start.elapsed())) {
            Ok(Event::Progress { done, .. }) if done > 0 => return,
            Ok(Event::Failed { error, .. }) => panic!("the run failed: {error}"),
            Ok(_) => {}
            Err(error) => panic!("no progress: {error}"),
        }
    }
}

/// The events left until the run ends, failing the test if it does not.
fn rest_of_run(events: &mpsc::Receiver<Event>) -> Vec<Event> {
    let mut rest = Vec::new();
    loop {
        match events.recv_timeout(BOUND) {
            Ok(event) => rest.push(event),
            Err(mpsc::RecvTimeoutError::Disconnected) => return rest,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("the run did not end"),
        }
    }
}

#[test]
fn sighup_cancels_a_run_and_every_child_is_reaped() {
    let _serial = serial();
    let cancel = Arc::new(AtomicBool::new(false));
    // What the explorer does when the SSH connection drops.
    let registration = signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&cancel))
        .expect("registering SIGHUP");
    let (handle, events) = spawn_endless_run(&cancel);
    wait_for_progress(&events);
    nix::sys::signal::raise(Signal::SIGHUP).expect("raising SIGHUP");
    let rest = rest_of_run(&events);
    let results = handle.join();
    signal_hook::low_level::unregister(registration);
    assert!(
        rest.iter()
            .any(|event| matches!(event, Event::Finished { cancelled: true, .. })),
        "{rest:?}"
    );
    assert_eq!(results.len(), 1);
    assert!(
        results[0].partial && results[0].failures.is_empty(),
        "{:?}",
        results[0].failures
    );
    assert!(!results[0].samples.is_empty());
    assert!(own_children().is_empty(), "{:?}", own_children());
}

#[test]
fn dropping_a_run_handle_kills_and_reaps_every_child() {
    let _serial = serial();
    let cancel = Arc::new(AtomicBool::new(false));
    let (handle, events) = spawn_endless_run(&cancel);
    wait_for_progress(&events);
    drop(handle);
    // The drop waited for the runner: no child is left, not even a zombie.
    assert!(own_children().is_empty(), "{:?}", own_children());
    let rest: Vec<Event> = events.try_iter().collect();
    assert!(
        rest.iter()
            .any(|event| matches!(event, Event::Finished { cancelled: true, .. })),
        "{rest:?}"
    );
}

/// Spawns the binary with RLIMIT_MSGQUEUE lowered to `budget` bytes.
fn with_queue_budget(budget: u64, args: &[&str]) -> Ran {
    use std::os::unix::process::CommandExt;
    let mut command = command(args);
    // SAFETY: setrlimit is a plain syscall, safe between fork and exec.
    unsafe {
        command.pre_exec(move || {
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_MSGQUEUE, budget, budget)
                .map_err(std::io::Error::from)
        });
    }
    run(command)
}

#[test]
fn a_small_queue_budget_still_works_or_fails_clearly() {
    let _serial = serial();
    let ran = with_queue_budget(
        20_000,
        &[
            "run", "-m", "queue", "-s", "256KB", "-n", "5", "-w", "0", "-f", "json",
        ],
    );
    let report = json(&ran);
    assert_eq!(
        report["environment"]["mq_bytes_limit"], 20_000,
        "the limit is read and shown"
    );
    let Outcome {
        verified, failures, ..
    } = outcomes(&report).remove(0);
    match ran.code() {
        Some(0) => assert_eq!((verified, failures.len()), (5, 0)),
        // Queues of other processes of this user count against the same budget.
        Some(1) => assert!(
            failures
                .iter()
                .all(|(_, reason)| reason.contains("RLIMIT_MSGQUEUE")),
            "{failures:?}"
        ),
        other => panic!("exit {other:?}: {}", ran.stderr),
    }
    assert_no_named_leftovers(ran.pid);
}

#[test]
fn a_queue_budget_too_small_for_one_message_is_refused_up_front() {
    let _serial = serial();
    let ran = with_queue_budget(100, &["run", "-m", "queue", "-s", "4KB", "-n", "2"]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("RLIMIT_MSGQUEUE") && ran.stderr.contains("ulimit -q"),
        "{}",
        ran.stderr
    );
}

/// A report frame of another process waiting in the report pipe (as an earlier child that was
/// killed after reporting would leave) is drained, never taken for the current child's.
#[test]
fn a_stray_report_is_never_taken_for_the_current_childs() {
    let _serial = serial();
    let stray = |driver: &ipcscope::bench::driver::Driver| {
        let mut frame = [0xA5u8; 128];
        frame[..4].copy_from_slice(&1i32.to_le_bytes());
        // SAFETY: a write from a local buffer to the driver's report pipe, which it owns.
        let written = unsafe { libc::write(driver.report_fd(), frame.as_ptr().cast(), frame.len()) };
        assert_eq!(written, 128);
    };
    for id in ["inherit", "pipe"] {
        let outcomes = common::drive_prepared(&plan(id, 4096), 2, |_| None, stray);
        assert!(outcomes.iter().all(Result::is_ok), "{id}: {outcomes:?}");
    }
}

/// With the process limit reached, fork fails with EAGAIN: every child is counted as failed
/// with the reason, and the run still ends and prints its results. Root ignores
/// RLIMIT_NPROC, so the binary runs as `nobody` (which needs root to arrange).
#[test]
fn fork_failing_with_eagain_is_counted_and_the_run_ends() {
    let _serial = serial();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("note: skipped: running as another user needs root");
        return;
    }
    use std::os::unix::process::CommandExt;
    let mut command = command(&[
        "run",
        "-m",
        "pipe,inherit",
        "-s",
        "4KB",
        "-n",
        "3",
        "-w",
        "1",
        "-f",
        "json",
    ]);
    command.uid(65534).gid(65534);
    // SAFETY: a plain syscall between fork and exec (std has switched to `nobody` by then).
    // Three tasks are allowed: the main thread, the runner and its watchdog; the first fork
    // would be the fourth.
    unsafe {
        command.pre_exec(|| {
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NPROC, 3, 3)
                .map_err(std::io::Error::from)
        });
    }
    let ran = run(command);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr);
    for outcome in outcomes(&json(&ran)) {
        assert_eq!(
            (outcome.verified, outcome.failures.len()),
            (0, 3),
            "{}",
            outcome.method
        );
        for (_, reason) in &outcome.failures {
            assert!(reason.contains("fork failed: the limit on processes"), "{reason}");
        }
    }
}
