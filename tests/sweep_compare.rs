//! `ipcscope sweep` and `ipcscope compare` end to end: the real binary forks real children.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn ipcscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ipcscope"))
        .args(args)
        .output()
        .expect("running ipcscope")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs ipcscope, expects success, gives stdout.
fn succeed(args: &[&str]) -> String {
    let output = ipcscope(args);
    assert_eq!(output.status.code(), Some(0), "{args:?}: {}", stderr(&output));
    stdout(&output)
}

/// Runs ipcscope, expects a usage error (exit 2) whose message contains `expected`.
fn refuse(args: &[&str], expected: &str) {
    let output = ipcscope(args);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
    assert!(message.contains(expected), "{args:?}: {message}");
    assert!(stdout(&output).is_empty(), "{args:?}");
}

const KIB: u64 = 1024;

#[test]
fn a_json_sweep_has_every_method_at_every_size_with_failures_counted() {
    let text = succeed(&[
        "sweep",
        "-m",
        "pipe,inherit",
        "--from",
        "4KiB",
        "--to",
        "1MiB",
        "-n",
        "3",
        "-f",
        "json",
    ]);
    let json: Value = serde_json::from_str(&text).expect("the sweep's JSON parses");
    let results = json["results"].as_array().expect("results");
    let sizes = [4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, 1024 * KIB];
    let found: Vec<(&str, u64)> = results
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap(),
                r["payload_bytes"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(&str, u64)> = sizes
        .iter()
        .flat_map(|&size| [("pipe", size), ("inherit", size)])
        .collect();
    assert_eq!(found, expected);
    for result in results {
        let failures = result["failures"].as_u64().expect("failures are counted");
        assert_eq!(failures, 0, "{result}");
        assert_eq!(result["repeats"], 3);
        assert_eq!(result["samples_ns"].as_array().map(Vec::len), Some(3));
        assert!(result["per_child_ns"]["median"].as_u64() > Some(0), "{result}");
        assert!(result["throughput_bytes_per_sec"].as_u64() > Some(0), "{result}");
    }
    // Ratios are to the fastest at the same size: each size has exactly one fastest.
    for size in sizes {
        let fastest = results
            .iter()
            .filter(|r| r["payload_bytes"] == size && r["ratio_to_fastest"] == 1.0)
            .count();
        assert_eq!(fastest, 1, "at {size}");
    }
    // A copying method puts more bytes on the wire at every larger size (bincode's varints
    // make them fewer than the payload's, so only the growth is checked).
    let pipe_wire: Vec<u64> = results
        .iter()
        .filter(|r| r["method"] == "pipe")
        .map(|r| r["wire_bytes"].as_u64().unwrap())
        .collect();
    assert!(
        pipe_wire.windows(2).all(|pair| pair[0] < pair[1]),
        "{pipe_wire:?}"
    );
    // Crossings are listed (whatever this machine's order), each between two of the sizes.
    for crossing in json["crossings"].as_array().expect("a crossings key") {
        let (below, above) = (crossing["below_bytes"].as_u64(), crossing["above_bytes"].as_u64());
        assert!(below < above, "{crossing}");
        assert!(sizes.iter().any(|&size| Some(size) == below), "{crossing}");
    }
}

#[test]
fn a_sweep_reads_well_in_every_format() {
    let base = [
        "sweep",
        "-m",
        "inherit,pipe",
        "--from",
        "8KiB",
        "--to",
        "32KiB",
        "--factor",
        "2",
        "-n",
        "2",
    ];
    let table = succeed(&base);
    for heading in [
        "At 8 KiB ints",
        "At 16 KiB ints",
        "At 32 KiB ints",
        "throughput",
        "Crossings",
    ] {
        assert!(table.contains(heading), "{heading}: {table}");
    }
    assert!(
        table.contains("MB/s") || table.contains("KB/s") || table.contains("GB/s"),
        "{table}"
    );

    let markdown = succeed(&[&base[..], &["-f", "markdown"]].concat());
    assert_eq!(markdown.matches("### ").count(), 4, "{markdown}");
    assert!(
        markdown.contains("### 16 KiB ints") && markdown.contains("### Crossings"),
        "{markdown}"
    );

    let csv = succeed(&[&base[..], &["-f", "csv"]].concat());
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 2 * 3, "{csv}");
    assert!(lines[0].starts_with("method,payload,codec,payload_bytes,"));
    assert!(lines[6].starts_with("pipe,ints,bincode,32768,"), "{csv}");
}

