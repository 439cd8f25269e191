//! Install and discover: the completion scripts a shell accepts, and the manual page that
//! `man` renders, both from the binary itself.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn output_of(args: &[&str]) -> String {
    let ran = common::run(common::command(args));
    assert_eq!(ran.code(), Some(0), "{args:?}: {}", ran.stderr);
    ran.stdout
}

/// Runs `program args` with `input` on stdin; `None` when the program is not installed.
fn pipe_through(program: &str, args: &[&str], input: &str) -> Option<std::process::Output> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("MANWIDTH", "80")
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(input.as_bytes()).ok()?;
    child.wait_with_output().ok()
}

#[test]
fn the_bash_completion_script_parses_and_knows_the_subcommands() {
    let script = output_of(&["completions", "bash"]);
    for needed in ["_ipcscope()", "sweep", "compare", "--export-dir", "--timeout"] {
        assert!(script.contains(needed), "no {needed:?} in the bash completions");
    }
    let checked = pipe_through("bash", &["-n"], &script).expect("bash is installed");
    assert!(
        checked.status.success(),
        "bash -n refuses the script: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
    for shell in ["zsh", "fish"] {
        assert!(output_of(&["completions", shell]).contains("sweep"), "{shell}");
    }
}

#[test]
fn the_man_page_is_roff_that_man_renders() {
    let page = output_of(&["man"]);
    for needed in [
        ".TH ipcscope 1",
        ".SH SYNOPSIS",
        "IPCSCOPE SWEEP",
        "\\-\\-from",
        "\\-\\-baseline",
    ] {
        assert!(page.contains(needed), "no {needed:?} in the man page");
    }
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("ipcscope.1");
    std::fs::write(&path, &page).unwrap();
    let path = path.to_str().unwrap();
    // Where man is not installed the roff above is all that can be checked.
    let Some(rendered) = pipe_through("man", &["-l", path], "") else {
        eprintln!("man is not installed: the page's roff was checked, not its rendering");
        return;
    };
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(
        rendered.status.success(),
        "man -l failed: {}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    assert!(text.contains("NAME") && text.contains("ipcscope"), "{text}");
    assert!(
        !text.contains(".TH"),
        "the roff was rendered, not shown raw: {text}"
    );
}
