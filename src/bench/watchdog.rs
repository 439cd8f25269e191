//! Kills the current child when it overstays its time or the run is cancelled, so the parent
//! never blocks for good on a child that hangs, whatever call it is blocked in.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitid, Id, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

/// Why the watchdog killed a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KillCause {
    Timeout,
    Cancelled,
}

#[derive(Default)]
struct Watched {
    child: Option<(Pid, Instant)>,
    killed: Option<KillCause>,
    stop: bool,
}

struct Shared {
    watched: Mutex<Watched>,
    wake: Condvar,
    cancel: Arc<AtomicBool>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Watched> {
        self.watched
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub struct Watchdog {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// How often the watchdog looks at the cancel flag while a child runs.
const TICK: Duration = Duration::from_millis(20);

impl Watchdog {
    pub fn start(cancel: Arc<AtomicBool>) -> std::io::Result<Watchdog> {
        let shared = Arc::new(Shared {
            watched: Mutex::new(Watched::default()),
            wake: Condvar::new(),
            cancel,
        });
        let thread = std::thread::Builder::new()
            .name("ipcscope-watchdog".into())
            .spawn({
                let shared = Arc::clone(&shared);
                move || guard(&shared)
            })?;
        Ok(Watchdog {
            shared,
            thread: Some(thread),
        })
    }

    /// The run's cancel flag, which this watchdog obeys: for another watchdog of the same run.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.shared.cancel)
    }

    /// Starts watching `child`, which may live for `limit`.
    pub fn watch(&self, child: Pid, limit: Duration) {
        let mut watched = self.shared.lock();
        watched.child = Some((child, Instant::now() + limit));
        watched.killed = None;
    }

    /// Waits until `child` has exited (without reaping it), stops watching it, and says
    /// whether the watchdog killed it. The child stays a zombie until reaped, so its pid
    /// cannot be reused while the watchdog might still signal it.
    pub fn wait_exit(&self, child: Pid) -> Option<KillCause> {
        while peek_exit(child, WaitPidFlag::empty()) == Err(nix::errno::Errno::EINTR) {}
        let mut watched = self.shared.lock();
        watched.child = None;
        watched.killed.take()
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn guard(shared: &Shared) {
    let mut watched = shared.lock();
    while !watched.stop {
        if let Some((child, deadline)) = watched.child {
            let cause = if shared.cancel.load(Ordering::Relaxed) {
                Some(KillCause::Cancelled)
            } else if Instant::now() >= deadline {
                Some(KillCause::Timeout)
            } else {
                None
            };
            // A child that has already exited is not hung, however late the parent gets to
            // reaping it (a busy machine may stall the runner thread).
            if let Some(cause) = cause.filter(|_| watched.killed.is_none() && has_not_exited(child)) {
                // The child is unreaped while watched (see `wait_exit`), so this pid is ours.
                let _ = kill(child, Signal::SIGKILL);
                watched.killed = Some(cause);
            }
        }
        watched = shared
            .wake
            .wait_timeout(watched, TICK)
            .map_or_else(|poisoned| poisoned.into_inner().0, |(guard, _)| guard);
    }
}

/// Whether `child`, an unreaped child of this process, has not exited yet; it stays unreaped.
pub fn has_not_exited(child: Pid) -> bool {
    peek_exit(child, WaitPidFlag::WNOHANG) == Ok(false)
}

/// `waitid(WEXITED | WNOWAIT | flags)` on an unreaped child of ours, which stays unreaped:
/// whether it has exited (with `WNOHANG` it may not have; without, the call waits).
fn peek_exit(child: Pid, flags: WaitPidFlag) -> nix::Result<bool> {
    let status = waitid(
        Id::Pid(child),
        WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT | flags,
    )?;
    Ok(status != WaitStatus::StillAlive)
}
