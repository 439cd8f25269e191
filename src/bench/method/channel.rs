//! The one handover every byte-stream method shares (pipe, socket, vmsplice): a fresh stream
//! per child, one frame sent down it (see `stream` for the framing), read by the child into
//! a buffer of its own. The methods differ only in their `Channel`.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use nix::fcntl::OFlag;
use nix::unistd::Pid;

use super::stream::{raise_pipe_size, receive_framed, send_framed};
use super::{Handover, SendError};
use crate::bench::child::{ChildError, Received};

/// How one stream method makes its stream and puts the bytes in.
pub trait Channel {
    /// Makes this child's stream for `wire_len` bytes: (the child's end, the parent's end).
    fn open(&self, wire_len: usize) -> io::Result<(OwnedFd, OwnedFd)>;

    /// Writes one frame into the parent's end.
    fn send(&self, fd: BorrowedFd<'_>, wire: &[u8]) -> Result<(), SendError> {
        send_framed(fd, wire)
    }
}

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
        self.ends = Some(self.channel.open(wire.len() + FRAME_HEADER_BYTES)?);
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

/// The frame header `stream::send_framed` writes: the wire length, 8 bytes little-endian.
pub const FRAME_HEADER_BYTES: usize = 8;

pub fn frame_header(wire: &[u8]) -> [u8; FRAME_HEADER_BYTES] {
    (wire.len() as u64).to_le_bytes()
}

/// A pipe for `wanted` bytes, its buffer raised towards that size: (read end, write end).
pub fn open_pipe(wanted: usize, pipe_max_size: u64) -> io::Result<(OwnedFd, OwnedFd)> {
    let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
    raise_pipe_size(write.as_fd(), wanted, pipe_max_size);
    Ok((read, write))
}
