//! `cargo bench --bench modes`: ipcscope's living-child modes beside minimal Rust loops that do
//! only the essential work, interleaved round by round so that drift on a shared machine hits
//! both sides alike:
//!
//! - a 64 B round trip through two pipes, and through a socket pair, against a ping-pong loop;
//! - a worker handed 8 MB through a pipe (raw bytes), against a loop that streams 8 MB to a
//!   living child, which checksums them (the verification ipcscope's worker does too) and
//!   acknowledges with one byte.
//!
//! Each runs unpinned and with the whole process pinned to one CPU (children inherit it).
//! `cargo bench --bench modes -- --quick` runs fewer items (a smoke test, not a verdict).

use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use ipcscope::bench::kind::Mode;
use ipcscope::bench::method;
use ipcscope::bench::method::stream::raise_pipe_size;
use ipcscope::bench::payload::{checksum, Payload};
use ipcscope::bench::placement::pin_current_thread;
use ipcscope::bench::plan::{Codec, PayloadKind, Plan};
use ipcscope::bench::receipt::now_ns;
use ipcscope::bench::runner::run_plan;
use ipcscope::bench::stats::Summary;
use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
use nix::unistd::{fork, pipe, read, write, ForkResult};

const MB8: u64 = 8_000_000;

fn main() {
    ipcscope::bench::driver::keep_forks_lean();
    let quick = std::env::args().any(|arg| arg == "--quick");
    let (rounds, trips, handovers) = if quick { (2, 2_000, 5) } else { (5, 20_000, 40) };
    println!("ipcscope modes: {rounds} rounds, medians of each round's median, interleaved\n");
    println!(
        "{:<44} {:>12} {:>12} {:>8}",
        "contender", "minimal", "ipcscope", "ratio"
    );
    for pinned in [false, true] {
        if pinned && pin_current_thread(0).is_err() {
            println!("(cannot pin to CPU 0: the pinned rows are left out)");
            break;
        }
        let placement = if pinned { "same CPU" } else { "any CPU" };
        compare(
            &format!("roundtrip pipe 64 B, {placement}"),
            rounds,
            || minimal_round_trips(Channel::Pipes, 64, trips),
            || ours(Mode::Roundtrip, "pipe", 64, trips),
        );
        compare(
            &format!("roundtrip socket 64 B, {placement}"),
            rounds,
            || minimal_round_trips(Channel::Socket, 64, trips),
            || ours(Mode::Roundtrip, "socket", 64, trips),
        );
        compare(
            &format!("worker pipe 8 MB raw, {placement}"),
            rounds,
            || minimal_worker(MB8 as usize, handovers),
            || ours(Mode::Worker, "pipe", MB8, handovers),
        );
    }
}

fn compare(
    name: &str,
    rounds: usize,
    mut minimal: impl FnMut() -> Option<u64>,
    mut ours: impl FnMut() -> Option<u64>,
) {
    let (mut mins, mut own) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        mins.extend(minimal());
        own.extend(ours());
    }
    let median = |values: &[u64]| Summary::of(values).map(|summary| summary.median);
    match (median(&mins), median(&own)) {
        (Some(minimal), Some(ours)) => println!(
            "{name:<44} {:>9.2} µs {:>9.2} µs {:>7.3}×",
            minimal as f64 / 1e3,
            ours as f64 / 1e3,
            ours as f64 / minimal as f64
        ),
        _ => println!("{name:<44} failed"),
    }
}

/// The median item of one ipcscope method run in `mode`.
fn ours(mode: Mode, id: &str, bytes: u64, items: usize) -> Option<u64> {
    let plan = Plan {
        methods: vec![method::find(id)?],
        mode,
        payload: PayloadKind::Bytes,
        codec: Codec::Raw,
        size: if mode == Mode::Worker { bytes } else { 8 },
        message: bytes,
        repeats: items as u32,
        warmup: 2,
        ..Plan::default()
    };
    let results = run_plan(&plan, 0, &Arc::new(AtomicBool::new(false)), &mut |_| {});
    let result = results.first()?;
    if !result.failures.is_empty() {
        eprintln!("{id}: {:?}", result.failures.first());
        return None;
    }
    result.summary().map(|summary| summary.median)
}

#[derive(Clone, Copy)]
enum Channel {
    Pipes,
    Socket,
}

