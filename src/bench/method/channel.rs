//! The handover the byte-stream methods share (pipe, socket): a fresh stream per child; the
//! parent encodes into it chunk by chunk while the child decodes from it as the bytes arrive
//! (`Delivery::Streamed`). The methods differ only in the `Channel` that makes the stream.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::unistd::Pid;

use super::stream::{decode_streamed, encode_streamed, pending, raise_pipe_size, write_all, STREAM_CHUNK};
use super::{Handover, SendError};
use crate::bench::kind::{Codec, PayloadKind, Shape};
use crate::bench::payload::{Decoded, Payload};
use crate::bench::receipt::{ChildError, Received, Step};

/// How one stream method makes a child's stream.
pub trait Channel {
    /// Makes a stream for `payload_bytes`: (the child's end, the parent's end).
    fn open(&self, payload_bytes: usize) -> io::Result<(OwnedFd, OwnedFd)>;
}

pub struct StreamedHandover<'a, C> {
    channel: C,
    shape: Shape,
    payload: &'a Payload,
    /// (child's end, parent's end) for the current child.
    ends: Option<(OwnedFd, OwnedFd)>,
    /// The parent's encoding buffer, reused child after child.
    chunk: Vec<u8>,
}

impl<'a, C: Channel> StreamedHandover<'a, C> {
    pub fn new(channel: C, shape: Shape, payload: &'a Payload) -> StreamedHandover<'a, C> {
        StreamedHandover {
            channel,
            shape,
            payload,
            ends: None,
            chunk: Vec::new(),
        }
    }
}

impl<C: Channel> Handover for StreamedHandover<'_, C> {
    fn before_fork(&mut self, _wire: &[u8]) -> io::Result<()> {
        self.ends = Some(self.channel.open(self.payload.bytes as usize)?);
        Ok(())
    }

    fn receive(&mut self, _wire: &[u8]) -> Result<Received<'_>, ChildError> {
        let Some((child, parent)) = self.ends.take() else {
            return Err(ChildError::ShortRead {
                got: 0,
                expected: self.payload.bytes,
            });
        };
        // The child's copy of the parent's end would keep the stream open if the parent died.
        drop(parent);
        let (shape, bytes) = (self.shape, self.payload.bytes as usize);
        let decoded = decode_from(child.as_fd(), shape.payload, shape.codec, bytes)?;
        Ok(Received::Decoded(decoded))
    }

    fn send(&mut self, _wire: &[u8], _child: Pid) -> Result<(), SendError> {
        let Some((child, parent)) = self.ends.take() else {
            return Err(SendError::ChildGone);
        };
        // Without the parent's copy of the child's end, a child that dies makes the write
        // fail with EPIPE instead of blocking for good.
        drop(child);
        encode_into(parent.as_fd(), self.shape.codec, self.payload, &mut self.chunk)
    }

    fn after_reap(&mut self) {
        self.ends = None;
    }
}

/// The parent's side of a streamed handover: encodes `payload` into `fd` chunk by chunk.
pub fn encode_into(
    fd: BorrowedFd<'_>,
    codec: Codec,
    payload: &Payload,
    chunk: &mut Vec<u8>,
) -> Result<(), SendError> {
    let mut sink = |bytes: &[u8]| write_all(fd, bytes);
    encode_streamed(payload, codec, STREAM_CHUNK, chunk, &mut sink)
}

/// The child's side of a streamed handover: decodes a payload of `payload_bytes` as it
/// arrives on `fd`; nothing may follow it.
pub fn decode_from(
    fd: BorrowedFd<'_>,
    kind: PayloadKind,
    codec: Codec,
    payload_bytes: usize,
) -> Result<Decoded<'static>, ChildError> {
    let mut source = |buffer: &mut [u8]| loop {
        match nix::unistd::read(fd, buffer) {
            Err(Errno::EINTR) => {}
            other => return other.map_err(|errno| ChildError::io(Step::Read, errno)),
        }
    };
    decode_streamed(kind, codec, payload_bytes, 1, &mut source, &mut |buffer| {
        pending(fd, buffer)
    })
}

/// A pipe for `wanted` bytes, its buffer raised towards that size: (read end, write end).
pub fn open_pipe(wanted: usize, pipe_max_size: u64) -> io::Result<(OwnedFd, OwnedFd)> {
    let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
    raise_pipe_size(write.as_fd(), wanted, pipe_max_size);
    Ok((read, write))
}
