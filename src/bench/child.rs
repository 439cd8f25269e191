//! One child: the fork, the child's fork-safe path, its report back, and the reaping.
//!
//! Fork safety. The runner forks while other threads (the explorer's UI, the watchdog) run.
//! After `fork` only the forking thread exists in the child, and any lock another thread held
//! stays held forever. So the child's path touches no lock but the allocator's: glibc's malloc
//! takes every arena lock around `fork` in its own atfork handlers and releases them in both
//! processes, which makes allocating in the child safe. It never prints (stdout and stderr go
//! to /dev/null first thing), never touches a channel, the terminal, the environment or a
//! `Mutex`, reports through a pipe made before the fork, and leaves with `_exit` so that no
//! destructor, panic hook or terminal restore of the parent runs in it.

use std::fmt;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};

use nix::fcntl::OFlag;
use nix::unistd::{fork, ForkResult, Pid};
use serde::{Deserialize, Serialize};

use super::fault::{self, FaultKind};
use super::method::{Delivery, Handover, Method, SendError};
use super::payload::{decode, Decoded, Payload};
use super::plan::{Access, Codec, PayloadKind, Plan};
use super::result::{Phase, PhaseTimes, Sample, Usage};
use super::watchdog::{KillCause, Watchdog};

/// Set in a benchmark child right after the fork; the panic guard reads it.
static IN_CHILD: AtomicBool = AtomicBool::new(false);

/// Exit status of a child that verified its payload.
const EXIT_VERIFIED: i32 = 0;
/// Exit status of a child that reported why it failed.
const EXIT_REPORTED: i32 = 3;
/// Exit status of a child that panicked (set by the panic guard).
const EXIT_PANICKED: i32 = 4;
/// Exit status of a child whose parent was gone before it started.
const EXIT_ORPHANED: i32 = 5;

/// Makes a panic in a benchmark child end it at once with `EXIT_PANICKED`, saying nothing:
/// the parent's hooks (color-eyre's report, the explorer's terminal restore) must not run there.
/// Install it after every other panic hook, so that it runs first.
pub fn install_panic_guard() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if IN_CHILD.load(Ordering::Relaxed) {
            // SAFETY: _exit ends the process without running anything of the parent's.
            unsafe { libc::_exit(EXIT_PANICKED) };
        }
        previous(info);
    }));
}

/// Keeps the forking process lean; call first thing in `main`, before any thread starts.
/// glibc gives every thread that allocates an arena of its own: another mapping, with pages
/// touched, that each `fork` must copy and each child's exit must tear down. The explorer's
/// threads (input, signals, runner, watchdog) made its children about a third slower than
/// `run`'s at 1 MB; with one arena for all threads they cost the same.
pub fn keep_forks_lean() {
    // SAFETY: mallopt only sets an allocator parameter; no thread allocates concurrently yet.
    unsafe { libc::mallopt(libc::M_ARENA_MAX, 1) };
}

/// CLOCK_MONOTONIC in nanoseconds: parent and child share it, so the child times its phases.
pub fn now_ns() -> u64 {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid pointer to a timespec; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut time) };
    time.tv_sec as u64 * 1_000_000_000 + time.tv_nsec as u64
}

/// What a child got: the payload itself (inherited), or bytes to decode.
pub enum Received<'a> {
    /// The payload as `fork` left it in the child's memory.
    Payload(&'a Payload),
    /// The payload as `fork` left it, of which the child reads one word per page only.
    PagesOnly(&'a Payload),
    /// Wire bytes in the plan's codec.
    Wire(&'a [u8]),
    /// The payload, decoded while it arrived.
    Decoded(Decoded<'a>),
}

/// Why a child could not verify its payload; sent in its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChildError {
    ShortRead { got: u64, expected: u64 },
    Decode,
    Checksum,
    Io { step: Step, errno: i32 },
}

/// The step of a child's receipt that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    Read,
    Receive,
    Map,
    Exec,
    Attach,
}

impl ChildError {
    pub fn io(step: Step, errno: nix::Error) -> ChildError {
        ChildError::Io {
            step,
            errno: errno as i32,
        }
    }
}

impl fmt::Display for ChildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildError::ShortRead { got, expected } => {
                write!(f, "short read: got {got} of {expected} bytes")
            }
            ChildError::Decode => f.write_str("the received bytes did not decode"),
            ChildError::Checksum => f.write_str("checksum mismatch: the data differs from the parent's"),
            ChildError::Io {
                step: Step::Attach,
                errno,
            } if *errno == libc::EPERM => f.write_str(
                "Attach failed: not permitted to read the parent's memory (ptrace rules: Yama's kernel.yama.ptrace_scope, or a parent that is not dumpable)",
            ),
            ChildError::Io { step, errno } => {
                write!(f, "{step:?} failed: {}", nix::Error::from_raw(*errno).desc())
            }
        }
    }
}