#[test]
fn bad_sweeps_are_usage_errors_that_say_what_is_wrong() {
    refuse(&["sweep", "--from", "1MiB", "--to", "4KiB"], "larger than --to");
    refuse(
        &["sweep", "--from", "4KiB", "--to", "1MiB", "--factor", "1"],
        "greater than 1",
    );
    refuse(
        &["sweep", "--from", "4KiB", "--to", "1MiB", "--factor", "twice"],
        "greater than 1",
    );
    refuse(&["sweep", "--from", "0", "--to", "1MiB"], "at least 1 byte");
    refuse(
        &["sweep", "--from", "1", "--to", "1GiB", "--factor", "1.01"],
        "larger --factor",
    );
    refuse(&["sweep", "--from", "4KiB", "--to", "8XB"], "KiB");
    refuse(&["sweep", "--from", "4KiB"], "--to");
    refuse(
        &["sweep", "-s", "1MB", "--from", "4KiB", "--to", "1MiB"],
        "cannot be used with",
    );
    refuse(
        &["sweep", "-m", "pigeon", "--from", "4KiB", "--to", "1MiB"],
        "allowed: inherit",
    );
}

fn median(json: &Value, method: &str) -> u64 {
    json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["method"] == method)
        .and_then(|r| r["per_child_ns"]["median"].as_u64())
        .unwrap()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn compare_matches_two_real_runs_and_gives_their_ratios() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let (a_path, b_path) = (a.to_str().unwrap(), b.to_str().unwrap());
    succeed(&[
        "run",
        "-m",
        "pipe,inherit",
        "-s",
        "64KiB",
        "-n",
        "3",
        "-f",
        "json",
        "-o",
        a_path,
    ]);
    succeed(&[
        "run",
        "-m",
        "inherit,pipe,argument",
        "-s",
        "64KiB",
        "-n",
        "3",
        "-f",
        "json",
        "-o",
        b_path,
    ]);

    let table = succeed(&["compare", a_path, b_path]);
    let pipe_line = table
        .lines()
        .find(|line| line.trim_start().starts_with("pipe · 64 KiB ints · bincode"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(pipe_line.contains('×'), "{pipe_line}");
    assert!(
        table.contains("argument · 64 KiB ints · no codec: only in"),
        "{table}"
    );

    let json: Value = serde_json::from_str(&succeed(&["compare", a_path, b_path, "-f", "json"])).unwrap();
    let (saved_a, saved_b) = (read_json(&a), read_json(&b));
    let matched = json["matched"].as_array().unwrap();
    let methods: Vec<&str> = matched
        .iter()
        .map(|row| row["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["pipe", "inherit"]);
    for row in matched {
        let method = row["method"].as_str().unwrap();
        let (baseline, other) = (median(&saved_a, method), median(&saved_b, method));
        assert_eq!(row["runs"][0]["median_ns"], baseline);
        assert_eq!(row["runs"][1]["median_ns"], other);
        assert_eq!(row["runs"][0]["ratio_to_baseline"], 1.0);
        let ratio = row["runs"][1]["ratio_to_baseline"].as_f64().unwrap();
        assert!((ratio - other as f64 / baseline as f64).abs() < 1e-9, "{row}");
    }
    let unmatched = json["unmatched"].as_array().unwrap();
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0]["method"], "argument");
    assert_eq!(unmatched[0]["file"], b_path);
}

#[test]
fn compare_refuses_bad_files_naming_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    let good_path = good.to_str().unwrap();
    succeed(&[
        "run", "-m", "inherit", "-s", "4KiB", "-n", "1", "-w", "0", "-f", "json", "-o", good_path,
    ]);
    let csv = dir.path().join("results.csv");
    succeed(&[
        "run",
        "-m",
        "inherit",
        "-s",
        "4KiB",
        "-n",
        "1",
        "-w",
        "0",
        "-f",
        "csv",
        "-o",
        csv.to_str().unwrap(),
    ]);
    let shape = dir.path().join("shape.json");
    std::fs::write(&shape, r#"{"results": "none"}"#).unwrap();
    let missing = dir.path().join("missing.json");

    refuse(&["compare", good_path, missing.to_str().unwrap()], "cannot read");
    refuse(&["compare", good_path, missing.to_str().unwrap()], "missing.json");
    refuse(
        &["compare", csv.to_str().unwrap(), good_path],
        "results.csv is not JSON",
    );
    refuse(
        &["compare", good_path, shape.to_str().unwrap()],
        "shape.json is not an ipcscope result",
    );
    refuse(&["compare", good_path], "2 values required");
}

#[test]
fn the_seed_preset_ends_with_the_tutorials_lesson_from_this_machine() {
    let table = succeed(&["run", "--preset", "seed", "-s", "64KiB", "-n", "3", "-w", "0"]);
    let (_, lesson) = table
        .split_once("The tutorial's lesson, from this machine's numbers")
        .unwrap_or_else(|| panic!("{table}"));
    assert!(lesson.contains("than inheriting") || lesson.contains("faster than sending through a queue"));
    assert!(lesson.contains("~34×"), "{lesson}");
    for published in ["2.40 ms", "2.20 ms", "82.8 ms", "86.7 ms"] {
        assert!(lesson.contains(published), "{published}: {lesson}");
    }
    // Only the seed preset's table teaches it.
    let plain = succeed(&["run", "-m", "inherit,queue", "-s", "64KiB", "-n", "1", "-w", "0"]);
    assert!(!plain.contains("The tutorial's lesson"), "{plain}");
}
