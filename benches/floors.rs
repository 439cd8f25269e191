//! `cargo bench --bench floors`: ipcscope's paths beside minimal loops that do only the
//! essential work, in one run, interleaved round by round so that drift on a shared machine
//! hits both sides alike. Prints each ratio beside its target and the comparison
//! with the tutorial's Python code when python3 is there.
//!
//! `cargo bench --bench floors -- --quick` runs fewer children (a smoke test, not a verdict).

use std::os::fd::AsFd;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use ipcscope::bench::method;
use ipcscope::bench::payload::{checksum, Payload};
use ipcscope::bench::plan::{Access, Codec, PayloadKind, Plan};
use ipcscope::bench::receipt::now_ns;
use ipcscope::bench::runner::run_plan;
use ipcscope::bench::stats::Summary;

const MB8: u64 = 8_000_000;
const MIB64: u64 = 64 << 20;

fn main() {
    // The process set up as `ipcscope` sets itself up, so that its forks cost the same.
    ipcscope::bench::driver::keep_forks_lean();
    let quick = std::env::args().any(|arg| arg == "--quick");
    let (rounds, per_round) = if quick { (2, 5) } else { (5, 40) };
    println!("ipcscope floors: {rounds} rounds × {per_round} children per contender, medians per child\n");
    let mut rows = Vec::new();

    // Each contender builds its own payload and frees it after: a fork copies the page tables
    // of everything the process has touched, so a payload kept alive for one side would make
    // the other side's forks dearer.
    let minimal = |loop_: fn(&Payload, usize) -> Option<u64>| {
        move || {
            loop_(
                &Payload::build(PayloadKind::Bytes, MB8).expect("payload"),
                per_round,
            )
        }
    };

    // 1. The fork baseline against a loop that only forks, touches each page, exits and waits.
    rows.push(compare(
        "fork baseline vs minimal fork loop, 8 MB",
        rounds,
        || ours("fork", PayloadKind::Bytes, Codec::Raw, MB8, per_round),
        minimal(minimal_fork),
        1.15,
    ));

    // 2. pipe, raw bytes, against a loop that writes the bytes into a raised pipe.
    rows.push(compare(
        "pipe raw bytes vs minimal pipe loop, 8 MB",
        rounds,
        || ours("pipe", PayloadKind::Bytes, Codec::Raw, MB8, per_round),
        minimal(minimal_pipe),
        1.2,
    ));

    // 3. shm and inherit at 64 MiB against the fork floor plus the child's verification.
    let big = Payload::build(PayloadKind::Ints, MIB64).expect("payload");
    let verify_alone = median_of((0..per_round).map(|_| {
        let start = now_ns();
        std::hint::black_box(checksum(big.flat().unwrap_or_default()));
        now_ns() - start
    }));
    drop(big);
    for id in ["shm", "inherit"] {
        rows.push(compare(
            &format!("{id} vs fork floor + verify, 64 MiB"),
            rounds,
            || ours(id, PayloadKind::Ints, Codec::Raw, MIB64, per_round / 2),
            || {
                ours("fork", PayloadKind::Ints, Codec::Raw, MIB64, per_round / 2)
                    .map(|fork| fork + verify_alone)
            },
            1.5,
        ));
    }

    // 4. bincode over a pipe against raw over a pipe, 1,000,000 integers.
    for codec in [Codec::Bincode, Codec::BincodeFixed] {
        rows.push(compare(
            &format!("pipe ints {} vs raw, 8 MB", codec.name()),
            rounds,
            || ours("pipe", PayloadKind::Ints, codec, MB8, per_round),
            || ours("pipe", PayloadKind::Ints, Codec::Raw, MB8, per_round),
            2.0,
        ));
    }

    println!(
        "{:<46} {:>10} {:>10} {:>8} {:>8}",
        "comparison", "ipcscope", "floor", "ratio", "target"
    );
    for row in &rows {
        println!("{row}");
    }
    python_comparison(if quick { 5 } else { 50 });
}

/// One comparison's outcome.
struct Row {
    name: String,
    ours: Option<u64>,
    floor: Option<u64>,
    target: f64,
}

impl std::fmt::Display for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms =
            |nanos: Option<u64>| nanos.map_or("n/a".to_string(), |n| format!("{:.3} ms", n as f64 / 1e6));
        match (self.ours, self.floor) {
            (Some(ours), Some(floor)) if floor > 0 => {
                let ratio = ours as f64 / floor as f64;
                let verdict = if ratio <= self.target { "ok" } else { "OVER" };
                write!(
                    f,
                    "{:<46} {:>10} {:>10} {:>7.2}× {:>7.2}× {verdict}",
                    self.name,
                    ms(self.ours),
                    ms(self.floor),
                    ratio,
                    self.target
                )
            }
            _ => write!(
                f,
                "{:<46} {:>10} {:>10}   (method missing or failed)",
                self.name,
                ms(self.ours),
                ms(self.floor)
            ),
        }
    }
}

