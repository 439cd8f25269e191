//! The explorer's face in a pseudo-terminal: on the Linux console it draws with ASCII only,
//! and a mouse click on a method's row chooses it.

mod common;

use common::pty::Explorer;

/// Where `text` first appears on `screen`: (column, row).
fn position(screen: &str, text: &str) -> (u16, u16) {
    screen
        .lines()
        .enumerate()
        .find_map(|(row, line)| {
            line.find(text)
                .map(|at| (line[..at].chars().count() as u16, row as u16))
        })
        .unwrap_or_else(|| panic!("no {text:?} on screen:\n{screen}"))
}

#[test]
fn on_the_linux_console_the_screen_is_ascii_and_a_click_chooses_a_method() {
    let directory = tempfile::tempdir().unwrap();
    let mut explorer = Explorer::start_on(
        &["-m", "pipe", "-s", "64KiB", "-n", "3", "-w", "0"],
        directory.path(),
        "linux",
    );
    let screen = explorer.wait_for("Settings");
    assert!(screen.is_ascii(), "TERM=linux draws ASCII only:\n{screen}");
    assert!(screen.contains("[ ] shm"), "{screen}");

    let (column, row) = position(&screen, "[ ] shm");
    explorer.click(column + 1, row);
    let screen = explorer.wait_for("[x] shm");
    assert!(screen.is_ascii(), "{screen}");

    explorer.press("r");
    let screen = explorer.wait_for("run 1 finished");
    assert!(screen.is_ascii(), "the results too:\n{screen}");
    assert!(
        screen.contains("v shm"),
        "the click chose shm for the run:\n{screen}"
    );
    explorer.press("q");
    assert!(explorer.wait_exit().success());
    explorer.assert_restored();
}