/// What a child tells its parent: when each of its steps ended, and how it went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildReport {
    pub started: u64,
    pub received: u64,
    pub decoded: u64,
    pub accessed: u64,
    pub verified: u64,
    pub error: Option<ChildError>,
}

/// Every report travels as one frame of this many bytes: the child's pid (4 bytes, little
/// endian), then the bincode report, zero-padded. One write below PIPE_BUF, so frames never
/// split or interleave, and the parent can tell its current child's report from a stray one.
const REPORT_BYTES: usize = 128;

fn report_config() -> impl bincode::config::Config {
    bincode::config::standard().with_fixed_int_encoding()
}

/// What the child checks what it got against.
#[derive(Clone, Copy, Debug)]
pub struct Expectation {
    pub kind: PayloadKind,
    pub codec: Codec,
    pub access: Access,
    pub checksum: u64,
    pub sparse_checksum: u64,
}

impl Expectation {
    pub fn of(plan: &Plan, payload: &Payload) -> Expectation {
        Expectation {
            kind: plan.payload,
            codec: plan.codec,
            access: plan.access,
            checksum: payload.checksum,
            sparse_checksum: payload.sparse_checksum,
        }
    }
}

/// Decodes, accesses and verifies what a child received, stamping each step in `report`.
/// Shared by forked children, exec'd children and in-process methods.
pub fn verify(
    received: Result<Received<'_>, ChildError>,
    expect: &Expectation,
    report: &mut ChildReport,
) -> Result<(), ChildError> {
    let received = received?;
    report.received = now_ns();
    let sparse = matches!(received, Received::PagesOnly(_));
    let (decoded, expected) = match received {
        Received::Payload(payload) => (payload.view(), expect.checksum),
        Received::PagesOnly(payload) => (payload.view(), expect.sparse_checksum),
        Received::Decoded(decoded) => (decoded, expect.checksum),
        Received::Wire(wire) => (
            decode(expect.kind, expect.codec, wire).map_err(|_| ChildError::Decode)?,
            expect.checksum,
        ),
    };
    report.decoded = now_ns();
    if expect.access == Access::Write {
        // SAFETY: verify runs in a child (or, for methods without one, on memory that the
        // decoded value owns); nothing else reads these pages meanwhile.
        unsafe { decoded.touch_every_page() };
    }
    report.accessed = now_ns();
    let checksum = if sparse {
        decoded.sparse_checksum()
    } else {
        decoded.checksum()
    };
    drop::<Decoded<'_>>(decoded);
    if checksum != expected {
        return Err(ChildError::Checksum);
    }
    report.verified = now_ns();
    Ok(())
}

/// Writes the report to `fd` and ends the process: the last thing a child does.
pub fn report_and_exit(fd: RawFd, report: &ChildReport) -> ! {
    let mut frame = [0u8; REPORT_BYTES];
    // SAFETY: getpid is a plain syscall.
    let pid = unsafe { libc::getpid() };
    let (header, body) = frame.split_at_mut(4);
    header.copy_from_slice(&pid.to_le_bytes());
    if bincode::serde::encode_into_slice(report, body, report_config()).is_ok() {
        // SAFETY: writing from a stack buffer to a descriptor; the frame is smaller than
        // PIPE_BUF, so the write is atomic.
        unsafe { libc::write(fd, frame.as_ptr().cast(), REPORT_BYTES) };
    }
    let status = if report.error.is_none() {
        EXIT_VERIFIED
    } else {
        EXIT_REPORTED
    };
    // SAFETY: _exit ends the process without running the parent's destructors or hooks.
    unsafe { libc::_exit(status) }
}

