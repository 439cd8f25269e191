//! The modes with living children, with real processes: every link method round trips and
//! hands payloads over at several sizes, each message verified on both sides; a worker that
//! dies, hangs or corrupts mid-stream is replaced; descriptors stay flat; pools verify.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ipcscope::bench::env::Environment;
use ipcscope::bench::kind::{Mode, Wake};
use ipcscope::bench::method::{self, MethodRef};
use ipcscope::bench::plan::{Access, Codec, PayloadKind, Plan};
use ipcscope::bench::result::{MethodResult, Phase, Reason};
use ipcscope::bench::runner::run_plan;

const LINKED: [&str; 4] = ["pipe", "socket", "queue", "shm"];

fn methods(ids: &[&str]) -> Vec<MethodRef> {
    ids.iter().map(|id| method::find(id).expect(id)).collect()
}

/// One run at a time: the fault test switches faults on through the environment, which every
/// run of this process reads, and the descriptor test counts this process's descriptors.
static ONE_RUN: Mutex<()> = Mutex::new(());

fn run(plan: &Plan) -> Vec<MethodResult> {
    let _one = ONE_RUN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    run_unlocked(plan)
}

fn run_unlocked(plan: &Plan) -> Vec<MethodResult> {
    plan.check(&Environment::read()).expect("a plan that runs");
    let cancel = Arc::new(AtomicBool::new(false));
    let results = run_plan(plan, 1, &cancel, &mut |_| {});
    assert_eq!(results.len(), plan.methods.len(), "{plan:?}");
    results
}

fn roundtrip(ids: &[&str], message: u64, repeats: u32, wake: Wake) -> Plan {
    Plan {
        methods: methods(ids),
        mode: Mode::Roundtrip,
        message,
        // The payload is not what travels in a round trip: keep it small.
        size: 8,
        repeats,
        warmup: 2,
        wake,
        ..Plan::default()
    }
}

fn assert_verified(result: &MethodResult, items: u64, what: &str) {
    assert!(result.failures.is_empty(), "{what}: {:?}", result.failures);
    let live = result.live.as_ref().expect("a live record");
    assert_eq!(live.samples_total, items, "{what}");
    assert_eq!(
        result.samples.len() as u64,
        items.min(live.samples_kept),
        "{what}"
    );
    assert!(result.samples.iter().all(|sample| sample.total_ns > 0), "{what}");
}

#[test]
fn every_link_round_trips_every_size_and_reports_its_latency() {
    for wake in [Wake::Futex, Wake::Spin] {
        for message in [1, 64, 4097, 1 << 20] {
            let plan = roundtrip(&LINKED, message, 20, wake);
            for result in run(&plan) {
                let what = format!("{} {message} B {wake:?}", result.method);
                assert_verified(&result, 20, &what);
                let live = result.live.as_ref().unwrap();
                assert_eq!(live.mode, Mode::Roundtrip);
                let latency = live.latency.expect("latency");
                assert!(
                    latency.p50 <= latency.p90
                        && latency.p90 <= latency.p99
                        && latency.p99 <= latency.p999
                        && latency.p999 <= latency.max,
                    "{what}: {latency:?}"
                );
                assert!(latency.messages_per_sec > 0.0, "{what}");
                assert_eq!(result.phases, vec![Phase::Transfer], "{what}");
                assert_eq!(live.worker_spawn_ns.len(), 1, "{what}: one child made once");
            }
        }
    }
}

#[test]
fn a_worker_is_handed_every_payload_and_acknowledges_each() {
    for (size, codec, kind) in [
        (1, Codec::Raw, PayloadKind::Bytes),
        (4097, Codec::Bincode, PayloadKind::Ints),
        (100_003, Codec::BincodeFixed, PayloadKind::Records),
        (1_000_003, Codec::Bincode, PayloadKind::Bytes),
    ] {
        let plan = Plan {
            methods: methods(&LINKED),
            mode: Mode::Worker,
            payload: kind,
            codec,
            size,
            repeats: 5,
            warmup: 1,
            ..Plan::default()
        };
        for result in run(&plan) {
            let what = format!("{} {size} B {codec:?} {kind:?}", result.method);
            assert_verified(&result, 5, &what);
            let live = result.live.as_ref().unwrap();
            assert_eq!(live.worker_spawn_ns.len(), 1, "{what}: made once");
            assert!(
                result.phases.contains(&Phase::Ack) && !result.phases.contains(&Phase::Spawn),
                "{what}"
            );
            for sample in &result.samples {
                let sum: u64 = sample.phases.iter().flatten().sum();
                assert_eq!(sum, sample.total_ns, "{what}: the phases add up");
            }
        }
    }
}

