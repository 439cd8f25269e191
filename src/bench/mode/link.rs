//! A channel both ways between a parent and a child that lives on: what the worker and the
//! round-trip modes pass messages through. Both sides know every message's length in advance
//! (the same payload, the same message, a report-sized ack), so nothing is framed.
//!
//! A parent that waits must notice a child that died: streams see their end of file (the
//! parent holds none of the child's ends), queues and shared memory wait in slices of
//! `PEER_CHECK` and look whether the child still lives. A child never needs to: if its parent
//! dies, `PR_SET_PDEATHSIG` kills it.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, FromRawFd, IntoRawFd, OwnedFd};
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::mqueue::{mq_receive, mq_send, mq_timedreceive};
use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
use nix::sys::time::TimeSpec;
use nix::unistd::Pid;

use super::super::env::Environment;
use super::super::kind::Wake;
use super::super::memory::{futex_wait, futex_wake, SharedPages};
use super::super::method::queue::{deadline_in, send_message, OwnedQueue, QueueLimits};
use super::super::method::stream::{raise_pipe_size, read_exact, write_all};
use super::super::method::SendError;
use super::super::receipt::ChildError;
use super::super::watchdog::has_not_exited;
use super::support::LinkKind;

/// How long a waiting parent goes between looks at whether its child still lives.
const PEER_CHECK: Duration = Duration::from_millis(100);
/// Spins between looks at whether the child still lives, for a spinning parent.
const SPINS_PER_CHECK: u32 = 1 << 16;

/// Why a message did not get through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// The other side is gone: end of file, a broken pipe, or a child that exited.
    PeerGone,
    Io(&'static str, Errno),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::PeerGone => f.write_str("the other side went away mid-message"),
            LinkError::Io(step, errno) => write!(f, "{step} failed: {}", errno.desc()),
        }
    }
}

/// One side of a link: where its messages arrive and where it sends.
pub struct End {
    pub rx: Rx,
    pub tx: Tx,
}

/// Where messages arrive.
pub enum Rx {
    Stream { fd: OwnedFd, buffer: Vec<u8> },
    Queue(QueueEnd),
    Shared(Slot),
}

/// Where messages go.
pub enum Tx {
    Stream(OwnedFd),
    Queue(QueueEnd),
    Shared(Slot),
}

pub struct QueueEnd {
    queue: OwnedQueue,
    message_size: usize,
    buffer: Vec<u8>,
}

/// One direction of shared memory: a slot of bytes and the turn word that counts the
/// messages put there.
pub struct Slot {
    pages: Rc<SharedPages>,
    turn: usize,
    offset: usize,
    seen: u32,
    wake: Wake,
}

