//! `queue`: a POSIX message queue; the payload travels encoded, in messages no larger than
//! the queue's allowed message size.

use std::ffi::CString;
use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

use nix::errno::Errno;
use nix::mqueue::{mq_open, mq_receive, mq_unlink, MQ_OFlag, MqAttr, MqdT};
use nix::sys::stat::Mode;
use nix::unistd::Pid;

use super::stream::{decode_streamed, encode_streamed};
use super::{Delivery, Handover, Method, RunContext, SendError, TutorialPart};
use crate::bench::env::Environment;
use crate::bench::kind::Shape;
use crate::bench::payload::Payload;
use crate::bench::receipt::{ChildError, Received, Step};
use crate::bench::watchdog::has_not_exited;

pub struct Queue;

impl Method for Queue {
    fn id(&self) -> &'static str {
        "queue"
    }

    fn summary(&self) -> &'static str {
        "the parent encodes the payload into a POSIX message queue, message by message, while the child decodes"
    }

    fn teaching(&self) -> &'static str {
        include_str!("../../../assets/methods/queue.md")
    }

    fn tutorial(&self) -> Option<TutorialPart> {
        Some(TutorialPart::Queue)
    }

    fn delivery(&self) -> Delivery {
        Delivery::Streamed
    }

    fn check(&self, _shape: &Shape, env: &Environment) -> Result<(), String> {
        match env.mq_bytes_limit {
            Some(budget) if budget < QueueLimits::OVERHEAD + 8 => Err(format!(
                "RLIMIT_MSGQUEUE allows this user's queues {budget} bytes in all, too few for one message; raise it (ulimit -q)"
            )),
            _ => Ok(()),
        }
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        Ok(Box::new(QueueHandover {
            shape: run.shape,
            payload: run.payload,
            limits: QueueLimits::of(run.env),
            queue: None,
            message_size: 0,
            chunk: Vec::new(),
        }))
    }
}

/// The queue shape the machine allows: message size and depth within `msgsize_max`,
/// `msg_max` and the user's `RLIMIT_MSGQUEUE` byte budget.
#[derive(Clone, Copy, Debug)]
pub struct QueueLimits {
    pub message_size: u64,
    pub depth: u64,
    /// `RLIMIT_MSGQUEUE`, where it is finite.
    pub budget: Option<u64>,
}

impl QueueLimits {
    /// What the kernel charges per message besides its bytes: a `struct msg_msg` and a
    /// priority-tree node, 96 bytes on x86-64 (ipc/mqueue.c); rounded up to be safe.
    pub const OVERHEAD: u64 = 128;

    pub fn of(env: &Environment) -> QueueLimits {
        let budget = env.mq_bytes_limit.unwrap_or(u64::MAX);
        // A small budget shrinks the messages first, so that one at least fits.
        let message_size = env
            .mq_msgsize_max
            .min(budget.saturating_sub(Self::OVERHEAD))
            .max(8);
        let depth = env
            .mq_msg_max
            .min(budget / (message_size + Self::OVERHEAD))
            .max(1);
        QueueLimits {
            message_size,
            depth,
            budget: env.mq_bytes_limit,
        }
    }

    /// A new queue of messages of `message_size` bytes, `depth` deep, already unlinked:
    /// parent and child keep their descriptors, and nothing named is left behind whatever
    /// happens to either of them.
    pub fn open_unlinked(&self, message_size: u64) -> io::Result<OwnedQueue> {
        let attr = MqAttr::new(0, self.depth as _, message_size as _, 0);
        let name = unique_name()?;
        let queue = mq_open(
            name.as_c_str(),
            MQ_OFlag::O_CREAT | MQ_OFlag::O_EXCL | MQ_OFlag::O_RDWR | MQ_OFlag::O_CLOEXEC,
            Mode::S_IRUSR | Mode::S_IWUSR,
            Some(&attr),
        )
        .map(OwnedQueue)
        .map_err(|errno| self.open_error(message_size, errno))?;
        mq_unlink(name.as_c_str())?;
        Ok(queue)
    }

    /// Why `mq_open` refused a queue of this shape, in words.
    fn open_error(&self, message_size: u64, errno: Errno) -> io::Error {
        let why = match (errno, self.budget) {
            (Errno::EMFILE, Some(budget)) => format!(
                "this user's queues would hold more than RLIMIT_MSGQUEUE allows ({budget} bytes; other queues of the same user count too), or too many files are open"
            ),
            (Errno::ENOSPC, _) => {
                "the system's number of queues (/proc/sys/fs/mqueue/queues_max) is reached".into()
            }
            (errno, _) => errno.desc().into(),
        };
        io::Error::other(format!(
            "mq_open of a queue of {} messages of {message_size} bytes failed: {why}",
            self.depth
        ))
    }
}

/// An open queue descriptor, closed when dropped (nix's `MqdT` closes nothing by itself).
pub struct OwnedQueue(pub MqdT);

impl Drop for OwnedQueue {
    fn drop(&mut self) {
        // SAFETY: the descriptor is this value's own and is closed once, here.
        unsafe { libc::mq_close(self.0.as_raw_fd()) };
    }
}

struct QueueHandover<'a> {
    shape: Shape,
    payload: &'a Payload,
    limits: QueueLimits,
    /// The current child's queue; replacing or dropping it closes it.
    queue: Option<OwnedQueue>,
    message_size: usize,
    /// The parent's encoding buffer, one message long, reused child after child.
    chunk: Vec<u8>,
}

