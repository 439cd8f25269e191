//! One child: the fork, the child's fork-safe path, its report back, and the reaping.
//!
//! Fork safety. The runner forks while other threads (the explorer's UI, the watchdog) run.
//! After `fork` only the forking thread exists in the child, and any lock another thread held
//! stays held forever. So the child's path touches no lock but the allocator's: glibc's malloc
//! takes every arena lock around `fork` in its own atfork handlers and releases them in both
//! processes (musl's does the same for its one lock), which makes allocating in the child safe. It never prints (stdout and stderr go
//! to /dev/null first thing), never touches a channel, the terminal, the environment or a
//! `Mutex`, reports through a pipe made before the fork, and leaves with `_exit` so that no
//! destructor, panic hook or terminal restore of the parent runs in it.

use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::resource::{getrusage, UsageWho};
use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use nix::unistd::{fork, ForkResult, Pid};

use super::fault::{self, FaultKind};
use super::kind::Phase;
use super::memory;
use super::method::{Delivery, Handover, Method, SendError};
use super::payload::Payload;
use super::plan::Plan;
use super::receipt::{
    exit_now, now_ns, report_and_exit, verify, ChildReport, Expectation, EXIT_ORPHANED, EXIT_PANICKED,
    EXIT_VERIFIED, REPORT_BYTES,
};
use super::result::{PhaseTimes, Reason, Sample, Usage};
use super::watchdog::{KillCause, Watchdog};

// Between `fork` and `_exit` a child allocates (receive buffers, decoded copies): that is safe
// only where the C library makes malloc fork-safe by resetting its locks in the child, as
// glibc and musl do. Elsewhere a child could deadlock on a lock another thread held.
#[cfg(not(all(target_os = "linux", any(target_env = "gnu", target_env = "musl"))))]
compile_error!("ipcscope forks children that allocate, which is safe only with glibc's or musl's fork-safe malloc on Linux");

/// Makes a panic in a benchmark child end it at once with `EXIT_PANICKED`, saying nothing:
/// the parent's hooks (color-eyre's report, the explorer's terminal restore) must not run there.
/// Install it after every other panic hook, so that it runs first.
pub fn install_panic_guard() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if memory::in_forked_child() {
            // _exit ends the process without running anything of the parent's.
            exit_now(EXIT_PANICKED);
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
    // musl's malloc has no per-thread arenas to limit.
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets an allocator parameter; no thread allocates concurrently yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1)
    };
}

/// Points stdin, stdout and stderr of this (child) process at `devnull`.
pub(crate) fn silence(devnull: &OwnedFd) {
    // A failure leaves that descriptor as it was; the child prints nothing anyway.
    let _ = nix::unistd::dup2_stdin(devnull);
    let _ = nix::unistd::dup2_stdout(devnull);
    let _ = nix::unistd::dup2_stderr(devnull);
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
    /// What the next child must fake, in fault-injection tests only: the one place where a
    /// fault enters (see `fault`).
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
            expect: Expectation::of(plan.shape(), payload),
            reports: (read, write),
            devnull,
            encoded: Vec::new(),
            parent: nix::unistd::getpid(),
        })
    }

    /// Runs one child from start to reaping: a verified sample, or the reason it failed.
    pub fn run_child(&mut self) -> Result<Sample, Reason> {
        // The encoding buffer is reused child after child, so its pages are faulted in once.
        let mut encoded = std::mem::take(&mut self.encoded);
        let result = self.run_child_with(&mut encoded);
        self.encoded = encoded;
        match (result, self.fault) {
            // A test must never pass without the fault it asked for.
            (Ok(_), Some(_)) => Err(Reason::FaultMissed),
            (result, _) => result,
        }
    }

    fn run_child_with(&mut self, buffer: &mut Vec<u8>) -> Result<Sample, Reason> {
        let start = now_ns();
        let payload = self.payload;
        let wire: &[u8] = match self.method.delivery() {
            Delivery::Inherited | Delivery::Streamed => &[],
            Delivery::Once => self.wire_once,
            Delivery::PerChild => payload.encode(self.plan.codec, buffer).map_err(Reason::Encode)?,
        };
        let encoded = now_ns();
        if !self.method.forks() {
            return self.run_in_process(wire, start, encoded);
        }
        self.handover
            .before_fork(wire)
            .map_err(|error| Reason::Setup(format!("setting up the child's channel failed: {error}")))?;
        // SAFETY: the child runs only `child_path`, which is fork-safe (see the module docs).
        let child = match unsafe { fork() } {
            Ok(ForkResult::Child) => self.child_path(wire),
            Ok(ForkResult::Parent { child }) => child,
            Err(errno) => {
                self.handover.after_reap();
                return Err(Reason::Fork(errno as i32));
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
            (Some(KillCause::Cancelled), _) => return Err(Reason::Cancelled),
            // The parent's send failed on its own (not because the killed child stopped
            // reading): that, not the wait that followed, is the cause.
            (Some(KillCause::Timeout), Err(error)) if !matches!(error, SendError::ChildGone) => {
                return Err(Reason::Timeout {
                    limit: self.plan.child_timeout(),
                    send: Some(error.to_string()),
                })
            }
            (Some(KillCause::Timeout), _) => {
                return Err(Reason::Timeout {
                    limit: self.plan.child_timeout(),
                    send: None,
                })
            }
            (None, _) => {}
        }
        let (status, usage) = reaped?;
        let report = judge(status, report, sent)?;
        Ok(Sample {
            total_ns: reaped_at.saturating_sub(start),
            phases: phases(
                &self.method.phases(&self.plan.shape()),
                start,
                encoded,
                &report,
                reaped_at,
            ),
            usage,
        })
    }

    fn child_path(&mut self, wire: &[u8]) -> ! {
        memory::enter_forked_child();
        let started = now_ns();
        silence(&self.devnull);
        // If the parent dies, so does this child: no orphan keeps running.
        let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
        if nix::unistd::getppid() != self.parent {
            exit_now(EXIT_ORPHANED);
        }
        // A panic must never unwind out of here into the parent's code, which this process
        // holds a copy of: it ends the child, whether or not the panic guard is installed.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.receive_and_verify(wire, started)
        }));
        match outcome {
            Ok(report) => report_and_exit(self.reports.1.as_fd(), &report),
            Err(_) => exit_now(EXIT_PANICKED),
        }
    }

    fn receive_and_verify(&mut self, wire: &[u8], started: u64) -> ChildReport {
        let mut report = ChildReport {
            started,
            ..ChildReport::default()
        };
        let expect = self.expect;
        fault::before_receive(self.fault);
        let mut corrupted = Vec::new();
        let received = fault::tamper(self.fault, self.handover.receive(wire), &mut corrupted);
        if let Err(error) = verify(received, &expect, &mut report) {
            report.error = Some(error);
        }
        report
    }

    fn run_in_process(&mut self, wire: &[u8], start: u64, encoded: u64) -> Result<Sample, Reason> {
        let mut report = ChildReport {
            started: encoded,
            ..ChildReport::default()
        };
        let expect = self.expect;
        // No child to reap: the kernel's accounting of this thread over the same steps.
        let before = thread_usage();
        let received = self.handover.receive(wire);
        verify(received, &expect, &mut report).map_err(|error| Reason::Child { error, send: None })?;
        let usage = thread_usage().since(&before);
        // Nothing follows the verification: ending there keeps the phases adding up to the total.
        let done = report.verified;
        Ok(Sample {
            total_ns: done - start,
            phases: phases(
                &self.method.phases(&self.plan.shape()),
                start,
                encoded,
                &report,
                done,
            ),
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
                Err(Errno::EINTR) => continue,
                // Empty (EAGAIN), or a torn frame that no child writes.
                _ => return report,
            }
            report = ChildReport::decode(&frame, child.as_raw()).or(report);
        }
    }

    /// The report pipe's write end, for an exec'd child that must keep it open.
    pub fn report_fd(&self) -> RawFd {
        self.reports.1.as_raw_fd()
    }
}

