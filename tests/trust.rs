//! Numbers you can trust, the measuring side: where each child ran, placement that pins for
//! real, interleaved rounds, timeouts kept to the deadline, precise CPU time, precision-driven
//! repeats and the machine's load over the run.

mod common;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use common::{plan, serial};
use ipcscope::bench::env::Environment;
use ipcscope::bench::method;
use ipcscope::bench::placement::Placement;
use ipcscope::bench::plan::{Plan, Schedule};
use ipcscope::bench::result::MethodResult;
use ipcscope::bench::runner::run_plan;
use ipcscope::bench::topology::allowed_cpus;

fn run(plan: &Plan) -> Vec<MethodResult> {
    let results = run_plan(plan, 1, &Arc::new(AtomicBool::new(false)), &mut |_| {});
    for result in &results {
        assert!(
            result.failures.is_empty(),
            "{}: {:?}",
            result.method,
            result.failures
        );
    }
    results
}

fn methods(ids: &[&str]) -> Vec<method::MethodRef> {
    ids.iter()
        .map(|id| method::find(id).expect("a known method"))
        .collect()
}

#[test]
fn every_child_records_the_cpus_it_ran_on() {
    let _serial = serial();
    let allowed = allowed_cpus().unwrap();
    let plan = Plan {
        methods: methods(&["pipe", "inherit"]),
        repeats: 6,
        placement: Placement::Any,
        ..plan("pipe", 64 * 1024)
    };
    for result in run(&plan) {
        assert_eq!(result.samples.len(), 6);
        for sample in &result.samples {
            for cpu in [sample.cpu_parent, sample.cpu_start, sample.cpu_end] {
                let cpu = cpu.expect("sched_getcpu answers here") as usize;
                assert!(
                    allowed.contains(&cpu),
                    "{}: CPU {cpu} of {allowed:?}",
                    result.method
                );
            }
        }
        let share = result
            .child_on_parent_cpu()
            .expect("every child's CPUs are known");
        assert!((0.0..=1.0).contains(&share), "{share}");
    }
}

#[test]
fn a_pinned_child_runs_on_the_cpu_asked_for() {
    let _serial = serial();
    let allowed = allowed_cpus().unwrap();
    let last = *allowed.last().unwrap();
    for (parent, child) in [(allowed[0], last), (last, allowed[0])] {
        let plan = Plan {
            methods: methods(&["pipe", "fork"]),
            repeats: 4,
            placement: Placement::Pinned { parent, child },
            ..plan("pipe", 64 * 1024)
        };
        for result in run(&plan) {
            assert_eq!(result.conditions["placement"], plan.placement.to_string());
            for sample in &result.samples {
                assert_eq!(
                    sample.cpu_start,
                    Some(child as u32),
                    "{}: {sample:?}",
                    result.method
                );
                assert_eq!(
                    sample.cpu_parent,
                    Some(parent as u32),
                    "{}: {sample:?}",
                    result.method
                );
            }
            let together = if parent == child { 1.0 } else { 0.0 };
            assert_eq!(result.child_on_parent_cpu(), Some(together), "{}", result.method);
        }
    }
    let same = Plan {
        placement: Placement::Same,
        repeats: 3,
        ..plan("socket", 4096)
    };
    assert_eq!(run(&same)[0].child_on_parent_cpu(), Some(1.0));
}

#[test]
fn a_placement_the_system_forbids_is_refused_before_running() {
    let plan = Plan {
        placement: Placement::Pinned {
            parent: 0,
            child: 4000,
        },
        ..plan("pipe", 4096)
    };
    let error = plan.check(&Environment::read()).unwrap_err();
    let allowed = ipcscope::bench::topology::format_cpu_list(&allowed_cpus().unwrap());
    assert!(error.contains("CPU 4000") && error.contains(&allowed), "{error}");
}

/// Each result's samples' places in the run, in the order they ran.
fn seqs(results: &[MethodResult]) -> Vec<Vec<u64>> {
    results
        .iter()
        .map(|result| result.samples.iter().map(|sample| sample.seq).collect())
        .collect()
}

