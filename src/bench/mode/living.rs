//! A child that lives on: its fork (fork-safe, as in `driver`), its end, and what its fate
//! says about a message that did not get through.

use std::os::fd::OwnedFd;
use std::sync::Mutex;
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};

use super::super::driver::silence;
use super::super::memory;
use super::super::receipt::{exit_now, ChildError, EXIT_ORPHANED, EXIT_PANICKED, EXIT_REPORTED};
use super::super::result::Reason;
use super::super::watchdog::{has_not_exited, KillCause, Watchdog};
use super::link::LinkError;

/// Exit status of a living child whose link broke (its parent is gone, or ended it).
pub const EXIT_LINK_BROKEN: i32 = 6;

/// How long a child that broke its link gets to finish exiting (see `end`).
const DYING_GRACE: Duration = Duration::from_millis(50);

/// Held from opening a link until the parent has dropped the child's end of it: a child
/// forked by another lane meanwhile would inherit that end and keep the link open after its
/// own child died, so that the parent never saw the end of file.
pub static FORK_LOCK: Mutex<()> = Mutex::new(());

/// Forks a child that runs `body` and exits with the status it returns. In the parent,
/// `body` (and whatever it owns: the child's end of a link) is dropped at once.
pub fn fork_living(devnull: &OwnedFd, body: impl FnOnce() -> i32) -> Result<Pid, Reason> {
    let parent = nix::unistd::getpid();
    // SAFETY: the child runs only `body`, which is fork-safe: it allocates at most (see the
    // driver's module docs), touches no lock, prints nothing and ends with `_exit`.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            memory::enter_forked_child();
            silence(devnull);
            // If the parent dies, so does this child: no orphan keeps running.
            let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
            if nix::unistd::getppid() != parent {
                exit_now(EXIT_ORPHANED);
            }
            // A panic must never unwind into the parent's code: it ends the child.
            let status =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or(EXIT_PANICKED);
            exit_now(status)
        }
        Ok(ForkResult::Parent { child }) => Ok(child),
        Err(errno) => Err(Reason::Fork(errno as i32)),
    }
}

/// Ends `child` (killing it if it still runs), reaps it, and says why the message that
/// `trouble` broke did not get through: the child's own fate where it died or was killed by
/// the watchdog, `trouble` where the parent gave up on a child that still ran. `None` ends
/// a child that did nothing wrong.
pub fn end(child: Pid, watchdog: &Watchdog, limit: Duration, trouble: Option<Reason>) -> Option<Reason> {
    // A child whose end of the link closed is mostly dying already: its exit, not the closed
    // link, is the reason, so it gets a moment to finish dying before it counts as running.
    let grace = if trouble.is_some() {
        DYING_GRACE
    } else {
        Duration::ZERO
    };
    let deadline = std::time::Instant::now() + grace;
    let mut was_running = has_not_exited(child);
    while was_running && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
        was_running = has_not_exited(child);
    }
    if was_running {
        // Our unreaped child: the pid is ours until `waitpid` below.
        let _ = kill(child, Signal::SIGKILL);
    }
    let killed = watchdog.wait_exit(child);
    let status = loop {
        match waitpid(child, None) {
            Err(nix::errno::Errno::EINTR) => {}
            other => break other,
        }
    };
    let trouble = trouble?;
    Some(match (killed, was_running, status) {
        (Some(KillCause::Cancelled), _, _) => Reason::Cancelled,
        (Some(KillCause::Timeout), _, _) => Reason::Timeout { limit, send: None },
        (None, true, _) => trouble,
        (None, false, Ok(WaitStatus::Signaled(_, signal, _))) => Reason::Signal(signal as i32),
        (None, false, Ok(WaitStatus::Exited(_, EXIT_REPORTED))) => Reason::Child {
            error: ChildError::Checksum,
            send: None,
        },
        (None, false, Ok(WaitStatus::Exited(_, EXIT_PANICKED))) => Reason::Panicked,
        (None, false, Ok(WaitStatus::Exited(_, EXIT_ORPHANED))) => Reason::Orphaned,
        (None, false, Ok(WaitStatus::Exited(_, status))) => Reason::Exit {
            status,
            send: Some(trouble.to_string()),
        },
        (None, false, Ok(_)) => Reason::Wait(libc::ECHILD),
        (None, false, Err(errno)) => Reason::Wait(errno as i32),
    })
}

impl From<LinkError> for Reason {
    fn from(error: LinkError) -> Reason {
        Reason::Send(error.to_string())
    }
}
