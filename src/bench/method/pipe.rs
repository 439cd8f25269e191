//! `pipe`: a `pipe(2)`; the parent encodes and writes, the child reads and decodes, both at
//! once in chunks (see `Delivery::Streamed`).

use std::io;
use std::os::fd::{AsFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::unistd::Pid;

use super::stream::{decode_streamed, encode_streamed, raise_pipe_size, write_all, STREAM_CHUNK};
use super::{Delivery, Handover, Method, RunContext, SendError};
use crate::bench::child::{ChildError, Received, Step};
use crate::bench::payload::Payload;
use crate::bench::plan::Plan;

pub struct Pipe;

impl Method for Pipe {
    fn id(&self) -> &'static str {
        "pipe"
    }

    fn summary(&self) -> &'static str {
        "the parent encodes the payload into a pipe while the child reads and decodes it"
    }

    fn teaching(&self) -> &'static str {
        include_str!("../../../assets/methods/pipe.md")
    }

    fn delivery(&self) -> Delivery {
        Delivery::Streamed
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        Ok(Box::new(PipeHandover {
            plan: run.plan,
            payload: run.payload,
            pipe_max_size: run.env.pipe_max_size,
            ends: None,
            chunk: Vec::new(),
        }))
    }
}

struct PipeHandover<'a> {
    plan: &'a Plan,
    payload: &'a Payload,
    pipe_max_size: u64,
    /// (read, write) for the current child.
    ends: Option<(OwnedFd, OwnedFd)>,
    /// The parent's encoding buffer, reused child after child.
    chunk: Vec<u8>,
}

impl Handover for PipeHandover<'_> {
    fn before_fork(&mut self, _wire: &[u8]) -> io::Result<()> {
        let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
        raise_pipe_size(write.as_fd(), self.payload.bytes as usize, self.pipe_max_size);
        self.ends = Some((read, write));
        Ok(())
    }

    fn receive(&mut self, _wire: &[u8]) -> Result<Received<'_>, ChildError> {
        let Some((read, write)) = self.ends.take() else {
            return Err(ChildError::ShortRead {
                got: 0,
                expected: self.payload.bytes,
            });
        };
        // The child's copy of the write end would keep the pipe open if the parent died.
        drop(write);
        let mut source = |buffer: &mut [u8]| loop {
            match nix::unistd::read(&read, buffer) {
                Err(Errno::EINTR) => {}
                other => return other.map_err(|errno| ChildError::io(Step::Read, errno)),
            }
        };
        let decoded = decode_streamed(
            self.plan.payload,
            self.plan.codec,
            self.payload.bytes as usize,
            1,
            &mut source,
        )?;
        Ok(Received::Decoded(decoded))
    }

    fn send(&mut self, _wire: &[u8], _child: Pid) -> Result<(), SendError> {
        let Some((read, write)) = self.ends.take() else {
            return Err(SendError::ChildGone);
        };
        // Without the parent's read end, a child that dies makes the write fail with EPIPE.
        drop(read);
        let mut sink = |bytes: &[u8]| write_all(write.as_fd(), bytes);
        encode_streamed(
            self.payload,
            self.plan.codec,
            STREAM_CHUNK,
            &mut self.chunk,
            &mut sink,
        )
        // Dropping `write` here ends the stream: the child sees end-of-file after the payload.
    }

    fn after_reap(&mut self) {
        self.ends = None;
    }
}