/// (parent's read, parent's write, child's read, child's write)
fn open(channel: Channel, wanted: usize) -> Option<(OwnedFd, OwnedFd, OwnedFd, OwnedFd)> {
    match channel {
        Channel::Pipes => {
            let (down_read, down_write) = pipe().ok()?;
            let (up_read, up_write) = pipe().ok()?;
            // As large as ipcscope makes its pipes for the message.
            let max = ipcscope::bench::env::Environment::read().pipe_max_size;
            raise_pipe_size(down_write.as_fd(), wanted, max);
            Some((up_read, down_write, down_read, up_write))
        }
        Channel::Socket => {
            let (parent, child) =
                socketpair(AddressFamily::Unix, SockType::Stream, None, SockFlag::empty()).ok()?;
            Some((parent.try_clone().ok()?, parent, child.try_clone().ok()?, child))
        }
    }
}

fn read_exact(fd: &OwnedFd, buffer: &mut [u8]) -> bool {
    let mut got = 0;
    while got < buffer.len() {
        match read(fd, &mut buffer[got..]) {
            Ok(0) | Err(_) => return false,
            Ok(bytes) => got += bytes,
        }
    }
    true
}

fn write_all(fd: &OwnedFd, mut bytes: &[u8]) -> bool {
    while !bytes.is_empty() {
        match write(fd.as_fd(), bytes) {
            Ok(written) => bytes = &bytes[written..],
            Err(_) => return false,
        }
    }
    true
}

/// A ping-pong loop: the median round trip of `trips` messages of `len` bytes.
fn minimal_round_trips(channel: Channel, len: usize, trips: usize) -> Option<u64> {
    let (parent_read, parent_write, child_read, child_write) = open(channel, len)?;
    // SAFETY: the child only reads, writes and `_exit`s.
    match unsafe { fork() }.ok()? {
        ForkResult::Child => {
            drop((parent_read, parent_write));
            let mut buffer = vec![0u8; len];
            while read_exact(&child_read, &mut buffer) && write_all(&child_write, &buffer) {}
            // SAFETY: ends the child without running the parent's destructors.
            unsafe { libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            drop((child_read, child_write));
            let message = vec![7u8; len];
            let mut echo = vec![0u8; len];
            let mut times = Vec::with_capacity(trips);
            for _ in 0..trips + 2 {
                let start = now_ns();
                if !(write_all(&parent_write, &message) && read_exact(&parent_read, &mut echo)) {
                    break;
                }
                times.push(now_ns() - start);
            }
            drop((parent_read, parent_write));
            let _ = nix::sys::wait::waitpid(child, None);
            Summary::of(&times[2.min(times.len())..]).map(|summary| summary.median)
        }
    }
}

/// A living child that reads `len` bytes, checksums them and acknowledges with one byte: the
/// median handover of `handovers`.
fn minimal_worker(len: usize, handovers: usize) -> Option<u64> {
    let payload = Payload::build(PayloadKind::Bytes, len as u64).ok()?;
    let bytes = payload.flat()?.to_vec();
    let (parent_read, parent_write, child_read, child_write) = open(Channel::Pipes, len)?;
    // SAFETY: the child only reads, checksums, writes and `_exit`s.
    match unsafe { fork() }.ok()? {
        ForkResult::Child => {
            drop((parent_read, parent_write));
            let mut buffer = vec![0u8; len];
            while read_exact(&child_read, &mut buffer) {
                let ack = [u8::from(checksum(&buffer) == payload.checksum)];
                if !write_all(&child_write, &ack) {
                    break;
                }
            }
            // SAFETY: ends the child without running the parent's destructors.
            unsafe { libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            drop((child_read, child_write));
            let mut ack = [0u8; 1];
            let mut times = Vec::with_capacity(handovers);
            for _ in 0..handovers + 2 {
                let start = now_ns();
                if !(write_all(&parent_write, &bytes) && read_exact(&parent_read, &mut ack)) || ack[0] != 1 {
                    break;
                }
                times.push(now_ns() - start);
            }
            drop((parent_read, parent_write));
            let _ = nix::sys::wait::waitpid(child, None);
            Summary::of(&times[2.min(times.len())..]).map(|summary| summary.median)
        }
    }
}
