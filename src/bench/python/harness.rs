//! Runs the harness: writes it to a private temporary file, starts python3 on it in a process
//! group of its own with the report pipe inherited, reads its lines, and, however the run ends
//! (done, cancelled, silent past its deadline, killed), leaves no process, no shared-memory
//! segment and no temporary file behind.

use std::fmt;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, killpg, Signal};
use nix::sys::wait::{waitid, Id, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use super::interpreter::Interpreter;
use super::protocol::{Line, PyChild, PyDone, PyHello};
use super::{PyExperiment, PyParams};
use crate::bench::kind::PayloadKind;

const HARNESS: &str = include_str!("../../../assets/python/harness.py");

/// The harness names its shared-memory segment this, followed by its pid.
const SHM_PREFIX: &str = "ipcscope-";
/// How often the cancel flag and the deadline are looked at while the harness is silent.
const TICK: Duration = Duration::from_millis(50);
/// Beyond the harness's own per-child timeout, how long a silent harness is waited for.
const GRACE: Duration = Duration::from_secs(10);
/// Pure Python builds a bytes payload at about 15 MB/s on a slow machine: allow 4 MB/s.
const BUILD_BYTES_PER_SECOND: u64 = 4_000_000;
/// How long a harness that is done, or was told to stop, may take to exit before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(3);
/// The end of the harness's stderr kept for error messages.
const STDERR_KEPT: usize = 4096;

/// How a harness run went, beyond its child lines.
#[derive(Clone, Debug, PartialEq)]
pub struct PyRunSummary {
    /// None only when the run was cancelled before the payload was built.
    pub hello: Option<PyHello>,
    /// None when the run was cancelled.
    pub done: Option<PyDone>,
    pub cancelled: bool,
    /// The harness's pid, which is also its process group's id.
    pub harness_pid: i32,
    /// Where the harness was written; removed by the time `run` returns.
    pub harness_file: PathBuf,
}

#[derive(Debug)]
pub enum PyError {
    /// `records` has no Python counterpart.
    UnsupportedPayload(PayloadKind),
    HarnessFile(io::Error),
    ReportPipe(Errno),
    Start {
        program: PathBuf,
        error: io::Error,
    },
    ReadReport(Errno),
    /// A line that is not what the harness writes.
    Protocol {
        line: String,
        error: String,
    },
    /// No line for longer than a child may take; the harness was killed.
    Silent {
        waited: Duration,
        after: String,
    },
    /// The harness ended without its done line.
    Ended {
        status: String,
        stderr: String,
    },
    Reap(io::Error),
}

impl fmt::Display for PyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PyError::UnsupportedPayload(kind) => write!(
                f,
                "the py-* methods take payload ints or bytes, not {}",
                kind.name()
            ),
            PyError::HarnessFile(error) => {
                write!(
                    f,
                    "could not write the Python harness to a temporary file: {error}"
                )
            }
            PyError::ReportPipe(errno) => {
                write!(f, "could not make the harness's report pipe: {}", errno.desc())
            }
            PyError::Start { program, error } => {
                write!(f, "could not start {}: {error}", program.display())
            }
            PyError::ReadReport(errno) => {
                write!(f, "could not read the harness's report pipe: {}", errno.desc())
            }
            PyError::Protocol { line, error } => {
                write!(
                    f,
                    "the Python harness wrote a line ipcscope does not understand ({error}): {line}"
                )
            }
            PyError::Silent { waited, after } => write!(
                f,
                "the Python harness said nothing for {:.1} s after {after} and was killed",
                waited.as_secs_f64()
            ),
            PyError::Ended { status, stderr } => {
                write!(f, "the Python harness ended early ({status})")?;
                match stderr.trim() {
                    "" => Ok(()),
                    stderr => write!(f, ":\n{stderr}"),
                }
            }
            PyError::Reap(error) => write!(f, "could not reap the Python harness: {error}"),
        }
    }
}

impl std::error::Error for PyError {}