#[test]
fn rounds_interleave_the_methods_and_blocks_keep_them_together() {
    let _serial = serial();
    let interleaved = Plan {
        methods: methods(&["pipe", "inherit"]),
        repeats: 4,
        warmup: 1,
        schedule: Schedule::Interleaved,
        ..plan("pipe", 16 * 1024)
    };
    let seqs_of_rounds = seqs(&run(&interleaved));
    // A round is one child of every contender (pipe, inherit and the fork floor): every
    // method's r-th child runs before any method's (r+1)-th.
    for seqs in &seqs_of_rounds {
        assert_eq!(seqs.len(), 4, "{seqs_of_rounds:?}");
    }
    for round in 0..3 {
        let this = seqs_of_rounds.iter().map(|seqs| seqs[round]).max().unwrap();
        let next = seqs_of_rounds.iter().map(|seqs| seqs[round + 1]).min().unwrap();
        assert!(this < next, "round {round}: {seqs_of_rounds:?}");
    }
    // The order rotates: pipe goes first in round 0, not in round 1.
    assert!(seqs_of_rounds[0][0] < seqs_of_rounds[1][0], "{seqs_of_rounds:?}");
    assert!(seqs_of_rounds[0][1] > seqs_of_rounds[1][1], "{seqs_of_rounds:?}");
    let blocks = Plan {
        schedule: Schedule::Blocks,
        ..interleaved
    };
    // In blocks each method's children follow one another, the second method's after all of
    // the first's (and the floor's before both).
    let seqs_of_blocks = seqs(&run(&blocks));
    let first = seqs_of_blocks[0][0];
    assert!(first >= 1, "the floor's children came first: {seqs_of_blocks:?}");
    assert_eq!(
        seqs_of_blocks,
        [
            (first..first + 4).collect::<Vec<_>>(),
            (first + 4..first + 8).collect::<Vec<_>>()
        ]
    );
}

#[test]
fn a_five_millisecond_timeout_is_enforced() {
    let _serial = serial();
    let mut command = common::command(&[
        "run",
        "-m",
        "pipe,inherit",
        "-s",
        "4MB",
        "-n",
        "3",
        "-w",
        "0",
        "--timeout",
        "5ms",
        "-f",
        "json",
    ]);
    // Child 1 of each method hangs before it receives: only the deadline ends it.
    command.env(ipcscope::bench::fault::VARIABLE, "child:1:hang");
    let ran = common::run(command);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr);
    let report: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    for result in report["results"].as_array().unwrap() {
        let reasons: Vec<&str> = result["failure_reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|failure| failure["reason"].as_str().unwrap())
            .collect();
        assert!(
            reasons.contains(&"timed out after 5ms and was killed"),
            "{}: {reasons:?}",
            result["method"]
        );
    }
}

#[test]
fn every_forked_child_has_its_precise_cpu_time() {
    let _serial = serial();
    let plan = Plan {
        methods: methods(&["pipe", "memcpy"]),
        repeats: 4,
        ..plan("pipe", 1 << 20)
    };
    let results = run(&plan);
    for sample in &results[0].samples {
        let cpu_ns = sample.cpu_ns.expect("schedstat read before reaping");
        // The scheduler's count and wait4's user + system (cut to microseconds) are one count.
        let rusage = sample.usage.user_ns + sample.usage.system_ns;
        assert!(
            cpu_ns > 0 && cpu_ns.abs_diff(rusage) <= 1_000_000,
            "{cpu_ns} against {rusage}"
        );
    }
    assert!(results[0].cpu_ns_median().is_some());
    assert_eq!(results[1].cpu_ns_median(), None, "memcpy has no child to read");
}

#[test]
fn auto_repeats_run_until_the_precision_or_the_time_is_reached() {
    let _serial = serial();
    use ipcscope::bench::plan::Precision;
    use std::time::Duration;
    // A loose precision: reached after the least children, or soon after.
    let loose = Plan {
        methods: methods(&["pipe", "inherit"]),
        repeats: 10_000,
        warmup: 0,
        auto_repeats: true,
        precision: Precision {
            target: 0.5,
            max_time: Duration::from_secs(600),
        },
        ..plan("pipe", 4096)
    };
    for result in run(&loose) {
        assert!(
            result.repeats >= Precision::MIN_CHILDREN && result.repeats < 10_000,
            "{}",
            result.repeats
        );
        assert_eq!(result.samples.len() as u32, result.repeats);
        assert!(result.precision_reached().unwrap() <= 0.5);
        assert_eq!(result.precision_target, Some(0.5));
    }
    // A precision no run reaches, and no time: the least children each, then the run stops.
    let impossible = Plan {
        precision: Precision {
            target: 0.0001,
            max_time: Duration::from_millis(1),
        },
        ..loose
    };
    for result in run(&impossible) {
        assert_eq!(result.repeats, Precision::MIN_CHILDREN, "{}", result.method);
    }
}

