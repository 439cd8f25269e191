//! Small things a new user meets on the command line: errors that name the flag given, a
//! usage line that shows optional flags as optional, and `compare` keeping a read run apart
//! from a write run.

mod common;

use common::{command, run};

#[test]
fn a_sweep_too_large_names_its_range_not_size() {
    let ran = run(command(&[
        "sweep", "-m", "pipe", "--from", "4KiB", "--to", "900GB",
    ]));
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("--to 900 GB"), "{}", ran.stderr);
    assert!(
        !ran.stderr.contains("--size"),
        "sweep has no --size: {}",
        ran.stderr
    );
}

#[test]
fn sweep_without_arguments_shows_its_optional_flags_as_optional() {
    let ran = run(command(&["sweep"]));
    assert_eq!(ran.code(), Some(2));
    let usage = ran
        .stderr
        .lines()
        .find(|line| line.starts_with("Usage:"))
        .unwrap_or_else(|| panic!("no usage line: {}", ran.stderr));
    assert_eq!(
        usage,
        "Usage: ipcscope sweep --from <SIZE> --to <SIZE> [--factor <F>] [OPTIONS]"
    );
}

#[test]
fn compare_keeps_a_read_run_apart_from_a_write_run() {
    let _serial = common::serial();
    let directory = tempfile::tempdir().unwrap();
    let path = |name: &str| directory.path().join(name).to_str().unwrap().to_string();
    for (access, name) in [("read", "read.json"), ("write", "write.json")] {
        let ran = run(command(&[
            "run",
            "-m",
            "inherit",
            "-s",
            "64KiB",
            "-n",
            "3",
            "-w",
            "0",
            "--access",
            access,
            "-f",
            "json",
            "-o",
            &path(name),
        ]));
        assert_eq!(ran.code(), Some(0), "{}", ran.stderr);
    }
    let ran = run(command(&["compare", &path("read.json"), &path("write.json")]));
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr);
    assert!(
        ran.stdout.contains("No experiment is in more than one file"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("· write: only in"), "{}", ran.stdout);
}
