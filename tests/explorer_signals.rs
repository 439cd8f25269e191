//! The explorer in a pseudo-terminal, ended by SIGTERM mid-run (status 143, as a shell
//! reports it), and a run whose children all time out: a ✗, "all failed", and the reasons a
//! key away.

mod common;

use common::pty::Explorer;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

#[test]
fn sigterm_gives_143_and_a_method_whose_children_all_fail_shows_why() {
    let directory = tempfile::tempdir().unwrap();

    // 64 MiB through inherit and a pipe cannot verify in 30 ms: every child times out.
    let mut explorer = Explorer::start(
        &[
            "-m",
            "inherit,pipe",
            "-s",
            "64MiB",
            "-n",
            "5",
            "-w",
            "0",
            "--timeout",
            "30ms",
        ],
        directory.path(),
    );
    explorer.wait_for("Settings");
    explorer.press("r");
    let screen = explorer.wait_for("run 1 finished");
    assert!(screen.contains("✗ pipe"), "no ✗ for pipe:\n{screen}");
    assert!(
        !screen.contains("✓ pipe"),
        "a green tick for a method that all failed:\n{screen}"
    );
    assert!(screen.contains("all failed"), "{screen}");
    explorer.press("f");
    let screen = explorer.wait_for("Failures of run 1");
    assert!(
        screen.contains("pipe: 5 of 5 counted children failed") && screen.contains("[timeout]"),
        "no reason on screen:\n{screen}"
    );
    explorer.press("\x1b");

    // SIGTERM, with a second run started.
    explorer.press("r");
    let pid = Pid::from_raw(i32::try_from(explorer.pid).expect("a pid fits an i32"));
    explorer.wait_for("run 2");
    kill(pid, Signal::SIGTERM).expect("sending SIGTERM");
    let status = explorer.wait_exit();
    assert_eq!(
        status.exit_code(),
        143,
        "the shell's status after SIGTERM: {status:?}"
    );
    explorer.assert_restored();
}