impl Handover for QueueHandover<'_> {
    fn before_fork(&mut self, _wire: &[u8]) -> io::Result<()> {
        self.queue = None;
        let message_size = (self.payload.bytes + 16).clamp(16, self.limits.message_size);
        self.queue = Some(self.limits.open_unlinked(message_size)?);
        self.message_size = message_size as usize;
        Ok(())
    }

    fn receive(&mut self, _wire: &[u8]) -> Result<Received<'_>, ChildError> {
        let Some(OwnedQueue(queue)) = &self.queue else {
            return Err(ChildError::ShortRead {
                got: 0,
                expected: self.payload.bytes,
            });
        };
        // Each message lands whole in the buffer it is given; an empty one ends the stream, and
        // is what must come once the payload is decoded.
        let receive = |buffer: &mut [u8]| loop {
            let mut priority = 0;
            match mq_receive(queue, buffer, &mut priority) {
                Err(Errno::EINTR) => {}
                other => return other.map_err(|errno| ChildError::io(Step::Receive, errno)),
            }
        };
        let decoded = decode_streamed(
            self.shape.payload,
            self.shape.codec,
            self.payload.bytes as usize,
            self.message_size,
            &mut |buffer| receive(buffer),
            &mut |buffer| receive(buffer),
        )?;
        Ok(Received::Decoded(decoded))
    }

    fn send(&mut self, _wire: &[u8], child: Pid) -> Result<(), SendError> {
        let Some(OwnedQueue(queue)) = &self.queue else {
            return Err(SendError::ChildGone);
        };
        let mut sink = |message: &[u8]| send_message(queue, message, child);
        encode_streamed(
            self.payload,
            self.shape.codec,
            self.message_size,
            &mut self.chunk,
            &mut sink,
        )?;
        send_message(queue, &[], child)
    }

    fn after_reap(&mut self) {
        self.queue = None;
    }
}

/// Sends one message, waiting while the queue is full; a queue stays full for good when its
/// reader died, so every 100 ms of waiting checks that the child still lives.
pub fn send_message(queue: &MqdT, message: &[u8], child: Pid) -> Result<(), SendError> {
    loop {
        let deadline = deadline_in(Duration::from_millis(100));
        // SAFETY: a valid queue descriptor, message buffer and timespec.
        let result = unsafe {
            libc::mq_timedsend(
                queue.as_raw_fd(),
                message.as_ptr().cast(),
                message.len(),
                0,
                &deadline,
            )
        };
        if result == 0 {
            return Ok(());
        }
        match Errno::last() {
            Errno::EINTR => {}
            Errno::ETIMEDOUT if has_not_exited(child) => {}
            Errno::ETIMEDOUT => return Err(SendError::ChildGone),
            errno => return Err(SendError::Io("mq_timedsend", errno)),
        }
    }
}

/// An absolute CLOCK_REALTIME time `after` from now, as mq_timedsend wants it.
pub fn deadline_in(after: Duration) -> libc::timespec {
    // CLOCK_REALTIME always exists; were it to fail, a deadline already past only makes the
    // send loop look again sooner.
    let now = nix::time::clock_gettime(nix::time::ClockId::CLOCK_REALTIME).map_or(
        libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        |now| *now.as_ref(),
    );
    let nanos = now.tv_nsec as u64 + u64::from(after.subsec_nanos());
    libc::timespec {
        tv_sec: now.tv_sec + after.as_secs() as libc::time_t + (nanos / 1_000_000_000) as libc::time_t,
        tv_nsec: (nanos % 1_000_000_000) as _,
    }
}

/// `/ipcscope-<pid>-<64 random bits>`: unique, and not guessable by another user.
fn unique_name() -> io::Result<CString> {
    let mut random = [0u8; 8];
    // SAFETY: a valid buffer of the given length.
    let filled = unsafe { libc::getrandom(random.as_mut_ptr().cast(), random.len(), 0) };
    if filled != random.len() as isize {
        return Err(io::Error::last_os_error());
    }
    CString::new(format!(
        "/ipcscope-{}-{:016x}",
        std::process::id(),
        u64::from_le_bytes(random)
    ))
    .map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_are_unique_and_say_whose_they_are() {
        let (first, second) = (unique_name().unwrap(), unique_name().unwrap());
        assert_ne!(first, second);
        let name = first.to_str().unwrap();
        let random = name
            .strip_prefix(&format!("/ipcscope-{}-", std::process::id()))
            .unwrap_or_else(|| panic!("{name}"));
        assert!(
            random.len() == 16 && random.chars().all(|c| c.is_ascii_hexdigit()),
            "{name}"
        );
    }

    #[test]
    fn a_small_queue_budget_shrinks_depth_then_messages() {
        let env = |budget| Environment {
            mq_msgsize_max: 8192,
            mq_msg_max: 10,
            mq_bytes_limit: budget,
            ..Environment::default()
        };
        let shape = |budget| {
            let limits = QueueLimits::of(&env(budget));
            (limits.message_size, limits.depth)
        };
        assert_eq!(shape(None), (8192, 10));
        assert_eq!(shape(Some(819_200)), (8192, 10));
        assert_eq!(shape(Some(20_000)), (8192, 2));
        assert_eq!(shape(Some(1_000)), (872, 1));
        for budget in [20_000, 1_000, 200] {
            let limits = QueueLimits::of(&env(Some(budget)));
            assert!(
                limits.depth * (limits.message_size + QueueLimits::OVERHEAD) <= budget,
                "{budget}"
            );
        }
    }
}
