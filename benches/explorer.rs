//! `cargo bench --bench explorer`: the explorer must not disturb what it measures.
//!
//! In a pseudo-terminal, the real binary:
//! - idle, after start-up, for 10 s: its CPU use (target: under 1% of a core);
//! - running the same plan as `ipcscope run`, rounds alternating between the two: each
//!   method's median per child in the explorer against `run`'s (target: within 5%), and the
//!   CPU the explorer's UI thread used meanwhile.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use serde_json::Value;

const SETTINGS: [&str; 8] = [
    "-m",
    "inherit,argument,queue,pipe",
    "-s",
    "8MB",
    "-n",
    "100",
    "-w",
    "3",
];
const ROUNDS: usize = 3;

fn main() {
    let directory = std::env::temp_dir().join(format!("ipcscope-bench-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("a scratch directory");
    let mut explorer = Explorer::start(&SETTINGS, &directory);
    explorer.wait_for("Settings");
    std::thread::sleep(Duration::from_secs(1));
    let idle_start = (cpu_ticks(explorer.pid, None), Instant::now());
    std::thread::sleep(Duration::from_secs(10));
    let idle = share_of_a_core(
        cpu_ticks(explorer.pid, None) - idle_start.0,
        idle_start.1.elapsed(),
    );
    println!(
        "explorer idle: {:.2}% of a core over 10 s (target: under 1%)",
        idle * 100.0
    );

    let mut medians: Vec<(String, Vec<f64>, Vec<f64>)> = Vec::new();
    for round in 1..=ROUNDS {
        let ui_before = (cpu_ticks(explorer.pid, Some(explorer.pid)), Instant::now());
        explorer.press("r");
        explorer.wait_for(&format!("run {round} finished"));
        let ui = share_of_a_core(
            cpu_ticks(explorer.pid, Some(explorer.pid)) - ui_before.0,
            ui_before.1.elapsed(),
        );
        explorer.press("x");
        explorer.wait_for("wrote ");
        let exported = newest_json(&directory);
        let headless = run_headless();
        println!(
            "round {round}: the explorer's UI thread used {:.1}% of a core during the run",
            ui * 100.0
        );
        for (method, run_median) in method_medians(&headless) {
            let explorer_median = method_medians(&exported)
                .into_iter()
                .find(|(id, _)| *id == method)
                .map_or(f64::NAN, |(_, median)| median);
            match medians.iter_mut().find(|(id, _, _)| *id == method) {
                Some((_, runs, explores)) => {
                    runs.push(run_median);
                    explores.push(explorer_median);
                }
                None => medians.push((method, vec![run_median], vec![explorer_median])),
            }
        }
    }
    explorer.press("q");
    println!(
        "\n{:<10} {:>14} {:>14} {:>9}",
        "method", "run (median)", "explorer", "ratio"
    );
    for (method, runs, explores) in &medians {
        let (run, explore) = (mean(runs), mean(explores));
        println!(
            "{method:<10} {:>11.1} µs {:>11.1} µs {:>8.3}× (target: within 5%)",
            run / 1e3,
            explore / 1e3,
            explore / run
        );
    }
    let _ = std::fs::remove_dir_all(&directory);
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// `ipcscope run` with the same settings, as JSON.
fn run_headless() -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_ipcscope"))
        .arg("run")
        .args(SETTINGS)
        .args(["-f", "json"])
        .output()
        .expect("running ipcscope run");
    serde_json::from_slice(&output.stdout).expect("run's JSON")
}

fn method_medians(report: &Value) -> Vec<(String, f64)> {
    report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|result| {
            (
                result["method"].as_str().unwrap_or("").to_string(),
                result["per_child_ns"]["median"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect()
}

fn newest_json(directory: &Path) -> Value {
    let newest = std::fs::read_dir(directory)
        .expect("the scratch directory")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "json"))
        .max_by_key(|path| std::fs::metadata(path).and_then(|meta| meta.modified()).ok())
        .expect("an exported JSON file");
    let value = serde_json::from_slice(&std::fs::read(&newest).expect("the export")).expect("JSON");
    for extension in ["csv", "md"] {
        let _ = std::fs::remove_file(newest.with_extension(extension));
    }
    let _ = std::fs::remove_file(&newest);
    value
}

/// utime + stime of a process (`thread: None`) or of one of its threads, in clock ticks.
fn cpu_ticks(pid: u32, thread: Option<u32>) -> u64 {
    let path = match thread {
        Some(tid) => format!("/proc/{pid}/task/{tid}/stat"),
        None => format!("/proc/{pid}/stat"),
    };
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after_name
        .split_whitespace()
        .filter_map(|field| field.parse().ok())
        .collect();
    // After the name: state, then numbers from ppid on; utime and stime are fields 14 and 15.
    fields.get(10).copied().unwrap_or(0) + fields.get(11).copied().unwrap_or(0)
}

fn share_of_a_core(ticks: u64, over: Duration) -> f64 {
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    ticks as f64 / per_second / over.as_secs_f64()
}

struct Explorer {
    writer: Box<dyn Write + Send>,
    parser: vt100::Parser,
    raw: Arc<Mutex<Vec<u8>>>,
    pid: u32,
    _child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Explorer {
    fn start(args: &[&str], directory: &Path) -> Explorer {
        let (rows, columns) = (40, 120);
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols: columns,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_ipcscope"));
        command.args(args);
        command.cwd(directory);
        command.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(command).expect("starting the explorer");
        drop(pair.slave);
        let pid = child.process_id().expect("the explorer's pid");
        let parser = vt100::Parser::new(
            NonZeroU16::new(rows).expect("rows"),
            NonZeroU16::new(columns).expect("columns"),
            0,
        );
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pair.master.try_clone_reader().expect("reading the pty");
        let sink = Arc::clone(&raw);
        // Only collects the bytes: parsing them is left to `wait_for`, so that this harness
        // takes as little CPU as it can from the children being measured.
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(read @ 1..) = reader.read(&mut buffer) {
                sink.lock()
                    .expect("the output")
                    .extend_from_slice(&buffer[..read]);
            }
        });
        Explorer {
            writer: pair.master.take_writer().expect("writing to the pty"),
            parser,
            raw,
            pid,
            _child: child,
            _master: pair.master,
        }
    }

    fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("typing");
        self.writer.flush().expect("typing");
        std::thread::sleep(Duration::from_millis(150));
    }

    fn wait_for(&mut self, text: &str) {
        let start = Instant::now();
        loop {
            let arrived = std::mem::take(&mut *self.raw.lock().expect("the output"));
            self.parser.process(&arrived);
            if self.parser.screen().contents().contains(text) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(300),
                "the explorer never showed {text:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