#[test]
fn the_json_says_where_children_ran_in_what_order_and_how_busy_the_machine_was() {
    let _serial = serial();
    let ran = common::ipcscope(&[
        "run",
        "-m",
        "pipe,inherit",
        "-s",
        "16KB",
        "-n",
        "4",
        "-w",
        "1",
        "-f",
        "json",
    ]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr);
    let report: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(report["schedule"], "interleaved");
    assert_eq!(report["repeats_auto"], false);
    assert!(
        report["environment"]["load"]["load1"].is_number(),
        "{}",
        report["environment"]
    );
    assert!(report["environment"]["steal_ns"].is_u64());
    let results = report["results"].as_array().unwrap();
    let seqs: Vec<Vec<u64>> = results
        .iter()
        .map(|result| {
            assert_eq!(result["placement"], Placement::DEFAULT.to_string());
            let share = result["child_on_parent_cpu"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&share));
            assert!(result["cpu_ns"].as_u64().unwrap() > 0);
            assert_eq!(result["round_group"], 0);
            let seq = result["samples_seq"].as_array().unwrap();
            assert_eq!(seq.len(), result["samples_ns"].as_array().unwrap().len());
            seq.iter().map(|seq| seq.as_u64().unwrap()).collect()
        })
        .collect();
    // Rounds: every method's r-th child before any method's (r+1)-th.
    for round in 0..3 {
        assert!(
            seqs[0][round].max(seqs[1][round]) < seqs[0][round + 1].min(seqs[1][round + 1]),
            "{seqs:?}"
        );
    }
}

#[test]
fn a_placement_on_a_cpu_that_is_not_there_exits_2_naming_it_and_the_allowed_ones() {
    let ran = common::ipcscope(&["run", "-m", "pipe", "-n", "1", "--placement", "0,4000"]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr);
    let allowed = ipcscope::bench::topology::format_cpu_list(&allowed_cpus().unwrap());
    assert!(
        ran.stderr.contains("CPU 4000") && ran.stderr.contains(&allowed),
        "{}",
        ran.stderr
    );
    let ran = common::ipcscope(&["run", "-m", "pipe", "--placement", "near"]);
    assert_eq!(ran.code(), Some(2));
    assert!(ran.stderr.contains("P,C"), "{}", ran.stderr);
}

#[test]
fn the_placement_command_prints_a_column_per_class() {
    let _serial = serial();
    let ran = common::ipcscope(&[
        "placement",
        "-m",
        "pipe,inherit",
        "-s",
        "16KB",
        "-n",
        "4",
        "-w",
        "0",
    ]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr);
    let header = ran.stdout.lines().next().unwrap_or_default();
    assert!(header.contains("same CPU"), "{}", ran.stdout);
    if allowed_cpus().unwrap().len() > 1 {
        // Any second class: on this VM the two CPUs share a cache or at least are other cores.
        assert!(header.matches('(').count() >= 2, "{}", ran.stdout);
    }
    for method in ["pipe", "inherit"] {
        let line = ran
            .stdout
            .lines()
            .find(|line| line.starts_with(method))
            .expect(method);
        assert!(line.contains('×') || allowed_cpus().unwrap().len() == 1, "{line}");
    }
    let ran = common::ipcscope(&["placement", "-m", "pipe", "-s", "4KB", "-n", "3", "-f", "json"]);
    let json: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(json["columns"][0]["class"], "same CPU");
    assert_eq!(json["rows"][0]["method"], "pipe");
}

#[test]
fn repeats_auto_says_how_many_ran_and_how_precise_they_became() {
    let _serial = serial();
    let ran = common::ipcscope(&[
        "run",
        "-m",
        "inherit",
        "-s",
        "4KB",
        "-n",
        "auto",
        "--precision",
        "50%",
        "--max-time",
        "20s",
        "-f",
        "json",
    ]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr);
    let json: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(json["repeats_auto"], true);
    let result = &json["results"][0];
    assert_eq!(result["precision_target"], 0.5);
    assert!(result["precision_reached"].as_f64().unwrap() <= 0.5);
    let repeats = result["repeats"].as_u64().unwrap();
    assert!(repeats >= 10 && repeats == result["samples_ns"].as_array().unwrap().len() as u64);
    for bad in [["--precision", "0%"], ["--max-time", "soon"], ["-n", "sometimes"]] {
        let ran = common::ipcscope(&["run", "-m", "inherit", "-n", "auto", bad[0], bad[1]]);
        assert_eq!(ran.code(), Some(2), "{bad:?}: {}", ran.stderr);
    }
}
