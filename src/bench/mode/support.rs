//! Which methods each mode can carry out, and the bounds of the mode settings, which
//! `Plan::check_mode` enforces before anything runs (exit 2 on the command line).

use super::super::kind::Mode;
use super::super::method::{Delivery, Method};

/// The round-trip message when none is asked for: what lmbench's `lat_pipe` sends.
pub const DEFAULT_MESSAGE: u64 = 64;
/// The largest round-trip message: beyond it a round trip is a bulk transfer, which the
/// worker mode measures.
pub const MAX_MESSAGE: u64 = 4 << 20;
/// Children at once per CPU this process may use, at most.
pub const PARALLEL_PER_CPU: u32 = 4;

/// The lesson of the modes that keep a child alive: what `fork` gives, it gives only once.
pub const AT_FORK_ONLY: &str =
    "inheriting happens once, when the child is made: a worker that already exists must be sent its data";

/// The channel a living child and its parent pass messages through, both ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// Two pipes, one each way.
    Pipe,
    /// One Unix stream socket pair.
    Socket,
    /// Two POSIX message queues, one each way.
    Queue,
    /// Shared memory: a slot each way and a turn word the waiting side sleeps or spins on.
    Shm,
}

/// The link a method uses when its child lives on, if it has one.
pub fn link_of(method: &dyn Method) -> Option<LinkKind> {
    match method.id() {
        "pipe" => Some(LinkKind::Pipe),
        "socket" => Some(LinkKind::Socket),
        "queue" => Some(LinkKind::Queue),
        "shm" => Some(LinkKind::Shm),
        _ => None,
    }
}

/// Why `method` cannot run in `mode`, if it cannot.
pub fn refusal(method: &dyn Method, mode: Mode) -> Option<String> {
    if mode == Mode::Fresh || link_of(method).is_some() {
        return None;
    }
    if method.delivery() == Delivery::Inherited {
        return Some(AT_FORK_ONLY.into());
    }
    Some(format!(
        "a living child is handed data here through pipe, socket, queue or shm; {} is not built for one",
        method.id()
    ))
}

/// The most children at once this machine allows: a few per CPU this process may use.
pub fn max_parallel() -> u32 {
    let cpus = std::thread::available_parallelism().map_or(1, |cpus| cpus.get() as u32);
    cpus * PARALLEL_PER_CPU
}
