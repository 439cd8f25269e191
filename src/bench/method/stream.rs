//! Byte streams between parent and child (pipes, sockets, a spawned child's stdin): the
//! framing (an 8-byte little-endian length, then the wire bytes) and the one handover that
//! every stream method shares.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::unistd::Pid;

use super::{Handover, SendError};
use crate::bench::child::{ChildError, Received, Step};

/// What makes one stream method differ from another: how the stream is made, and how the
/// parent puts the bytes in.
pub trait Channel {
    /// Makes this child's stream for `wire_len` bytes: (the child's end, the parent's end).
    fn open(&self, wire_len: usize) -> io::Result<(OwnedFd, OwnedFd)>;

    /// Writes one frame into the parent's end.
    fn send(&self, fd: BorrowedFd<'_>, wire: &[u8]) -> Result<(), SendError> {
        send_framed(fd, wire)
    }
}

/// The parent sends one frame down a fresh stream per child; the child reads it into a
/// buffer of its own and decodes from there.
pub struct StreamHandover<C> {
    channel: C,
    /// (child's end, parent's end) for the current child.
    ends: Option<(OwnedFd, OwnedFd)>,
    /// The child's receive buffer (filled in the child only).
    buffer: Vec<u8>,
}

impl<C: Channel> StreamHandover<C> {
    pub fn new(channel: C) -> StreamHandover<C> {
        StreamHandover {
            channel,
            ends: None,
            buffer: Vec::new(),
        }
    }
}

impl<C: Channel> Handover for StreamHandover<C> {
    fn before_fork(&mut self, wire: &[u8]) -> io::Result<()> {
        self.ends = Some(self.channel.open(wire.len() + 8)?);
        Ok(())
    }

    fn receive(&mut self, wire: &[u8]) -> Result<Received<'_>, ChildError> {
        let Some((child, parent)) = self.ends.take() else {
            return Err(ChildError::ShortRead {
                got: 0,
                expected: wire.len() as u64,
            });
        };
        // The child's copy of the parent's end would keep the stream open if the parent died.
        drop(parent);
        receive_framed(child.as_fd(), &mut self.buffer, wire.len())?;
        Ok(Received::Wire(&self.buffer))
    }

    fn send(&mut self, wire: &[u8], _child: Pid) -> Result<(), SendError> {
        let Some((child, parent)) = self.ends.take() else {
            return Err(SendError::ChildGone);
        };
        // Without the parent's copy of the child's end, a child that dies makes the write
        // fail with EPIPE instead of blocking for good.
        drop(child);
        self.channel.send(parent.as_fd(), wire)
    }

    fn after_reap(&mut self) {
        self.ends = None;
    }
}

/// A pipe for `wanted` bytes, its buffer raised towards that size: (read end, write end).
pub fn open_pipe(wanted: usize, pipe_max_size: u64) -> io::Result<(OwnedFd, OwnedFd)> {
    let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
    raise_pipe_size(write.as_fd(), wanted, pipe_max_size);
    Ok((read, write))
}

/// Writes the frame header and the bytes; a reader that went away is `ChildGone`, not a hang
/// (SIGPIPE is ignored, so the write fails with EPIPE).
pub fn send_framed(fd: BorrowedFd<'_>, wire: &[u8]) -> Result<(), SendError> {
    write_all(fd, &frame_header(wire))?;
    write_all(fd, wire)
}

/// The 8 bytes that precede the wire bytes: their length.
pub fn frame_header(wire: &[u8]) -> [u8; 8] {
    (wire.len() as u64).to_le_bytes()
}

pub fn write_all(fd: BorrowedFd<'_>, mut bytes: &[u8]) -> Result<(), SendError> {
    while !bytes.is_empty() {
        match nix::unistd::write(fd, bytes) {
            Ok(written) => bytes = &bytes[written..],
            Err(Errno::EINTR) => {}
            Err(Errno::EPIPE | Errno::ECONNRESET) => return Err(SendError::ChildGone),
            Err(errno) => return Err(SendError::Io("write", errno)),
        }
    }
    Ok(())
}

/// Reads one frame into `buffer`, which the child owns. `expected` is the frame length the
/// child was told to expect; any other header is a protocol error, not an allocation.
pub fn receive_framed(fd: BorrowedFd<'_>, buffer: &mut Vec<u8>, expected: usize) -> Result<(), ChildError> {
    let mut header = [0u8; 8];
    read_exact(fd, &mut header)?;
    let length = u64::from_le_bytes(header);
    if length != expected as u64 {
        return Err(ChildError::Decode);
    }
    // Fresh zeroed pages from the kernel: the read faults each one in, as any receiver would.
    *buffer = vec![0u8; expected];
    read_exact(fd, buffer)
}

pub fn read_exact(fd: BorrowedFd<'_>, buffer: &mut [u8]) -> Result<(), ChildError> {
    let mut got = 0;
    while got < buffer.len() {
        match nix::unistd::read(fd, &mut buffer[got..]) {
            Ok(0) => {
                return Err(ChildError::ShortRead {
                    got: got as u64,
                    expected: buffer.len() as u64,
                })
            }
            Ok(read) => got += read,
            Err(Errno::EINTR) => {}
            Err(errno) => return Err(ChildError::io(Step::Read, errno)),
        }
    }
    Ok(())
}

/// Raises a pipe's buffer towards `wanted` bytes, as far as `/proc/sys/fs/pipe-max-size`
/// allows: fewer, larger writes and fewer wake-ups. A refusal leaves the default in place.
pub fn raise_pipe_size(fd: BorrowedFd<'_>, wanted: usize, max: u64) {
    let size = wanted
        .next_power_of_two()
        .clamp(4096, usize::try_from(max).unwrap_or(1 << 20));
    if size > 65_536 {
        let _ = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETPIPE_SZ(size as libc::c_int));
    }
}