/// Runs both contenders `rounds` times, alternating, and compares the medians of their
/// per-round medians.
fn compare(
    name: &str,
    rounds: usize,
    mut ours: impl FnMut() -> Option<u64>,
    mut floor: impl FnMut() -> Option<u64>,
    target: f64,
) -> Row {
    let (mut ours_rounds, mut floor_rounds) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours_rounds.extend(ours());
        floor_rounds.extend(floor());
    }
    Row {
        name: name.to_string(),
        ours: Summary::of(&ours_rounds).map(|s| s.median),
        floor: Summary::of(&floor_rounds).map(|s| s.median),
        target,
    }
}

fn median_of(samples: impl Iterator<Item = u64>) -> u64 {
    Summary::of(&samples.collect::<Vec<_>>()).map_or(0, |s| s.median)
}

/// The median per child of one ipcscope method, through the same runner `ipcscope run` uses.
fn ours(id: &str, payload: PayloadKind, codec: Codec, size: u64, repeats: usize) -> Option<u64> {
    let plan = Plan {
        methods: vec![method::find(id)?],
        payload,
        size,
        codec,
        access: Access::Read,
        repeats: repeats.max(1) as u32,
        warmup: 2,
        timeout: None,
        ..Plan::default()
    };
    let results = run_plan(&plan, 0, &Arc::new(AtomicBool::new(false)), &mut |_| {});
    let result = results.first()?;
    if !result.failures.is_empty() {
        eprintln!(
            "{id}: {} children failed: {:?}",
            result.failures.len(),
            result.failures.first()
        );
    }
    result.summary().map(|s| s.median)
}

/// fork; the child reads one byte per page of the payload and `_exit`s; the parent waits.
fn minimal_fork(payload: &Payload, children: usize) -> Option<u64> {
    let bytes = payload.flat()?;
    let times = (0..children).map(|_| {
        let start = now_ns();
        // SAFETY: the child only reads memory and calls _exit.
        match unsafe { libc::fork() } {
            0 => {
                let touched = bytes
                    .iter()
                    .step_by(4096)
                    .fold(0u8, |sum, &b| sum.wrapping_add(b));
                ipcscope::bench::receipt::exit_now(i32::from(std::hint::black_box(touched) == 1))
            }
            pid => wait(pid),
        }
        now_ns() - start
    });
    Some(median_of(times))
}

/// A pipe raised to pipe-max-size; the child reads every byte into a buffer of its own.
fn minimal_pipe(payload: &Payload, children: usize) -> Option<u64> {
    let bytes = payload.flat()?;
    let max: i32 = std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let times = (0..children).map(|_| {
        let start = now_ns();
        let (read, write) = nix::unistd::pipe().expect("pipe");
        let _ = nix::fcntl::fcntl(write.as_fd(), nix::fcntl::FcntlArg::F_SETPIPE_SZ(max));
        // SAFETY: the child reads from a pipe into its own buffer and calls _exit.
        match unsafe { libc::fork() } {
            0 => {
                drop(write);
                let mut buffer = vec![0u8; bytes.len()];
                let mut got = 0;
                while got < buffer.len() {
                    match nix::unistd::read(&read, &mut buffer[got..]) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got += n,
                    }
                }
                ipcscope::bench::receipt::exit_now(i32::from(got != buffer.len()))
            }
            pid => {
                drop(read);
                let mut sent = 0;
                while sent < bytes.len() {
                    match nix::unistd::write(&write, &bytes[sent..]) {
                        Ok(n) => sent += n,
                        Err(_) => break,
                    }
                }
                drop(write);
                wait(pid);
            }
        }
        now_ns() - start
    });
    Some(median_of(times))
}

fn wait(pid: libc::pid_t) {
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "a minimal child failed"
    );
}

/// The tutorial's Python code on this machine, beside `ipcscope run --preset seed`'s numbers.
fn python_comparison(children: usize) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/tutorial.py");
    let Ok(output) = Command::new("python3")
        .arg(script)
        .arg("-n")
        .arg(children.to_string())
        .output()
    else {
        println!("\npython3 not found: no comparison with the tutorial's Python code");
        return;
    };
    let python = String::from_utf8_lossy(&output.stdout);
    println!("\nThe tutorial's experiment, 1,000,000 integers per child (ipcscope: --preset seed, {children} children):");
    println!(
        "{:<10} {:>12} {:>12} {:>10}",
        "method", "Python", "ipcscope", "speed-up"
    );
    for line in python.lines() {
        let mut words = line.split_whitespace();
        let (Some(id), Some(ms)) = (words.next(), words.next().and_then(|w| w.parse::<f64>().ok())) else {
            continue;
        };
        let codec = Codec::Bincode;
        let Some(ours) = ours(id, PayloadKind::Ints, codec, MB8, children) else {
            continue;
        };
        let ours_ms = ours as f64 / 1e6;
        println!("{id:<10} {ms:>9.2} ms {ours_ms:>9.3} ms {:>9.1}×", ms / ours_ms);
    }
}