/// Points stdin, stdout and stderr of this (child) process at `devnull`.
pub fn silence(devnull: RawFd) {
    for target in 0..3 {
        // SAFETY: dup2 onto the standard descriptors, which this process owns.
        unsafe { libc::dup2(devnull, target) };
    }
}

/// Everything a method run needs to run children, made once per method run.
pub struct Driver<'a> {
    pub method: &'a dyn Method,
    pub plan: &'a Plan,
    pub payload: &'a Payload,
    pub handover: Box<dyn Handover + 'a>,
    /// The bytes encoded once, for `Delivery::Once` methods.
    pub wire_once: &'a [u8],
    pub watchdog: &'a Watchdog,
    /// What the next child must fake, in fault-injection tests only (see `fault`).
    pub fault: Option<FaultKind>,
    expect: Expectation,
    reports: (OwnedFd, OwnedFd),
    devnull: OwnedFd,
    encoded: Vec<u8>,
    parent: Pid,
}

impl<'a> Driver<'a> {
    pub fn new(
        method: &'a dyn Method,
        plan: &'a Plan,
        payload: &'a Payload,
        mut handover: Box<dyn Handover + 'a>,
        wire_once: &'a [u8],
        watchdog: &'a Watchdog,
    ) -> nix::Result<Driver<'a>> {
        let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK)?;
        handover.set_report_fd(write.as_raw_fd());
        let devnull = nix::fcntl::open(
            "/dev/null",
            OFlag::O_RDWR | OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )?;
        Ok(Driver {
            method,
            plan,
            payload,
            handover,
            wire_once,
            watchdog,
            fault: None,
            expect: Expectation::of(plan, payload),
            reports: (read, write),
            devnull,
            encoded: Vec::new(),
            parent: nix::unistd::getpid(),
        })
    }

    /// Runs one child from start to reaping: a verified sample, or the reason it failed.
    pub fn run_child(&mut self) -> Result<Sample, String> {
        // The encoding buffer is reused child after child, so its pages are faulted in once.
        let mut encoded = std::mem::take(&mut self.encoded);
        let result = self.run_child_with(&mut encoded);
        self.encoded = encoded;
        result
    }

    fn run_child_with(&mut self, buffer: &mut Vec<u8>) -> Result<Sample, String> {
        let start = now_ns();
        let payload = self.payload;
        let wire: &[u8] = match self.method.delivery() {
            Delivery::Inherited | Delivery::Streamed => &[],
            Delivery::Once => self.wire_once,
            Delivery::PerChild => payload
                .encode(self.plan.codec, buffer)
                .map_err(|error| error.to_string())?,
        };
        let encoded = now_ns();
        if !self.method.forks() {
            return self.run_in_process(wire, start, encoded);
        }
        self.handover
            .before_fork(wire)
            .map_err(|error| format!("setting up the child's channel failed: {error}"))?;
        // SAFETY: the child runs only `child_path`, which is fork-safe (see the module docs).
        let child = match unsafe { fork() } {
            Ok(ForkResult::Child) => self.child_path(wire),
            Ok(ForkResult::Parent { child }) => child,
            Err(errno) => {
                self.handover.after_reap();
                return Err(if errno == nix::errno::Errno::EAGAIN {
                    "fork failed: the limit on processes is reached (RLIMIT_NPROC, kernel.pid_max or the cgroup's pids.max)".into()
                } else {
                    format!("fork failed: {}", errno.desc())
                });
            }
        };
        self.watchdog.watch(child, self.plan.child_timeout());
        let sent = self.handover.send(wire, child);
        let killed = self.watchdog.wait_exit(child);
        let reaped = reap(child);
        let reaped_at = now_ns();
        self.handover.after_reap();
        let report = self.read_report(child);
        match (killed, &sent) {
            (Some(KillCause::Cancelled), _) => return Err("cancelled".into()),
            // The parent's send failed on its own (not because the killed child stopped
            // reading): that, not the wait that followed, is the cause.
            (Some(KillCause::Timeout), Err(error)) if !matches!(error, SendError::ChildGone) => {
                return Err(format!(
                    "the parent's send failed ({error}); the child, left waiting, was killed at the timeout"
                ))
            }
            (Some(KillCause::Timeout), _) => {
                return Err(format!(
                    "timed out after {:?} and was killed",
                    self.plan.child_timeout()
                ))
            }
            (None, _) => {}
        }
        let (status, usage) = reaped?;
        let reaped = reaped_at;
        let report = judge(status, report, sent)?;
        Ok(Sample {
            total_ns: reaped.saturating_sub(start),
            phases: phases(&self.method.phases(self.plan), start, encoded, &report, reaped),
            usage,
        })
    }

    fn child_path(&mut self, wire: &[u8]) -> ! {
        IN_CHILD.store(true, Ordering::Relaxed);
        let started = now_ns();
        silence(self.devnull.as_raw_fd());
        // If the parent dies, so does this child: no orphan keeps running.
        // SAFETY: prctl and getppid are plain syscalls.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
        if nix::unistd::getppid() != self.parent {
            unsafe { libc::_exit(EXIT_ORPHANED) };
        }
        // A panic must never unwind out of here into the parent's code, which this process
        // holds a copy of: it ends the child, whether or not the panic guard is installed.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.receive_and_verify(wire, started)
        }));
        match outcome {
            Ok(report) => report_and_exit(self.reports.1.as_raw_fd(), &report),
            // SAFETY: _exit ends the process without running the parent's destructors or hooks.
            Err(_) => unsafe { libc::_exit(EXIT_PANICKED) },
        }
    }

    fn receive_and_verify(&mut self, wire: &[u8], started: u64) -> ChildReport {
        let mut report = ChildReport {
            started,
            ..ChildReport::default()
        };
        let (expect, fault) = (self.expect, self.fault);
        // Streamed methods have no wire bytes before the fork: the payload's size stands in.
        fault::before_receive(fault, wire.len().max(self.payload.bytes as usize));
        let received = self.handover.receive(wire);
        fault::after_receive(fault);
        let mut corrupted = Vec::new();
        let received = fault::tamper(fault, received, &mut corrupted);
        if let Err(error) = verify(received, &expect, &mut report) {
            report.error = Some(error);
        }
        report
    }

    fn run_in_process(&mut self, wire: &[u8], start: u64, encoded: u64) -> Result<Sample, String> {
        let mut report = ChildReport {
            started: encoded,
            ..ChildReport::default()
        };
        let expect = self.expect;
        // No child to reap: the kernel's accounting of this thread over the same steps.
        let before = thread_usage();
        let received = self.handover.receive(wire);
        verify(received, &expect, &mut report).map_err(|error| error.to_string())?;
        let usage = thread_usage().since(&before);
        // Nothing follows the verification: ending there keeps the phases adding up to the total.
        let done = report.verified;
        Ok(Sample {
            total_ns: done - start,
            phases: phases(&self.method.phases(self.plan), start, encoded, &report, done),
            usage,
        })
    }

    /// Reads every frame waiting in the report pipe and keeps `child`'s report: a frame of an
    /// earlier child (one that wrote its report and was then killed, say) is drained with it,
    /// never mistaken for this child's.
    fn read_report(&self, child: Pid) -> Option<ChildReport> {
        let mut report = None;
        let mut frame = [0u8; REPORT_BYTES];
        loop {
            match nix::unistd::read(&self.reports.0, &mut frame) {
                Ok(REPORT_BYTES) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                // Empty (EAGAIN), or a torn frame that no child writes.
                _ => return report,
            }
            let (header, body) = frame.split_at(4);
            if header == child.as_raw().to_le_bytes() {
                report = bincode::serde::decode_from_slice(body, report_config())
                    .ok()
                    .map(|(report, _)| report);
            }
        }
    }

    /// The report pipe's write end, for an exec'd child that must keep it open.
    pub fn report_fd(&self) -> RawFd {
        self.reports.1.as_raw_fd()
    }
}