/// Runs one experiment in a fresh harness, handing each child's line, warm-up ones included,
/// to `on_child` as it arrives. Setting `cancel` ends the harness and its children; the
/// summary then says `cancelled`.
pub fn run(
    interpreter: &Interpreter,
    params: &PyParams,
    cancel: &AtomicBool,
    mut on_child: impl FnMut(&PyChild),
) -> Result<PyRunSummary, PyError> {
    if !matches!(params.payload, PayloadKind::Ints | PayloadKind::Bytes) {
        return Err(PyError::UnsupportedPayload(params.payload));
    }
    let count = params.size / params.payload.element_bytes();
    let file = write_harness().map_err(PyError::HarnessFile)?;
    let (report, report_writer) = nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(PyError::ReportPipe)?;
    let mut command = Command::new(&interpreter.path);
    command
        .arg("-I")
        .arg(file.path())
        .args(harness_args(params, count, report_writer.as_raw_fd()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        // Its own group: one signal to the group ends the harness and every child it made.
        .process_group(0);
    let inherited = report_writer.as_raw_fd();
    // SAFETY: between fork and exec the closure makes one async-signal-safe call, fcntl on a
    // descriptor this process owns (it lives until after spawn returns), and allocates nothing.
    unsafe {
        command.pre_exec(move || match libc::fcntl(inherited, libc::F_SETFD, 0) {
            -1 => Err(io::Error::last_os_error()),
            _ => Ok(()),
        });
    }
    let mut child = command.spawn().map_err(|error| PyError::Start {
        program: interpreter.path.clone(),
        error,
    })?;
    drop(report_writer);
    let stderr = child.stderr.take().map(keep_tail);
    let harness_pid = child.id() as i32;
    let reading = read_lines(
        &report,
        Pid::from_raw(harness_pid),
        params,
        count,
        cancel,
        &mut on_child,
    );
    let reaped = end(&mut child, &reading.end);
    if params.experiment == PyExperiment::Shm {
        // The harness unlinks its segment on every exit it lives through; not on SIGKILL.
        let announced = reading.hello.as_ref().and_then(|hello| hello.shm_name.clone());
        let expected = format!("{SHM_PREFIX}{harness_pid}");
        for name in announced
            .into_iter()
            .filter(|name| name.starts_with(SHM_PREFIX))
            .chain([expected])
        {
            let _ = nix::sys::mman::shm_unlink(format!("/{name}").as_str());
        }
    }
    let stderr = stderr.and_then(|thread| thread.join().ok()).unwrap_or_default();
    let harness_file = file.path().to_path_buf();
    file.close().map_err(PyError::HarnessFile)?;
    let status = reaped.map_err(PyError::Reap)?;
    let summary = PyRunSummary {
        hello: reading.hello,
        done: reading.done,
        cancelled: matches!(reading.end, End::Cancelled),
        harness_pid,
        harness_file,
    };
    match reading.end {
        End::Done | End::Cancelled => Ok(summary),
        End::Closed => Err(PyError::Ended {
            status: status.to_string(),
            stderr,
        }),
        End::Failed(error) => Err(error),
    }
}

fn write_harness() -> io::Result<tempfile::NamedTempFile> {
    // Mode 0600 in the temporary directory; the spawn start method re-reads it in every child.
    let mut file = tempfile::Builder::new()
        .prefix("ipcscope-harness-")
        .suffix(".py")
        .tempfile()?;
    file.write_all(HARNESS.as_bytes())?;
    file.flush()?;
    Ok(file)
}

fn harness_args(params: &PyParams, count: u64, report_fd: RawFd) -> Vec<String> {
    let mut args = vec![
        "--report-fd".to_string(),
        report_fd.to_string(),
        "--experiment".into(),
        params.experiment.id().into(),
        "--payload".into(),
        params.payload.name().into(),
        "--count".into(),
        count.to_string(),
        "--warmup".into(),
        params.warmup.to_string(),
        "--repeats".into(),
        params.repeats.to_string(),
        "--verify".into(),
        params.verify.name().into(),
        "--timeout".into(),
        params.child_timeout.as_secs_f64().to_string(),
    ];
    if let Some((fault, child)) = params.fault {
        args.extend([
            "--fault".into(),
            fault.name().into(),
            "--fault-child".into(),
            child.to_string(),
        ]);
    }
    args
}

/// Reads the harness's stderr to its end on a thread of its own (so a chatty harness never
/// blocks on a full pipe), keeping the last `STDERR_KEPT` bytes.
fn keep_tail(mut stderr: ChildStderr) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(read @ 1..) = stderr.read(&mut chunk) {
            kept.extend_from_slice(&chunk[..read]);
            let excess = kept.len().saturating_sub(STDERR_KEPT);
            kept.drain(..excess);
        }
        String::from_utf8_lossy(&kept).into_owned()
    })
}

/// How the reading of the report pipe stopped.
enum End {
    /// The done line arrived.
    Done,
    Cancelled,
    /// The harness closed the pipe without its done line.
    Closed,
    Failed(PyError),
}

struct Reading {
    hello: Option<PyHello>,
    done: Option<PyDone>,
    end: End,
}