/// Waits for the child to be reapable and reaps it, with the kernel's accounting.
fn reap(child: Pid) -> Result<(WaitStatus, Usage), Reason> {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // nix has no wait4, whose accounting of the reaped child is what a sample records.
        // SAFETY: valid pointers to locals; `child` is our own unreaped child.
        let result = unsafe { libc::wait4(child.as_raw(), &mut status, 0, &mut usage) };
        match Errno::result(result) {
            Ok(_) => {
                let status =
                    WaitStatus::from_raw(child, status).map_err(|errno| Reason::Wait(errno as i32))?;
                return Ok((status, Usage::from(&usage)));
            }
            Err(Errno::EINTR) => {}
            // Without its status the child's fate is unknown: never a sample.
            Err(errno) => return Err(Reason::Wait(errno as i32)),
        }
    }
}

/// The calling thread's accounting so far (`RUSAGE_THREAD`).
fn thread_usage() -> Usage {
    getrusage(UsageWho::RUSAGE_THREAD).map_or_else(|_| Usage::default(), |usage| Usage::from(usage.as_ref()))
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
    status: WaitStatus,
    report: Option<ChildReport>,
    sent: Result<(), SendError>,
) -> Result<ChildReport, Reason> {
    let send = sent.as_ref().err().map(ToString::to_string);
    let code = match status {
        WaitStatus::Signaled(_, signal, _) => return Err(Reason::Signal(signal as i32)),
        WaitStatus::Exited(_, code) => code,
        // wait4 without WUNTRACED or WCONTINUED reports only exits and deaths.
        _ => return Err(Reason::Wait(libc::ECHILD)),
    };
    match (code, report) {
        (EXIT_VERIFIED, Some(report)) if report.error.is_none() => match send {
            None => Ok(report),
            Some(send) => Err(Reason::Send(send)),
        },
        (
            _,
            Some(ChildReport {
                error: Some(error), ..
            }),
        ) => Err(Reason::Child { error, send }),
        (EXIT_PANICKED, _) => Err(Reason::Panicked),
        (EXIT_ORPHANED, _) => Err(Reason::Orphaned),
        (status, _) => Err(Reason::Exit { status, send }),
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
    let mut times = [None; Phase::ALL.len()];
    let mut from = start;
    for (phase, end) in Phase::ALL.into_iter().zip(ends) {
        if present.contains(&phase) {
            times[phase.index()] = Some(end.saturating_sub(from));
            from = end;
        }
    }
    times
}
