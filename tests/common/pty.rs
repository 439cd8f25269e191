//! The explorer in a pseudo-terminal: the real binary, its screen read back through a
//! terminal emulator (vt100).

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

pub const COLUMNS: u16 = 100;
pub const ROWS: u16 = 30;
/// Long enough for a loaded machine; a healthy run takes well under a second. The test
/// waits for what it expects and asserts nothing about how long it took.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// What the explorer wrote: the raw bytes and the screen they draw.
pub struct Output {
    raw: Vec<u8>,
    parser: vt100::Parser,
}

pub struct Explorer {
    pub child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: Arc<Mutex<Output>>,
    pub pid: u32,
    _master: Box<dyn MasterPty + Send>,
}

impl Explorer {
    pub fn start(args: &[&str], directory: &Path) -> Explorer {
        Explorer::start_on(args, directory, "xterm-256color")
    }

    /// The explorer on a terminal that calls itself `term`.
    pub fn start_on(args: &[&str], directory: &Path, term: &str) -> Explorer {
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
        command.env("TERM", term);
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

    pub fn screen(&self) -> String {
        self.output.lock().unwrap().parser.screen().contents()
    }

    pub fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Keys sent together may arrive as one escape sequence (Esc then r reads as Alt-r).
        std::thread::sleep(Duration::from_millis(150));
    }

    /// A press and release of the left button at (`column`, `row`), counted from 0, as a
    /// terminal with SGR mouse reporting sends them.
    pub fn click(&mut self, column: u16, row: u16) {
        let (x, y) = (column + 1, row + 1);
        self.press(&format!("\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m"));
    }

    /// Waits until the screen shows `text`, and returns the screen.
    pub fn wait_for(&self, text: &str) -> String {
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

    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
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

    /// What the explorer wrote after it left the alternate screen: on the user's own screen.
    pub fn after_leaving(&self) -> String {
        let output = self.output.lock().unwrap();
        let raw = String::from_utf8_lossy(&output.raw);
        raw.rfind("\x1b[?1049l").map_or(String::new(), |left| {
            raw[left + "\x1b[?1049l".len()..].to_string()
        })
    }

    /// Asserts that the explorer left the terminal as it found it.
    pub fn assert_restored(&self) {
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
        // Raw mode off again: the line discipline echoes and collects lines as it did before.
        let fd = self._master.as_raw_fd().expect("the pty's descriptor");
        // SAFETY: the master stays open for as long as `self` lives.
        let termios = nix::sys::termios::tcgetattr(unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) })
            .expect("reading the terminal's modes");
        let flags = termios.local_flags;
        use nix::sys::termios::LocalFlags;
        assert!(
            flags.contains(LocalFlags::ICANON | LocalFlags::ECHO),
            "raw mode was left on: {flags:?}"
        );
    }
}
