//! The py-* experiments run by the machine's real python3 through the shipped harness.

use std::ffi::OsStr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ipcscope::bench::payload::{Payload, PayloadData};
use ipcscope::bench::plan::PayloadKind;
use ipcscope::bench::python::{
    run, Availability, Interpreter, PyChild, PyError, PyExperiment, PyFault, PyParams, PyRunSummary,
    PyVerify, Unavailable,
};

fn python() -> Interpreter {
    match Availability::check(None) {
        Availability::Ready(interpreter) => interpreter,
        Availability::Unavailable(reason) => panic!("these tests need python3: {reason}"),
    }
}

fn params(experiment: PyExperiment, payload: PayloadKind, verify: PyVerify) -> PyParams {
    PyParams {
        experiment,
        payload,
        size: if payload == PayloadKind::Ints { 8000 } else { 4096 },
        warmup: 1,
        repeats: 3,
        verify,
        child_timeout: Duration::from_secs(60),
        fault: None,
    }
}

/// Runs the harness, collecting its child lines.
fn run_collecting(params: &PyParams, cancel: &AtomicBool) -> (Result<PyRunSummary, PyError>, Vec<PyChild>) {
    let mut lines = Vec::new();
    let result = run(&python(), params, cancel, |child| lines.push(child.clone()));
    (result, lines)
}

fn counted(lines: &[PyChild]) -> Vec<&PyChild> {
    lines.iter().filter(|line| !line.warmup).collect()
}

/// Processes still alive (not zombies) in process group `group`.
fn live_members(group: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // After the command's closing parenthesis: state, ppid, pgrp.
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .map_or("", |(_, rest)| rest)
                .split_whitespace()
                .collect();
            fields.len() > 2 && fields[0] != "Z" && fields[2] == group.to_string()
        })
        .collect()
}

fn segment(harness_pid: i32) -> String {
    format!("/dev/shm/ipcscope-{harness_pid}")
}

fn assert_nothing_left(summary: &PyRunSummary) {
    assert!(
        !Path::new(&segment(summary.harness_pid)).exists(),
        "shared memory left behind"
    );
    assert_eq!(
        live_members(summary.harness_pid),
        Vec::<i32>::new(),
        "processes left in the group"
    );
    assert!(
        !summary.harness_file.exists(),
        "{} left behind",
        summary.harness_file.display()
    );
}

#[test]
fn every_experiment_verifies_every_child_with_both_payloads_and_verifications() {
    for experiment in PyExperiment::ALL {
        for payload in [PayloadKind::Ints, PayloadKind::Bytes] {
            for verify in [PyVerify::Light, PyVerify::Full] {
                let what = format!("{} {} {}", experiment.id(), payload.name(), verify.name());
                let (result, lines) =
                    run_collecting(&params(experiment, payload, verify), &AtomicBool::new(false));
                let summary = result.unwrap_or_else(|error| panic!("{what}: {error}"));
                let hello = summary.hello.as_ref().expect("a hello line");
                assert_eq!(hello.experiment, experiment.id(), "{what}");
                assert_eq!(hello.verify, verify, "{what}");
                assert_eq!(
                    hello.start_method,
                    if experiment == PyExperiment::Spawn {
                        "spawn"
                    } else {
                        "fork"
                    }
                );
                let expected_count = if payload == PayloadKind::Ints { 1000 } else { 4096 };
                assert_eq!(
                    (hello.payload.kind, hello.payload.count),
                    (payload, expected_count),
                    "{what}"
                );
                assert_eq!(lines.len(), 4, "{what}: one warm-up and three counted lines");
                let counted = counted(&lines);
                assert_eq!(
                    counted.iter().map(|line| line.child).collect::<Vec<_>>(),
                    [0, 1, 2],
                    "{what}"
                );
                for line in &lines {
                    assert!(line.ok && line.error.is_none(), "{what}: {line:?}");
                    assert!(
                        line.verify_ns.is_some() && line.transfer_ns.is_some(),
                        "{what}: {line:?}"
                    );
                    let pickles = matches!(
                        experiment,
                        PyExperiment::Queue | PyExperiment::Pipe | PyExperiment::Spawn
                    );
                    assert_eq!(line.pickle_ns.is_some(), pickles, "{what}: {line:?}");
                    let unpickles = matches!(experiment, PyExperiment::Queue | PyExperiment::Pipe);
                    assert_eq!(line.unpickle_ns.is_some(), unpickles, "{what}: {line:?}");
                }
                let done = summary.done.as_ref().expect("a done line");
                assert_eq!((done.repeats, done.failures), (3, 0), "{what}");
                assert_nothing_left(&summary);
            }
        }
    }
}

