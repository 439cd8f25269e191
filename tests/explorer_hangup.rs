//! The explorer hung up on (SIGHUP, as when an SSH session drops) in the middle of a run and
//! of a sweep: it exits quietly with the shell's status for SIGHUP (129), gives the terminal
//! back and leaves no process behind. On the way, a baseline file that is missing is said on
//! the status line, and nothing more.
//!
//! One test function on purpose: it makes this test process a child subreaper, so that any
//! process the explorer leaves behind becomes our child, where it can be counted.

mod common;

use common::children_of;
use common::pty::Explorer;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Sends SIGHUP to the explorer and checks how it leaves.
fn hang_up(mut explorer: Explorer, me: u32) {
    let pid = Pid::from_raw(i32::try_from(explorer.pid).expect("a pid fits an i32"));
    kill(pid, Signal::SIGHUP).expect("sending SIGHUP");
    let status = explorer.wait_exit();
    assert_eq!(
        status.exit_code(),
        129,
        "the shell's status after SIGHUP: {status:?}"
    );
    explorer.assert_restored();
    // Quietly: nothing printed on the main screen after the explorer left its own.
    let after = explorer.after_leaving();
    assert!(
        !after.contains("rror") && !after.contains("panic"),
        "the explorer said something on its way out: {after:?}"
    );
    // The explorer itself is reaped by wait_exit; any child of it still alive or unreaped
    // would have been re-parented to us, the subreaper.
    assert_eq!(children_of(me), vec![], "the explorer left processes behind");
}

#[test]
fn a_hang_up_mid_run_and_mid_sweep_ends_the_explorer_cleanly() {
    // SAFETY: prctl with these arguments only sets a flag on this process.
    let subreaper = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    assert_eq!(subreaper, 0, "becoming a child subreaper");
    let me = std::process::id();
    let directory = tempfile::tempdir().unwrap();

    // A run far too long to end by itself, hung up on while its children come and go. It
    // starts with a baseline that is not there: said on the status line, not fatal.
    let mut explorer = Explorer::start(
        &[
            "-m",
            "pipe",
            "-s",
            "1MiB",
            "-n",
            "1000000",
            "-w",
            "0",
            "--baseline",
            "missing.json",
        ],
        directory.path(),
    );
    explorer.wait_for("no baseline loaded: cannot read missing.json");
    explorer.wait_for("Settings");
    explorer.press("r");
    explorer.wait_for("run 1 · running");
    hang_up(explorer, me);

    // A sweep, hung up on at its second size at the latest.
    let mut explorer = Explorer::start(&["-m", "pipe,shm", "-n", "1000000", "-w", "0"], directory.path());
    explorer.wait_for("Settings");
    explorer.press("s");
    explorer.press("r");
    explorer.wait_for("Sweep · run 1 · size 1/");
    hang_up(explorer, me);
}