#[test]
fn a_worker_that_writes_gets_bytes_of_its_own() {
    let plan = Plan {
        methods: methods(&["pipe", "socket", "queue"]),
        mode: Mode::Worker,
        access: Access::Write,
        size: 10_007,
        repeats: 3,
        ..Plan::default()
    };
    for result in run(&plan) {
        assert_verified(&result, 3, &result.method);
        assert!(result.phases.contains(&Phase::Access), "{}", result.method);
    }
}

#[test]
fn refused_combinations_name_the_reason() {
    let env = Environment::read();
    for id in ["inherit", "argument", "fork"] {
        for mode in [Mode::Worker, Mode::Roundtrip] {
            let plan = Plan {
                methods: methods(&[id]),
                mode,
                ..Plan::default()
            };
            let error = plan.check(&env).unwrap_err();
            assert!(
                error.contains("inheriting happens once, when the child is made"),
                "{id}: {error}"
            );
        }
    }
    let too_many = Plan {
        methods: methods(&["pipe"]),
        mode: Mode::Roundtrip,
        parallel: 10_000,
        ..Plan::default()
    };
    assert!(too_many.check(&env).unwrap_err().contains("parallel must be"));
    let too_big = Plan {
        message: 1 << 30,
        ..too_many.clone()
    };
    assert!(too_big.check(&env).is_err());
}

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |entries| entries.count())
}

#[test]
fn descriptors_stay_flat_across_a_hundred_thousand_round_trips() {
    let _one = ONE_RUN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let before = open_descriptors();
    let result = run_unlocked(&roundtrip(&["pipe"], 64, 100_000, Wake::Futex)).remove(0);
    assert_verified(&result, 100_000, "pipe");
    run_unlocked(&roundtrip(&LINKED, 64, 1000, Wake::Spin));
    assert_eq!(open_descriptors(), before, "descriptors left behind");
}

fn fault(spec: &str, plan: &Plan) -> Vec<MethodResult> {
    // The fault switch is read from the environment, once per run.
    let _one = ONE_RUN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    std::env::set_var(ipcscope::bench::fault::VARIABLE, spec);
    let results = run_unlocked(plan);
    std::env::remove_var(ipcscope::bench::fault::VARIABLE);
    results
}

#[test]
fn a_worker_that_dies_hangs_or_corrupts_mid_stream_is_replaced() {
    let worker = Plan {
        methods: methods(&LINKED),
        mode: Mode::Worker,
        size: 70_001,
        payload: PayloadKind::Bytes,
        repeats: 6,
        warmup: 1,
        timeout: Some(Duration::from_millis(500)),
        ..Plan::default()
    };
    let echo = Plan {
        timeout: Some(Duration::from_millis(500)),
        ..roundtrip(&LINKED, 64, 6, Wake::Futex)
    };
    for plan in [worker, echo] {
        for (spec, kind) in [
            ("child:2:kill", "signal"),
            ("child:2:hang", "timeout"),
            ("child:2:corrupt", "child_error"),
            ("child:2:panic", "panicked"),
        ] {
            for result in fault(spec, &plan) {
                let what = format!("{:?} {} {spec}", plan.mode, result.method);
                assert_eq!(result.failures.len(), 1, "{what}: {:?}", result.failures);
                let failure = &result.failures[0];
                assert_eq!(failure.child, 2, "{what}");
                let expected = if plan.mode == Mode::Roundtrip && kind == "child_error" {
                    // The round-trip child flips a bit of its echo: the parent finds it.
                    "echo_mismatch"
                } else {
                    kind
                };
                assert_eq!(failure.reason.kind(), expected, "{what}: {}", failure.reason);
                assert_eq!(result.samples.len(), 5, "{what}: the run went on");
                let live = result.live.as_ref().unwrap();
                assert_eq!(live.worker_spawn_ns.len(), 2, "{what}: a new worker");
                assert_ne!(failure.reason, Reason::Cancelled, "{what}");
            }
        }
    }
}