/// Opens a link for messages of `down` bytes parent → child and `up` bytes back: (the
/// parent's end, the child's end). `links` is how many links exist at once (queues share the
/// user's byte budget).
pub fn open(
    kind: LinkKind,
    down: usize,
    up: usize,
    env: &Environment,
    wake: Wake,
    links: u32,
) -> io::Result<(End, End)> {
    match kind {
        LinkKind::Pipe => {
            let (down_read, down_write) = open_pipe(down, env.pipe_max_size)?;
            let (up_read, up_write) = open_pipe(up, env.pipe_max_size)?;
            Ok((
                End {
                    rx: Rx::stream(up_read),
                    tx: Tx::Stream(down_write),
                },
                End {
                    rx: Rx::stream(down_read),
                    tx: Tx::Stream(up_write),
                },
            ))
        }
        LinkKind::Socket => {
            let (parent, child) = socketpair(
                AddressFamily::Unix,
                SockType::Stream,
                None,
                SockFlag::SOCK_CLOEXEC,
            )?;
            Ok((
                End {
                    rx: Rx::stream(parent.try_clone()?),
                    tx: Tx::Stream(parent),
                },
                End {
                    rx: Rx::stream(child.try_clone()?),
                    tx: Tx::Stream(child),
                },
            ))
        }
        LinkKind::Queue => {
            // Two queues a link, all of them within the user's one budget.
            let shared = Environment {
                mq_bytes_limit: env
                    .mq_bytes_limit
                    .map(|budget| budget / u64::from(2 * links.max(1))),
                ..env.clone()
            };
            let limits = QueueLimits::of(&shared);
            let size = |len: usize| (len.max(1) as u64).min(limits.message_size);
            let (down_size, up_size) = (size(down), size(up));
            let down_queue = limits.open_unlinked(down_size)?;
            let up_queue = limits.open_unlinked(up_size)?;
            let duplicate = |queue: &OwnedQueue| -> io::Result<OwnedQueue> {
                // An mqd_t is a descriptor on Linux: the other side gets its own copy.
                let fd = nix::unistd::dup(queue.0.as_fd())?;
                // SAFETY: a fresh descriptor of the queue that this value alone owns from here.
                Ok(OwnedQueue(unsafe {
                    nix::mqueue::MqdT::from_raw_fd(fd.into_raw_fd())
                }))
            };
            let end = |queue, message_size: u64| QueueEnd {
                queue,
                message_size: message_size as usize,
                buffer: Vec::new(),
            };
            Ok((
                End {
                    rx: Rx::Queue(end(duplicate(&up_queue)?, up_size)),
                    tx: Tx::Queue(end(duplicate(&down_queue)?, down_size)),
                },
                End {
                    rx: Rx::Queue(end(down_queue, down_size)),
                    tx: Tx::Queue(end(up_queue, up_size)),
                },
            ))
        }
        LinkKind::Shm => {
            let line = SharedPages::LINE;
            // The two turn words on lines of their own, so that each side spins on its own line.
            let (down_at, up_at) = (2 * line, (2 * line + down).next_multiple_of(line));
            let pages = Rc::new(SharedPages::new(up_at + up).map_err(io::Error::from)?);
            let slot = |turn, offset| Slot {
                pages: Rc::clone(&pages),
                turn,
                offset,
                seen: 0,
                wake,
            };
            Ok((
                End {
                    rx: Rx::Shared(slot(line, up_at)),
                    tx: Tx::Shared(slot(0, down_at)),
                },
                End {
                    rx: Rx::Shared(slot(0, down_at)),
                    tx: Tx::Shared(slot(line, up_at)),
                },
            ))
        }
    }
}

fn open_pipe(wanted: usize, pipe_max_size: u64) -> io::Result<(OwnedFd, OwnedFd)> {
    let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
    raise_pipe_size(write.as_fd(), wanted, pipe_max_size);
    Ok((read, write))
}

/// Whether `peer` (a child of this process, or none on the child's side) is gone.
fn gone(peer: Option<Pid>) -> bool {
    peer.is_some_and(|child| !has_not_exited(child))
}

impl Rx {
    fn stream(fd: OwnedFd) -> Rx {
        Rx::Stream {
            fd,
            buffer: Vec::new(),
        }
    }

    /// Waits for the next message of `len` bytes and gives a view of it, valid until the
    /// next call. `peer` is the child, on the parent's side.
    pub fn recv(&mut self, len: usize, peer: Option<Pid>) -> Result<&[u8], LinkError> {
        match self {
            Rx::Shared(slot) => slot.recv(len, peer),
            own => own.recv_owned(len, peer).map(|bytes| &*bytes),
        }
    }

    /// As `recv`, on the child's side, in bytes of its own that it may write: a stream's or a
    /// queue's buffer (a shared slot is the parent's to write).
    pub fn recv_mut(&mut self, len: usize) -> Result<&mut [u8], LinkError> {
        self.recv_owned(len, None)
    }