#[test]
fn the_bytes_payload_is_ipcscopes_own() {
    let (result, _) = run_collecting(
        &params(PyExperiment::Inherit, PayloadKind::Bytes, PyVerify::Light),
        &AtomicBool::new(false),
    );
    let hello = result.expect("a run").hello.expect("a hello line");
    let payload = Payload::build(PayloadKind::Bytes, 4096).expect("a bytes payload");
    let PayloadData::Flat(region) = payload.data.get() else {
        panic!("a flat bytes payload");
    };
    let bytes = region.as_bytes();
    assert_eq!(hello.payload.first, Some(u64::from(bytes[0])));
    assert_eq!(hello.payload.last, Some(u64::from(bytes[4095])));
}

#[test]
fn light_verification_misses_a_changed_middle_element_and_full_verification_catches_it() {
    for experiment in [PyExperiment::Inherit, PyExperiment::Pipe, PyExperiment::Shm] {
        for verify in [PyVerify::Light, PyVerify::Full] {
            let mut params = params(experiment, PayloadKind::Ints, verify);
            params.fault = Some((PyFault::Corrupt, 1));
            let (result, lines) = run_collecting(&params, &AtomicBool::new(false));
            let summary = result.expect("a run");
            let damaged = counted(&lines)[1];
            let what = format!("{} {}", experiment.id(), verify.name());
            if verify == PyVerify::Light {
                assert!(damaged.ok, "{what}: light checks only length, first and last");
            } else {
                assert!(!damaged.ok, "{what}");
                assert!(
                    damaged
                        .error
                        .as_deref()
                        .is_some_and(|error| error.contains("checksum")),
                    "{what}: {damaged:?}"
                );
                assert_eq!(summary.done.map(|done| done.failures), Some(1), "{what}");
            }
        }
    }
}

#[test]
fn a_child_killed_raising_or_hanging_is_a_counted_failure_with_its_reason() {
    let cases = [
        (PyFault::Kill, "killed by SIGKILL"),
        (PyFault::Raise, "raised RuntimeError"),
        (PyFault::Hang, "did not finish within 1 s"),
    ];
    for (fault, reason) in cases {
        let mut params = params(PyExperiment::Pipe, PayloadKind::Ints, PyVerify::Light);
        params.repeats = 4;
        params.fault = Some((fault, 2));
        params.child_timeout = Duration::from_secs(1);
        let (result, lines) = run_collecting(&params, &AtomicBool::new(false));
        let summary = result.unwrap_or_else(|error| panic!("{fault:?}: {error}"));
        let counted = counted(&lines);
        assert_eq!(
            counted.len(),
            4,
            "{fault:?}: the children after the failure still ran"
        );
        for line in &counted {
            if line.child == 2 {
                assert!(!line.ok, "{fault:?}");
                let error = line.error.as_deref().unwrap_or_default();
                assert!(error.contains(reason), "{fault:?}: {error}");
            } else {
                assert!(line.ok, "{fault:?}: {line:?}");
            }
        }
        assert_eq!(summary.done.map(|done| done.failures), Some(1), "{fault:?}");
        assert_nothing_left(&summary);
    }
}

#[test]
fn a_missing_or_broken_python_is_unavailable_with_how_to_get_one() {
    let missing = Availability::check_in(None, Some(OsStr::new("/nonexistent-dir")));
    let Availability::Unavailable(reason @ Unavailable::NotFound { .. }) = missing else {
        panic!("python3 found on a PATH without it: {missing:?}");
    };
    assert_eq!(
        reason.to_string(),
        "no python3 found on PATH; install python3 (Debian: apt-get install python3) or name one with --python PATH"
    );
    let broken = Availability::check(Some(OsStr::new("/bin/false")));
    let Availability::Unavailable(reason @ Unavailable::Broken { .. }) = broken else {
        panic!("/bin/false taken for Python: {broken:?}");
    };
    let message = reason.to_string();
    assert!(
        message.starts_with("/bin/false did not run as Python"),
        "{message}"
    );
    assert!(message.contains("apt-get install python3"), "{message}");
    let absent = Availability::check(Some(OsStr::new("/nonexistent-dir/python3")));
    assert!(
        matches!(absent, Availability::Unavailable(Unavailable::WontStart { .. })),
        "{absent:?}"
    );
}