#[test]
fn a_pool_of_four_verifies_every_payload() {
    for mode in [Mode::Worker, Mode::Roundtrip] {
        for parallel in [1, 2, 4] {
            let plan = Plan {
                methods: methods(&LINKED),
                mode,
                parallel,
                size: 100_003,
                message: 4097,
                repeats: 8,
                warmup: 1,
                ..Plan::default()
            };
            for result in run(&plan) {
                let what = format!("{mode:?} {} ×{parallel}", result.method);
                assert_verified(&result, 8 * u64::from(parallel), &what);
                let live = result.live.as_ref().unwrap();
                assert_eq!(live.lanes.len(), parallel as usize, "{what}");
                assert!(live.lanes.iter().all(|lane| lane.verified == 8), "{what}");
                assert!(live.aggregate_bytes_per_sec > 0, "{what}");
            }
        }
    }
}

#[test]
fn cancelling_ends_every_worker_of_the_pool() {
    let _one = ONE_RUN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let plan = Plan {
        parallel: 2,
        ..roundtrip(&["pipe"], 64, 1_000_000, Wake::Futex)
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let runner = {
        let cancel = Arc::clone(&cancel);
        std::thread::spawn(move || run_plan(&plan, 1, &cancel, &mut |_| {}))
    };
    std::thread::sleep(Duration::from_millis(300));
    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
    let results = runner.join().expect("the runner");
    assert!(
        results.iter().all(|result| result.partial),
        "cancelled results are partial"
    );
    assert!(
        results.iter().all(|result| result.failures.is_empty()),
        "{:?}",
        results[0].failures
    );
    // Every child was reaped: none is left to wait for.
    assert_eq!(
        nix::sys::wait::waitpid(None, Some(nix::sys::wait::WaitPidFlag::WNOHANG)),
        Err(nix::errno::Errno::ECHILD)
    );
}

#[test]
fn the_command_line_refuses_what_a_living_child_cannot_be_handed() {
    // Its pipes to the child would count among the descriptors another test counts.
    let _one = ONE_RUN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for (args, reason) in [
        (
            &["run", "--mode", "worker", "-m", "inherit"][..],
            "inheriting happens once, when the child is made: a worker that already exists must be sent its data",
        ),
        (&["run", "--mode", "roundtrip", "-m", "cma"][..], "pipe, socket, queue or shm"),
        (&["run", "--parallel", "2", "-m", "pipe"][..], "--mode fresh"),
        (&["run", "--mode", "roundtrip", "--message", "0"][..], "from 1 B"),
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_ipcscope"))
            .args(args)
            .output()
            .expect("ipcscope runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    }
}

#[test]
fn a_roundtrip_run_writes_its_latency_as_json() {
    let _one = ONE_RUN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ipcscope"))
        .args([
            "run",
            "--mode",
            "roundtrip",
            "-m",
            "pipe,shm",
            "-n",
            "2000",
            "--format",
            "json",
        ])
        .output()
        .expect("ipcscope runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    for result in json["results"].as_array().expect("results") {
        assert_eq!(result["mode"], "roundtrip");
        assert_eq!(result["parallel"], "1");
        assert_eq!(result["samples_total"], 2000);
        assert_eq!(result["samples_kept"], 2000);
        assert_eq!(result["samples_ns"].as_array().map(Vec::len), Some(2000));
        let latency = &result["latency_ns"];
        for key in ["p50", "p90", "p99", "p999", "max"] {
            assert!(latency[key].as_u64().is_some_and(|ns| ns > 0), "{key}: {latency}");
        }
        assert!(result["messages_per_sec"].as_f64().is_some_and(|rate| rate > 0.0));
    }
}