    fn recv_owned(&mut self, len: usize, peer: Option<Pid>) -> Result<&mut [u8], LinkError> {
        match self {
            Rx::Stream { fd, buffer } => {
                buffer.resize(len, 0);
                read_exact(fd.as_fd(), buffer).map_err(|error| match error {
                    ChildError::Io { errno, .. } => LinkError::Io("read", Errno::from_raw(errno)),
                    _ => LinkError::PeerGone,
                })?;
                Ok(buffer)
            }
            Rx::Queue(end) => end.recv(len, peer),
            Rx::Shared(_) => Err(LinkError::Io("writing a shared slot", Errno::EROFS)),
        }
    }
}

impl Tx {
    /// Sends one message; `peer` is the child, on the parent's side.
    pub fn send(&mut self, bytes: &[u8], peer: Option<Pid>) -> Result<(), LinkError> {
        match self {
            Tx::Stream(fd) => write_all(fd.as_fd(), bytes).map_err(LinkError::from),
            Tx::Queue(end) => {
                for message in bytes.chunks(end.message_size) {
                    match peer {
                        Some(child) => send_message(&end.queue.0, message, child)?,
                        None => loop {
                            match mq_send(&end.queue.0, message, 0) {
                                Err(Errno::EINTR) => {}
                                other => break other.map_err(|errno| LinkError::Io("mq_send", errno))?,
                            }
                        },
                    }
                }
                Ok(())
            }
            Tx::Shared(slot) => {
                slot.pages.write(slot.offset, bytes);
                let turn = slot.pages.word(slot.turn);
                turn.fetch_add(1, Ordering::Release);
                if slot.wake == Wake::Futex {
                    futex_wake(turn);
                }
                Ok(())
            }
        }
    }
}

impl From<SendError> for LinkError {
    fn from(error: SendError) -> LinkError {
        match error {
            SendError::Io(step, errno) => LinkError::Io(step, errno),
            SendError::ChildGone | SendError::Encode(_) => LinkError::PeerGone,
        }
    }
}

impl QueueEnd {
    fn recv(&mut self, len: usize, peer: Option<Pid>) -> Result<&mut [u8], LinkError> {
        // Every message lands whole in the room it is given, which must hold the largest.
        self.buffer.resize(len + self.message_size, 0);
        let mut got = 0;
        while got < len {
            let room = &mut self.buffer[got..got + self.message_size];
            let mut priority = 0;
            let received = match peer {
                None => mq_receive(&self.queue.0, room, &mut priority),
                Some(_) => mq_timedreceive(
                    &self.queue.0,
                    room,
                    &mut priority,
                    &TimeSpec::from(deadline_in(PEER_CHECK)),
                ),
            };
            match received {
                Ok(0) => return Err(LinkError::PeerGone),
                Ok(bytes) => got += bytes,
                Err(Errno::EINTR) => {}
                Err(Errno::ETIMEDOUT) if !gone(peer) => {}
                Err(Errno::ETIMEDOUT) => return Err(LinkError::PeerGone),
                Err(errno) => return Err(LinkError::Io("mq_receive", errno)),
            }
        }
        if got != len {
            return Err(LinkError::PeerGone);
        }
        Ok(&mut self.buffer[..len])
    }
}

impl Slot {
    fn recv(&mut self, len: usize, peer: Option<Pid>) -> Result<&[u8], LinkError> {
        let turn: &AtomicU32 = self.pages.word(self.turn);
        let mut spins = 0u32;
        loop {
            let now = turn.load(Ordering::Acquire);
            if now != self.seen {
                self.seen = now;
                return Ok(self.pages.bytes(self.offset, len));
            }
            match self.wake {
                Wake::Futex => {
                    futex_wait(turn, self.seen, PEER_CHECK);
                    if turn.load(Ordering::Acquire) == self.seen && gone(peer) {
                        return Err(LinkError::PeerGone);
                    }
                }
                Wake::Spin => {
                    std::hint::spin_loop();
                    spins = spins.wrapping_add(1);
                    if spins.is_multiple_of(SPINS_PER_CHECK) && gone(peer) {
                        return Err(LinkError::PeerGone);
                    }
                }
            }
        }
    }
}