#[test]
fn records_are_refused() {
    let params = params(PyExperiment::Pipe, PayloadKind::Records, PyVerify::Light);
    let (result, lines) = run_collecting(&params, &AtomicBool::new(false));
    assert!(
        matches!(result, Err(PyError::UnsupportedPayload(PayloadKind::Records))),
        "{result:?}"
    );
    assert!(lines.is_empty());
}

/// A py-shm run of `repeats` children whose first counted child hangs; `interrupt` is called
/// once, at the warm-up child's line, while the segment exists.
fn run_interrupted(
    repeats: u32,
    interrupt: impl Fn(&AtomicBool),
) -> (Result<PyRunSummary, PyError>, Vec<PyChild>) {
    let mut params = params(PyExperiment::Shm, PayloadKind::Ints, PyVerify::Light);
    params.repeats = repeats;
    params.fault = Some((PyFault::Hang, 0));
    let cancel = AtomicBool::new(false);
    let mut lines = Vec::new();
    let mut segments_seen = 0;
    let result = run(&python(), &params, &cancel, |child| {
        segments_seen += std::fs::read_dir("/dev/shm")
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|entry| entry.file_name().to_string_lossy().starts_with("ipcscope-"))
                    .count()
            })
            .unwrap_or(0);
        lines.push(child.clone());
        interrupt(&cancel);
    });
    assert!(segments_seen > 0, "the segment existed while children ran");
    (result, lines)
}

#[test]
fn cancelling_ends_the_harness_and_its_hanging_child_and_leaves_nothing() {
    let (result, lines) = run_interrupted(3, |cancel| cancel.store(true, Ordering::Relaxed));
    let summary = result.expect("a cancelled run is not an error");
    assert!(summary.cancelled);
    assert_eq!(summary.done, None);
    assert_eq!(lines.len(), 1, "only the warm-up child finished");
    assert_nothing_left(&summary);
}

#[test]
fn a_harness_killed_outright_is_an_error_and_leaves_nothing() {
    let pids = std::sync::Mutex::new(Vec::new());
    let (result, lines) = run_interrupted(KILLED_RUN_REPEATS, |_| {
        let harness = own_harness_pid().expect("the harness is a child of this process");
        pids.lock().unwrap().push(harness);
        // SAFETY: kill has no memory effects; the pid is our own unreaped child.
        unsafe { libc::kill(harness, libc::SIGKILL) };
    });
    assert_eq!(lines.len(), 1);
    let Err(PyError::Ended { status, .. }) = result else {
        panic!("a killed harness is an error: {result:?}");
    };
    assert!(status.contains("signal: 9"), "{status}");
    let harness = pids.lock().unwrap()[0];
    assert!(
        !Path::new(&segment(harness)).exists(),
        "shared memory left behind"
    );
    assert_eq!(
        live_members(harness),
        Vec::<i32>::new(),
        "the hanging child was left"
    );
}

/// Tells the harness that test kills from every other test's.
const KILLED_RUN_REPEATS: u32 = 5;

/// The harness the kill test started, told from other tests' by its command line.
fn own_harness_pid() -> Option<i32> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|children| {
            children
                .split_whitespace()
                .filter_map(|pid| pid.parse().ok())
                .collect::<Vec<i32>>()
        })
        .find(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| {
                let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
                cmdline.contains("--experiment py-shm")
                    && cmdline.contains(&format!("--repeats {KILLED_RUN_REPEATS} "))
            })
        })
}

// Through the command line: the py-* methods as methods of a run.