/// Waits for the child to be reapable and reaps it, with the kernel's accounting.
fn reap(child: Pid) -> Result<(libc::c_int, Usage), String> {
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid out-parameter.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals; `child` is our own unreaped child.
        let result = unsafe { libc::wait4(child.as_raw(), &mut status, 0, &mut usage) };
        match nix::errno::Errno::result(result) {
            Ok(_) => return Ok((status, Usage::from(&usage))),
            Err(nix::errno::Errno::EINTR) => {}
            // Without its status the child's fate is unknown: never a sample.
            Err(errno) => return Err(format!("wait4 failed: {}", errno.desc())),
        }
    }
}

/// The calling thread's accounting so far (`RUSAGE_THREAD`).
fn thread_usage() -> Usage {
    // SAFETY: zeroed rusage is a valid out-parameter.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a local.
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    Usage::from(&usage)
}

impl From<&libc::rusage> for Usage {
    fn from(usage: &libc::rusage) -> Usage {
        let nanos = |time: libc::timeval| time.tv_sec as u64 * 1_000_000_000 + time.tv_usec as u64 * 1000;
        Usage {
            minor_faults: usage.ru_minflt as u64,
            major_faults: usage.ru_majflt as u64,
            voluntary_switches: usage.ru_nvcsw as u64,
            involuntary_switches: usage.ru_nivcsw as u64,
            user_ns: nanos(usage.ru_utime),
            system_ns: nanos(usage.ru_stime),
        }
    }
}

