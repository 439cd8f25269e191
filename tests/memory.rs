//! The parent holds the payload once: no hidden copies of it for methods that move no bytes.

use std::process::Command;

/// Peak resident memory of a finished child process and of its own children, from wait4.
#[expect(
    clippy::zombie_processes,
    reason = "reaped by wait4 below, which also gives its rusage"
)]
fn run_and_measure_peak_rss(args: &[&str]) -> (i32, u64) {
    let child = Command::new(env!("CARGO_BIN_EXE_ipcscope"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start ipcscope");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointers to locals; the pid is our own unreaped child.
    let reaped = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(reaped, child.id() as libc::pid_t);
    assert!(
        libc::WIFEXITED(status),
        "ipcscope did not exit normally: {status}"
    );
    (libc::WEXITSTATUS(status), usage.ru_maxrss as u64 * 1024)
}

#[test]
fn inheriting_a_large_payload_costs_one_copy_of_it() {
    let payload = 512u64 << 20;
    let (code, peak) =
        run_and_measure_peak_rss(&["run", "-m", "inherit", "-s", "512MiB", "-n", "2", "-w", "0"]);
    assert_eq!(code, 0);
    assert!(peak >= payload, "the payload was not even resident: {peak} bytes");
    assert!(
        peak < payload + (64 << 20),
        "peak RSS {} MiB exceeds the payload (512 MiB) + 64 MiB",
        peak >> 20
    );
}
