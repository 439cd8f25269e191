//! The command-line contract (assets/CONTRACT.md): the formats parse and hold their keys and
//! columns, exit statuses 0, 1 and 2 mean what they say, `-o` writes the file, and every bad
//! input is refused with a message naming the problem and what is allowed.

mod common;

use common::{command, ipcscope, run, serial};
use serde_json::Value;

const METHODS: [&str; 4] = ["inherit", "argument", "queue", "pipe"];

/// A quick healthy run of the four required methods in `format`.
fn quick(format: &str) -> String {
    let ran = ipcscope(&[
        "run",
        "-m",
        &METHODS.join(","),
        "-s",
        "16KB",
        "-n",
        "3",
        "-w",
        "1",
        "-f",
        format,
    ]);
    assert_eq!(
        ran.code(),
        Some(0),
        "every child verified: exit 0\n{}",
        ran.stderr
    );
    assert!(
        ran.stderr.is_empty(),
        "no progress on stderr when it is no terminal: {}",
        ran.stderr
    );
    ran.stdout
}

#[test]
fn json_holds_the_contracts_keys() {
    let _serial = serial();
    let report: Value = serde_json::from_str(&quick("json")).expect("one JSON object");
    assert!(report["ipcscope"].is_string());
    for key in [
        "kernel",
        "cpu",
        "cores",
        "page_size",
        "pipe_max_size",
        "mq_msgsize_max",
    ] {
        assert!(!report["environment"][key].is_null(), "environment.{key}");
    }
    let results = report["results"].as_array().expect("results");
    let ids: Vec<&str> = results
        .iter()
        .map(|result| result["method"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids, METHODS, "one result per method, in the order run");
    for result in results {
        let method = &result["method"];
        assert_eq!(result["payload"], "ints", "{method}");
        assert_eq!(
            (result["payload_bytes"].as_u64(), result["repeats"].as_u64()),
            (Some(16_000), Some(3))
        );
        assert_eq!(
            (result["warmup"].as_u64(), result["failures"].as_u64()),
            (Some(1), Some(0))
        );
        assert!(result.get("codec").is_some(), "{method}");
        for stat in ["min", "median", "mean", "stddev", "p99", "max"] {
            assert!(
                result["per_child_ns"][stat].is_u64(),
                "{method} per_child_ns.{stat}"
            );
        }
        for phase in ["spawn", "verify"] {
            assert!(
                result["phases_ns"][phase]["median"].is_u64(),
                "{method} phases_ns.{phase}"
            );
        }
        assert!(result["throughput_bytes_per_sec"].as_u64() > Some(0), "{method}");
        let samples = result["samples_ns"].as_array().expect("samples_ns");
        assert_eq!(samples.len(), 3, "{method}: repeats - failures");
        let (median, floor) = (
            result["per_child_ns"]["median"].as_f64().unwrap_or(0.0),
            result["fork_floor_ns"].as_f64().unwrap_or(0.0),
        );
        assert!(floor > 0.0, "{method}: the fork floor was measured");
        let ratio = result["ratio_to_fork_floor"].as_f64().unwrap_or(0.0);
        assert!(
            (ratio - median / floor).abs() < 1e-9,
            "{method}: {ratio} = {median} / {floor}"
        );
        assert!(samples.iter().all(|sample| sample.as_u64() > Some(0)), "{method}");
    }
    for moved in &results[2..] {
        assert!(
            moved["phases_ns"]["transfer"]["median"].is_u64(),
            "{}",
            moved["method"]
        );
        assert_eq!(moved["codec"], "bincode");
    }
}

#[test]
fn csv_has_a_header_and_one_line_per_method() {
    let _serial = serial();
    let text = quick("csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_string)
        .collect();
    let required = "method,payload,codec,payload_bytes,repeats,failures,min_ns,median_ns,mean_ns,stddev_ns,p99_ns,max_ns,throughput_bytes_per_sec";
    for column in required.split(',') {
        assert!(
            header.iter().any(|name| name == column),
            "column {column} in {header:?}"
        );
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(|row| row.expect("a row")).collect();
    assert_eq!(rows.len(), 4);
    let column = |name: &str| header.iter().position(|column| column == name).expect("column");
    for (row, id) in rows.iter().zip(METHODS) {
        assert_eq!(&row[column("method")], id);
        assert_eq!(&row[column("failures")], "0");
        assert!(
            row[column("median_ns")]
                .parse::<u64>()
                .is_ok_and(|median| median > 0),
            "{row:?}"
        );
    }
}

#[test]
fn markdown_is_a_table_with_medians_and_ratios() {
    let _serial = serial();
    let text = quick("markdown");
    let lines: Vec<&str> = text.lines().filter(|line| line.starts_with('|')).collect();
    assert_eq!(lines.len(), 2 + 4, "header, rule, one row per method:\n{text}");
    assert!(
        lines[0].contains("median") && lines[0].contains("fastest"),
        "{}",
        lines[0]
    );
    for id in METHODS {
        let row = lines
            .iter()
            .find(|line| line.starts_with(&format!("| {id} |")))
            .expect(id);
        assert!(row.contains('s'), "a readable time: {row}");
    }
    assert!(lines[2..].iter().any(|row| row.contains("fastest")));
    assert!(
        lines[2..].iter().filter(|row| row.contains('×')).count() >= 2,
        "{text}"
    );
}

#[test]
fn the_table_reads_as_a_summary() {
    let _serial = serial();
    let text = quick("table");
    for id in METHODS {
        assert!(text.contains(id), "{id}");
    }
    for part in ["Time per child (median)", "Summary", "fastest", "slower than"] {
        assert!(text.contains(part), "{part}:\n{text}");
    }
}

#[test]
fn output_goes_to_the_file_named_by_o() {
    let _serial = serial();
    let directory = tempfile::tempdir().expect("a temp dir");
    let path = directory.path().join("results.json");
    let path_text = path.to_str().expect("a UTF-8 path");
    let ran = ipcscope(&[
        "run", "-m", "pipe", "-s", "4KB", "-n", "2", "-f", "json", "-o", path_text,
    ]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr);
    assert!(ran.stdout.is_empty(), "nothing on stdout: {}", ran.stdout);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the file")).expect("JSON");
    assert_eq!(written["results"][0]["method"], "pipe");

    let unwritable = directory.path().join("missing").join("results.json");
    let ran = ipcscope(&[
        "run",
        "-m",
        "pipe",
        "-s",
        "4KB",
        "-n",
        "2",
        "-o",
        unwritable.to_str().expect("UTF-8"),
    ]);
    // Refused before anything runs, so no result is lost at the end of a long run.
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("cannot write in"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("Usage: ipcscope run"),
        "the run's usage: {}",
        ran.stderr
    );
    assert!(
        !ran.stderr.contains("Time per child"),
        "nothing ran: {}",
        ran.stderr
    );

    let ran = ipcscope(&[
        "run",
        "-m",
        "pipe",
        "-o",
        directory.path().to_str().expect("UTF-8"),
    ]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("is a directory"), "{}", ran.stderr);
}

#[test]
fn a_failed_child_means_exit_status_one_with_the_results_printed() {
    let _serial = serial();
    let mut command = command(&["run", "-m", "pipe", "-s", "4KB", "-n", "3", "-f", "csv"]);
    command.env(ipcscope::bench::fault::VARIABLE, "child:0:exit:3");
    let ran = run(command);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr);
    let row = ran.stdout.lines().nth(1).expect("the pipe row");
    assert!(row.starts_with("pipe,ints,bincode,4000,3,1,"), "{row}");
}

#[test]
fn methods_lists_every_required_id() {
    let ran = ipcscope(&["methods"]);
    assert_eq!(ran.code(), Some(0));
    for id in METHODS {
        assert!(
            ran.stdout.lines().any(|line| line.starts_with(id)),
            "{id}:\n{}",
            ran.stdout
        );
    }
}

#[test]
fn help_lists_every_option_with_its_default_and_no_test_switch() {
    let ran = ipcscope(&["run", "--help"]);
    assert_eq!(ran.code(), Some(0));
    for option in [
        "--method",
        "--size",
        "--repeats",
        "--warmup",
        "--payload",
        "--codec",
        "--access",
        "--preset",
        "--format",
        "--output",
        "--timeout",
    ] {
        assert!(ran.stdout.contains(option), "{option}");
    }
    assert!(ran.stdout.contains("default: 8MB") && ran.stdout.contains("default: 100"));
    assert!(!ran.stdout.contains("IPCSCOPE"), "the test switch stays hidden");
}

#[test]
fn the_explorer_without_a_terminal_is_a_usage_error() {
    let ran = ipcscope(&[]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("terminal"), "{}", ran.stderr);
}

/// Every bad input: exit 2, and stderr names what was wrong and what is allowed.
#[test]
fn every_bad_input_is_a_usage_error_that_says_what_is_allowed() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["-m", "pigeon"], &["pigeon", "inherit, argument, queue, pipe"]),
        (&["-m", ","], &["no method chosen", "inherit, argument"]),
        (&["-p", "floats"], &["floats", "ints, bytes, records"]),
        (&["-c", "json"], &["json", "bincode, bincode-fixed, raw"]),
        (&["--access", "execute"], &["execute", "read, write"]),
        (&["-f", "yaml"], &["yaml", "table", "json", "csv", "markdown"]),
        (&["-s", "8XB"], &["8XB", "KB", "MiB"]),
        (&["-s", "MB"], &["no number", "KiB"]),
        (&["-s", "1.2.3MB"], &["1.2.3MB"]),
        (&["-s", "-1"], &["-1"]),
        (&["-s", "0.3B"], &["whole number of bytes"]),
        (
            &["-s", "1B"],
            &["1 B is not a whole number of ints", "8 bytes each", "use 8B"],
        ),
        (
            &["-s", "8000003B"],
            &["not a whole number of ints", "use 8000000B or 8000008B"],
        ),
        (
            &["-p", "records", "-s", "100B"],
            &[
                "not a whole number of records",
                "64 bytes each",
                "use 64B or 128B",
            ],
        ),
        (&["-s", "99999999999999999999GB"], &["too large"]),
        (&["-s", "100000GB"], &["memory", "available", "--size"]),
        (&["-n", "0"], &["repeats", "at least 1"]),
        (&["-n", "-1"], &["repeats", "at least 1"]),
        (&["-n", "abc"], &["repeats", "whole number", "'abc'"]),
        (&["-n", "2000000"], &["repeats", "at most 1000000"]),
        (&["-w", "-1"], &["warm-up", "at least 0"]),
        (&["-w", "x"], &["warm-up", "whole number"]),
        (&["--timeout", "0s"], &["0s", "from 1ms"]),
        (&["--timeout", "25h"], &["25h", "from 1ms to 24h"]),
        (&["--timeout", "3 parsecs"], &["3 parsecs", "units: ms, s, m, h"]),
        (&["--timeout", "soon"], &["soon", "500ms"]),
        (&["--preset", "turbo"], &["turbo", "seed"]),
        (&["-p", "records", "-c", "raw"], &["raw", "records", "bincode"]),
        (&["--bogus"], &["--bogus"]),
    ];
    for (args, expected) in cases {
        let mut argv = vec!["run"];
        argv.extend_from_slice(args);
        let ran = ipcscope(&argv);
        assert_eq!(ran.code(), Some(2), "{args:?}: {}", ran.stderr);
        assert!(
            ran.stdout.is_empty(),
            "{args:?}: nothing measured, nothing printed"
        );
        assert!(ran.stderr.contains("error"), "{args:?}: {}", ran.stderr);
        for part in *expected {
            assert!(
                ran.stderr.contains(part),
                "{args:?}: '{part}' missing from: {}",
                ran.stderr
            );
        }
    }
}