fn read_lines(
    report: &OwnedFd,
    harness: Pid,
    params: &PyParams,
    count: u64,
    cancel: &AtomicBool,
    on_child: &mut impl FnMut(&PyChild),
) -> Reading {
    let mut reading = Reading {
        hello: None,
        done: None,
        end: End::Closed,
    };
    let per_line = params.child_timeout + GRACE;
    let build = Duration::from_secs(count * params.payload.element_bytes() / BUILD_BYTES_PER_SECOND);
    let mut allowed = per_line + build;
    let mut last_line_at = Instant::now();
    let mut after = "its start".to_string();
    let mut pending = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    // A child of the harness may outlive it holding the pipe open, so its end is watched too.
    let mut harness_gone = false;
    reading.end = loop {
        if cancel.load(Ordering::Relaxed) {
            break End::Cancelled;
        }
        if last_line_at.elapsed() > allowed {
            break End::Failed(PyError::Silent {
                waited: last_line_at.elapsed(),
                after,
            });
        }
        let mut ready = [PollFd::new(report.as_fd(), PollFlags::POLLIN)];
        match poll(
            &mut ready,
            PollTimeout::try_from(TICK).unwrap_or(PollTimeout::MAX),
        ) {
            Ok(0) if harness_gone => break End::Closed,
            Ok(0) => {
                // One more look at the pipe after the harness is seen gone: its last line may
                // have come just before.
                harness_gone = !has_not_exited(harness);
                continue;
            }
            Err(Errno::EINTR) => continue,
            Ok(_) => {}
            Err(errno) => break End::Failed(PyError::ReadReport(errno)),
        }
        let read = match nix::unistd::read(report, &mut chunk) {
            Ok(0) => break End::Closed,
            Ok(read) => read,
            Err(Errno::EINTR) => continue,
            Err(errno) => break End::Failed(PyError::ReadReport(errno)),
        };
        pending.extend_from_slice(&chunk[..read]);
        let mut failed = None;
        while let Some(newline) = pending.iter().position(|&byte| byte == b'\n') {
            let line: Vec<u8> = pending.drain(..=newline).collect();
            let text = String::from_utf8_lossy(&line);
            match Line::parse(&text) {
                Ok(Line::Hello(hello)) => {
                    after = "its hello line".into();
                    reading.hello = Some(hello);
                }
                Ok(Line::Child(child)) => {
                    after = format!(
                        "{} child {}",
                        if child.warmup { "warm-up" } else { "counted" },
                        child.child
                    );
                    on_child(&child);
                }
                Ok(Line::Done(done)) => {
                    reading.done = Some(done);
                    break;
                }
                Err(error) => {
                    failed = Some(PyError::Protocol {
                        line: text.trim_end().to_string(),
                        error: error.to_string(),
                    });
                    break;
                }
            }
            last_line_at = Instant::now();
            allowed = per_line;
        }
        if let Some(error) = failed {
            break End::Failed(error);
        }
        if reading.done.is_some() {
            break End::Done;
        }
    };
    reading
}

/// Ends the harness as its reading ended, kills whatever is left of its process group, and
/// reaps it. A harness that is done or was cancelled gets `EXIT_GRACE` to exit by itself (on
/// SIGTERM it kills its child and unlinks its shared memory); one that went wrong is killed.
fn end(child: &mut Child, how: &End) -> io::Result<std::process::ExitStatus> {
    let pid = Pid::from_raw(child.id() as i32);
    let graceful = match how {
        End::Done | End::Closed => true,
        End::Cancelled => {
            let _ = kill(pid, Signal::SIGTERM);
            true
        }
        End::Failed(_) => false,
    };
    if !graceful || !exits_within(pid, EXIT_GRACE) {
        let _ = kill(pid, Signal::SIGKILL);
    }
    // The harness is not reaped yet, so its pid, the group's id, cannot have been reused.
    while !exits_within(pid, TICK) {}
    let _ = killpg(pid, Signal::SIGKILL);
    let status = child.wait()?;
    wait_group_gone(pid);
    Ok(status)
}

/// Waits (for `EXIT_GRACE` at most) until the killed members of process group `group` are
/// gone: SIGKILL is delivered asynchronously, and init reaps the orphans.
fn wait_group_gone(group: Pid) {
    let deadline = Instant::now() + EXIT_GRACE;
    while killpg(group, None).is_ok() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether `pid`, an unreaped child of ours, exits within `limit`; it stays unreaped.
fn exits_within(pid: Pid, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if !has_not_exited(pid) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn has_not_exited(pid: Pid) -> bool {
    let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT | WaitPidFlag::WNOHANG;
    matches!(waitid(Id::Pid(pid), flags), Ok(WaitStatus::StillAlive))
}