impl Usage {
    /// What was accounted between `earlier` and this reading of the same counters.
    fn since(&self, earlier: &Usage) -> Usage {
        Usage {
            minor_faults: self.minor_faults.saturating_sub(earlier.minor_faults),
            major_faults: self.major_faults.saturating_sub(earlier.major_faults),
            voluntary_switches: self.voluntary_switches.saturating_sub(earlier.voluntary_switches),
            involuntary_switches: self
                .involuntary_switches
                .saturating_sub(earlier.involuntary_switches),
            user_ns: self.user_ns.saturating_sub(earlier.user_ns),
            system_ns: self.system_ns.saturating_sub(earlier.system_ns),
        }
    }
}

/// Decides from the exit status, the report and the parent's send whether a child verified.
fn judge(
    status: libc::c_int,
    report: Option<ChildReport>,
    sent: Result<(), SendError>,
) -> Result<ChildReport, String> {
    if libc::WIFSIGNALED(status) {
        let signal = nix::sys::signal::Signal::try_from(libc::WTERMSIG(status)).map_or_else(
            |_| format!("signal {}", libc::WTERMSIG(status)),
            |signal| signal.as_str().to_string(),
        );
        return Err(format!("killed by {signal}"));
    }
    let code = libc::WEXITSTATUS(status);
    match (code, report) {
        (EXIT_VERIFIED, Some(report)) if report.error.is_none() => match sent {
            Ok(()) => Ok(report),
            Err(error) => Err(format!("the parent's send failed: {error}")),
        },
        (
            _,
            Some(ChildReport {
                error: Some(error), ..
            }),
        ) => Err(match sent {
            Ok(()) => error.to_string(),
            Err(send) => format!("{error}; the parent's send failed: {send}"),
        }),
        (EXIT_PANICKED, _) => Err("the child panicked".into()),
        (EXIT_ORPHANED, _) => Err("the child found its parent gone".into()),
        (code, _) => match sent {
            Err(error) => Err(format!(
                "exited with status {code}; the parent's send failed: {error}"
            )),
            Ok(()) => Err(format!("exited with status {code} without a report")),
        },
    }
}

/// Splits a child's time into its phases from the timestamps of both sides. A phase the
/// method lacks takes no time of its own: its clock runs on into the next present phase, so
/// the phases always add up to the total.
fn phases(present: &[Phase], start: u64, encoded: u64, report: &ChildReport, end: u64) -> PhaseTimes {
    // When each phase ends, in the order of `Phase::ALL`.
    let ends = [
        encoded,
        report.started,
        report.received,
        report.decoded,
        report.accessed,
        report.verified,
        end,
    ];
    let mut times = [None; 7];
    let mut from = start;
    for (phase, end) in Phase::ALL.into_iter().zip(ends) {
        if present.contains(&phase) {
            times[phase.index()] = Some(end.saturating_sub(from));
            from = end;
        }
    }
    times
}