mod through_the_cli {
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output};

    /// `ipcscope` with a private temporary directory, so that what the harness writes there
    /// can be checked gone.
    fn ipcscope(tmp: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ipcscope"));
        command
            .args(args)
            .env("TMPDIR", tmp)
            .env_remove("IPCSCOPE_TEST_FAULT");
        command
    }

    fn private_tmp() -> tempfile::TempDir {
        tempfile::tempdir().expect("a temporary directory")
    }

    fn json(output: &Output) -> serde_json::Value {
        serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        })
    }

    /// Nothing of the harness is left: no file in its temporary directory, no process running
    /// a harness from there, no shared-memory segment of a process that is gone.
    fn assert_nothing_left(tmp: &Path) {
        let files: Vec<PathBuf> = std::fs::read_dir(tmp)
            .unwrap()
            .filter_map(|entry| Some(entry.ok()?.path()))
            .collect();
        assert_eq!(files, Vec::<PathBuf>::new(), "temporary files left behind");
        let tmp = tmp.to_string_lossy().into_owned();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            assert!(
                !String::from_utf8_lossy(&cmdline).contains(&tmp),
                "a harness process is left: {:?}",
                entry.path()
            );
        }
        // Another test's harness may be ending this very moment (its segment unlinked just
        // after it exits): a segment counts as left behind if it outlives its process by 3 s.
        let orphans = || -> Vec<String> {
            std::fs::read_dir("/dev/shm")
                .unwrap()
                .flatten()
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .filter(|name| {
                    name.strip_prefix("ipcscope-")
                        .and_then(|pid| pid.parse::<u32>().ok())
                        .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists())
                })
                .collect()
        };
        let first = orphans();
        if !first.is_empty() {
            std::thread::sleep(std::time::Duration::from_secs(3));
            let still: Vec<String> = orphans()
                .into_iter()
                .filter(|name| first.contains(name))
                .collect();
            assert_eq!(still, Vec::<String>::new(), "shared memory outlived its process");
        }
    }

    #[test]
    fn every_py_method_runs_as_a_method_and_says_pickle_where_it_pickles() {
        let tmp = private_tmp();
        for (id, codec, unpickles) in [
            ("py-inherit", None, false),
            ("py-argument", None, false),
            ("py-queue", Some("pickle"), true),
            ("py-pipe", Some("pickle"), true),
            ("py-shm", None, false),
            ("py-spawn", Some("pickle"), false),
        ] {
            let output = ipcscope(
                tmp.path(),
                &["run", "-m", id, "-s", "8KB", "-n", "3", "-w", "1", "-f", "json"],
            )
            .output()
            .unwrap();
            assert_eq!(
                output.status.code(),
                Some(0),
                "{id}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let report = json(&output);
            let result = &report["results"][0];
            assert_eq!(result["method"], id);
            assert_eq!(result["failures"], 0, "{result}");
            assert_eq!(result["samples_ns"].as_array().map(Vec::len), Some(3), "{result}");
            assert_eq!(result["payload_bytes"], 8000);
            assert_eq!(result["codec"].as_str(), codec, "{id}");
            assert_eq!(result["py-verify"], "light", "{id}");
            let phases = result["phases_ns"].as_object().unwrap();
            for phase in ["spawn", "transfer", "verify", "reap"] {
                assert!(phases.contains_key(phase), "{id}: no {phase} in {phases:?}");
            }
            assert_eq!(phases.contains_key("unpickle"), unpickles, "{id}");
            assert_eq!(phases.contains_key("pickle"), codec.is_some(), "{id}");
            // The phases that add up do add up to the total (pickling stands beside them).
            let per_child: u64 = result["per_child_ns"]["median"].as_u64().unwrap();
            assert!(per_child > 0);
            assert!(
                result["usage_median"]["minor_faults"].as_u64().unwrap() > 0,
                "{id}: the kernel view"
            );
        }
        assert_nothing_left(tmp.path());
    }

    #[test]
    fn full_verification_is_said_and_its_reads_copy_the_inherited_list_page_by_page() {
        let tmp = private_tmp();
        let faults = |verify: &str| {
            let args = [
                "run",
                "-m",
                "py-inherit",
                "-s",
                "800KB",
                "-n",
                "3",
                "-w",
                "1",
                "--py-verify",
                verify,
                "-f",
                "json",
            ];
            let output = ipcscope(tmp.path(), &args).output().unwrap();
            assert_eq!(
                output.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            let report = json(&output);
            assert_eq!(report["results"][0]["py-verify"], verify);
            assert_eq!(report["results"][0]["failures"], 0);
            report["results"][0]["usage_median"]["minor_faults"]
                .as_u64()
                .unwrap()
        };
        let (light, full) = (faults("light"), faults("full"));
        // 100,000 ints read one by one: each read writes the int object's reference count, so
        // the pages that hold them (32 bytes each, about 780 pages) are copied on write.
        assert!(full > light + 500, "light {light}, full {full} minor faults");
        assert_nothing_left(tmp.path());
    }

    #[test]
    fn a_python_child_killed_mid_run_is_a_counted_failure_and_nothing_is_left() {
        let tmp = private_tmp();
        for id in ["py-pipe", "py-shm"] {
            let output = ipcscope(
                tmp.path(),
                &["run", "-m", id, "-s", "8KB", "-n", "3", "-w", "0", "-f", "json"],
            )
            .env("IPCSCOPE_TEST_FAULT", "child:1:kill")
            .output()
            .unwrap();
            assert_eq!(output.status.code(), Some(1), "{id}: failures exit 1");
            let result = &json(&output)["results"][0];
            assert_eq!(result["failures"], 1, "{result}");
            assert_eq!(result["samples_ns"].as_array().map(Vec::len), Some(2));
            let reason = &result["failure_reasons"][0];
            assert_eq!(
                (reason["child"].as_u64(), reason["kind"].as_str()),
                (Some(1), Some("python_error"))
            );
            assert!(reason["reason"].as_str().unwrap().contains("SIGKILL"), "{reason}");
        }
        assert_nothing_left(tmp.path());
    }

    /// A `PATH` that holds no python3 (only a directory with nothing in it).
    fn without_python(command: &mut Command, empty: &Path) {
        command.env("PATH", empty);
    }

    #[test]
    fn without_python_only_python_methods_are_a_usage_error_and_rust_ones_still_run() {
        let tmp = private_tmp();
        let empty = private_tmp();
        for how in ["PATH", "--python"] {
            let setup = |args: &[&str]| {
                let mut args: Vec<&str> = args.to_vec();
                if how == "--python" {
                    args.extend(["--python", "/bin/false"]);
                }
                let mut command = ipcscope(tmp.path(), &args);
                if how == "PATH" {
                    without_python(&mut command, empty.path());
                }
                command.output().unwrap()
            };
            let only = setup(&["run", "-m", "py-queue,py-pipe", "-s", "8KB", "-n", "2"]);
            assert_eq!(only.status.code(), Some(2), "{how}");
            let stderr = String::from_utf8_lossy(&only.stderr);
            assert!(stderr.contains("the py-* methods cannot run"), "{how}: {stderr}");
            assert!(
                stderr.contains("--python PATH"),
                "{how}: how to get one: {stderr}"
            );

            let both = setup(&[
                "run",
                "-m",
                "pipe,py-pipe",
                "-s",
                "8KB",
                "-n",
                "2",
                "-w",
                "0",
                "-f",
                "json",
            ]);
            assert_eq!(
                both.status.code(),
                Some(0),
                "{how}: {}",
                String::from_utf8_lossy(&both.stderr)
            );
            let stderr = String::from_utf8_lossy(&both.stderr);
            assert!(stderr.contains("notice: skipped py-pipe"), "{how}: {stderr}");
            let report = json(&both);
            let ran: Vec<&str> = report["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|result| result["method"].as_str().unwrap())
                .collect();
            assert_eq!(ran, ["pipe"], "{how}");
            assert_eq!(report["skipped"][0]["method"], "py-pipe", "{how}");
            assert!(report["skipped"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("install python3"));
        }
    }

    #[test]
    fn methods_lists_the_python_group_available_or_not_with_the_reason() {
        let tmp = private_tmp();
        let listing = |path: Option<&Path>| {
            let mut command = ipcscope(tmp.path(), &["methods"]);
            if let Some(path) = path {
                command.env("PATH", path);
            }
            let output = command.output().unwrap();
            assert!(output.status.success());
            String::from_utf8(output.stdout).unwrap()
        };
        let here = listing(None);
        assert!(here.contains("\nPython (python3 3."), "{here}");
        let empty = private_tmp();
        let missing = listing(Some(empty.path()));
        assert!(
            missing.contains("Python (unavailable: no python3 found on PATH"),
            "{missing}"
        );
        for id in [
            "py-inherit",
            "py-argument",
            "py-queue",
            "py-pipe",
            "py-shm",
            "py-spawn",
        ] {
            for listing in [&here, &missing] {
                assert!(
                    listing
                        .lines()
                        .any(|line| line.split_whitespace().next() == Some(id)),
                    "{id}: {listing}"
                );
            }
            assert!(missing
                .lines()
                .any(|line| line.starts_with(id) && line.contains("(unavailable)")));
        }
    }

    #[test]
    fn saved_json_with_python_results_reads_back_for_compare() {
        let tmp = private_tmp();
        let saved = tmp
            .path()
            .join("..")
            .join(format!("ipcscope-py-{}.json", std::process::id()));
        let output = ipcscope(
            tmp.path(),
            &[
                "run",
                "-m",
                "py-pipe,pipe",
                "-s",
                "8KB",
                "-n",
                "2",
                "-w",
                "0",
                "-f",
                "json",
                "-o",
                saved.to_str().unwrap(),
            ],
        )
        .output()
        .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let compared = ipcscope(
            tmp.path(),
            &["compare", saved.to_str().unwrap(), saved.to_str().unwrap()],
        )
        .output()
        .unwrap();
        assert_eq!(
            compared.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&compared.stderr)
        );
        let text = String::from_utf8_lossy(&compared.stdout);
        assert!(text.contains("py-pipe · 8 KB ints · pickle"), "{text}");
    }

    #[test]
    fn sigterm_ends_the_harness_and_its_hanging_child_and_leaves_nothing() {
        let tmp = private_tmp();
        let child = ipcscope(
            tmp.path(),
            &[
                "run", "-m", "py-shm", "-s", "8KB", "-n", "5", "-w", "0", "-f", "json",
            ],
        )
        .env("IPCSCOPE_TEST_FAULT", "child:1:hang")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
        // Long enough for the harness to start and its first child to finish; the second hangs.
        std::thread::sleep(std::time::Duration::from_secs(2));
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(130));
        let report = json(&output);
        assert_eq!(report["partial"], true);
        assert_eq!(
            report["results"][0]["failures"], 0,
            "a cancelled child is no failure"
        );
        assert_nothing_left(tmp.path());
    }

    #[test]
    fn the_seed_lesson_shows_the_published_figure_python_here_and_ipcscope_here() {
        let tmp = private_tmp();
        let output = ipcscope(
            tmp.path(),
            &["run", "--preset", "seed", "-s", "64KiB", "-n", "3", "-w", "0"],
        )
        .output()
        .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let table = String::from_utf8_lossy(&output.stdout);
        let (_, lesson) = table
            .split_once("The tutorial's lesson, from this machine's numbers")
            .unwrap_or_else(|| panic!("{table}"));
        assert!(
            lesson.contains("faster than a Queue in Python here (the tutorial found ~34×)"),
            "{lesson}"
        );
        assert!(lesson.contains("in Rust."), "{lesson}");
        let header = lesson.lines().find(|line| line.contains("method")).unwrap();
        assert!(
            header.contains("tutorial (8 MB, 1000 children)")
                && header.contains("Python here (64 KiB)")
                && header.contains("ipcscope here (64 KiB)"),
            "{header}"
        );
        let queue = lesson
            .lines()
            .find(|line| line.trim_start().starts_with("queue"))
            .unwrap();
        assert_eq!(
            queue
                .split_whitespace()
                .filter(|word| *word == "ms" || *word == "µs")
                .count(),
            3,
            "{queue}"
        );
        // seed-rust leaves Python out, and the lesson is the two-column one.
        let rust = ipcscope(
            tmp.path(),
            &[
                "run",
                "--preset",
                "seed-rust",
                "-s",
                "64KiB",
                "-n",
                "2",
                "-w",
                "0",
            ],
        )
        .output()
        .unwrap();
        let rust = String::from_utf8_lossy(&rust.stdout);
        assert!(!rust.contains("py-") && !rust.contains("Python here"), "{rust}");
        assert_nothing_left(tmp.path());
    }
}
