//! The explorer end to end: the real binary in a pseudo-terminal, its screen read back
//! through a terminal emulator (vt100), real children forked and reaped.
//!
//! One test function on purpose: it makes this test process a child subreaper, so that any
//! process the explorer leaves behind becomes our child, where it can be counted.

mod common;

use std::path::Path;

use common::children_of;
use common::pty::Explorer;

fn files_with_extension(directory: &Path, extension: &str) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(directory)
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .collect()
}

#[test]
fn the_explorer_runs_exports_cancels_and_quits_cleanly() {
    // SAFETY: prctl with these arguments only sets a flag on this process.
    let subreaper = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    assert_eq!(subreaper, 0, "becoming a child subreaper");
    let me = std::process::id();
    let directory = tempfile::tempdir().unwrap();

    // Without a terminal it says where to go instead, with the usage status.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ipcscope"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("ipcscope run"));

    // A run to the end, its results on screen, exported, then q.
    let mut explorer = Explorer::start(
        &["-m", "pipe,inherit", "-s", "64KiB", "-n", "5", "-w", "0"],
        directory.path(),
    );
    explorer.wait_for("Settings");
    explorer.press("r");
    let screen = explorer.wait_for("run 1 finished");
    for expected in ["✓ pipe", "✓ inherit", "fastest", "slower than", "0/5"] {
        assert!(screen.contains(expected), "no {expected:?} on screen:\n{screen}");
    }
    assert_eq!(
        children_of(explorer.pid),
        vec![],
        "every child is reaped once the run is done"
    );
    if let Ok(path) = std::env::var("IPCSCOPE_EXPLORER_CAPTURE") {
        std::fs::write(path, &screen).unwrap();
    }

    explorer.press("x");
    explorer.wait_for("wrote ");
    let json = files_with_extension(directory.path(), "json");
    assert_eq!(json.len(), 1, "one JSON file: {json:?}");
    assert_eq!(files_with_extension(directory.path(), "csv").len(), 1);
    assert_eq!(files_with_extension(directory.path(), "md").len(), 1);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json[0]).unwrap()).unwrap();
    let results = report["results"].as_array().expect("results in the JSON");
    let methods: Vec<&str> = results.iter().map(|r| r["method"].as_str().unwrap()).collect();
    assert_eq!(methods, ["pipe", "inherit"]);
    for result in results {
        assert_eq!(result["samples_ns"].as_array().map(Vec::len), Some(5));
        assert_eq!(result["payload_bytes"], 65536);
    }

    explorer.press("q");
    let status = explorer.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    explorer.assert_restored();
    assert_eq!(children_of(me), vec![], "the explorer left processes behind");

    // A long run: cancelled with Esc, started again, then Ctrl-C in the middle of it.
    let mut explorer = Explorer::start(
        &["-m", "pipe", "-s", "1MiB", "-n", "1000000", "-w", "0"],
        directory.path(),
    );
    explorer.wait_for("Settings");
    explorer.press("r");
    explorer.wait_for("run 1 · running");
    explorer.press("\x1b");
    explorer.wait_for("run 1 cancelled");
    assert_eq!(
        children_of(explorer.pid),
        vec![],
        "a cancelled run's children are reaped"
    );
    explorer.press("r");
    explorer.wait_for("run 2 · running");
    explorer.press("\x03");
    let status = explorer.wait_exit();
    assert_eq!(status.exit_code(), 130, "Ctrl-C ends as SIGINT would: {status:?}");
    explorer.assert_restored();
    assert_eq!(children_of(me), vec![], "the explorer left processes behind");
}
