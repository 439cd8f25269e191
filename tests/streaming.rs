//! `ipcscope run` in table format prints each method's block as soon as that method is done,
//! as hyperfine does: read here while the run still goes, then the run is interrupted and
//! what was printed stays, with the summary and the partial mark after it.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

#[test]
fn a_method_block_is_on_stdout_while_the_next_method_still_runs() {
    let _serial = common::serial();
    // In blocks, memcpy has no child and is done at once; pipe then forks far more children
    // than the test waits for. (Interleaved rounds finish every method together.)
    let mut child = common::command(&[
        "run",
        "--schedule",
        "blocks",
        "-m",
        "memcpy,pipe",
        "-s",
        "4KiB",
        "-n",
        "1000000",
        "-w",
        "0",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("starting ipcscope");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut seen = String::new();
    let mut line = String::new();
    while !seen.contains("  Children:") {
        line.clear();
        let read = stdout.read_line(&mut line).expect("reading stdout");
        assert!(read > 0, "stdout closed before memcpy's block: {seen}");
        seen.push_str(&line);
    }
    assert!(seen.starts_with("ipcscope "), "the head comes first: {seen}");
    assert!(seen.contains("memcpy"), "{seen}");
    assert!(
        child.try_wait().expect("polling the run").is_none(),
        "the run is still going while memcpy's block is read"
    );
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("a pid fits an i32"));
    kill(pid, Signal::SIGINT).expect("sending SIGINT");
    let status = common::wait_bounded(&mut child);
    assert_eq!(status.code(), Some(130));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("reading the rest");
    let whole = format!("{seen}{rest}");
    assert_eq!(
        whole.matches("memcpy · 4 KiB").count(),
        1,
        "memcpy's block is printed once: {whole}"
    );
    assert!(rest.contains("Partial: the run was interrupted"), "{rest}");
}
