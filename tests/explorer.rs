//! The explorer end to end: the real binary in a pseudo-terminal, its screen read back
//! through a terminal emulator (vt100), real children forked and reaped.
//!
//! One test function on purpose: it makes this test process a child subreaper, so that any
//! process the explorer leaves behind becomes our child, where it can be counted.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

const COLUMNS: u16 = 100;
const ROWS: u16 = 30;
/// Long enough for a loaded machine; a healthy run takes well under a second. The test
/// waits for what it expects and asserts nothing about how long it took.
const PATIENCE: Duration = Duration::from_secs(120);

/// What the explorer wrote: the raw bytes and the screen they draw.
struct Output {
    raw: Vec<u8>,
    parser: vt100::Parser,
}

struct Explorer {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: Arc<Mutex<Output>>,
    pid: u32,
    _master: Box<dyn MasterPty + Send>,
}

impl Explorer {
    fn start(args: &[&str], directory: &Path) -> Explorer {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLUMNS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("opening a pseudo-terminal");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_ipcscope"));
        command.args(args);
        command.cwd(directory);
        command.env("TERM", "xterm-256color");
        command.env_remove("NO_COLOR");
        let child = pair.slave.spawn_command(command).expect("starting the explorer");
        drop(pair.slave);
        let pid = child.process_id().expect("the explorer's pid");
        let output = Arc::new(Mutex::new(Output {
            raw: Vec::new(),
            parser: vt100::Parser::new(
                NonZeroU16::new(ROWS).unwrap(),
                NonZeroU16::new(COLUMNS).unwrap(),
                0,
            ),
        }));
        let mut reader = pair.master.try_clone_reader().expect("reading the pty");
        let sink = Arc::clone(&output);
        // Drains the pty continuously, so the explorer never blocks on a full terminal.
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(read @ 1..) = reader.read(&mut buffer) {
                let mut output = sink.lock().unwrap();
                output.raw.extend_from_slice(&buffer[..read]);
                output.parser.process(&buffer[..read]);
            }
        });
        let writer = pair.master.take_writer().expect("writing to the pty");
        Explorer {
            child,
            writer,
            output,
            pid,
            _master: pair.master,
        }
    }

    fn screen(&self) -> String {
        self.output.lock().unwrap().parser.screen().contents()
    }

    fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Keys sent together may arrive as one escape sequence (Esc then r reads as Alt-r).
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Waits until the screen shows `text`, and returns the screen.
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "the screen never showed {text:?}; it shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "the explorer did not exit when told to quit"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Asserts that the explorer left the terminal as it found it.
    fn assert_restored(&self) {
        let output = self.output.lock().unwrap();
        let raw = String::from_utf8_lossy(&output.raw);
        let left = raw
            .rfind("\x1b[?1049l")
            .expect("the alternate screen was never left");
        let entered = raw
            .rfind("\x1b[?1049h")
            .expect("the alternate screen was never entered");
        assert!(
            left > entered,
            "the alternate screen was entered again after leaving it"
        );
        assert!(raw[left..].contains("\x1b[?25h") || raw.rfind("\x1b[?25h") > raw.rfind("\x1b[?25l"));
        assert!(!output.parser.screen().alternate_screen());
        assert!(!output.parser.screen().hide_cursor());
    }
}

/// Processes whose parent is `parent`, as /proc says.
fn children_of(parent: u32) -> Vec<(u32, String)> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
        let Some(after) = stat.rfind(')').map(|at| &stat[at + 1..]) else {
            continue;
        };
        let fields: Vec<&str> = after.split_whitespace().collect();
        if fields.get(1).and_then(|ppid| ppid.parse::<u32>().ok()) == Some(parent) {
            children.push((
                pid,
                format!(
                    "{} state {}",
                    &stat[..stat.rfind(')').unwrap_or(0) + 1],
                    fields[0]
                ),
            ));
        }
    }
    children
}

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
    assert!(status.success(), "exit status {status:?}");
    explorer.assert_restored();
    assert_eq!(children_of(me), vec![], "the explorer left processes behind");
}
