//! `pipe`: a `pipe(2)`; the parent encodes and writes, the child reads and decodes.

use std::io;
use std::os::fd::{AsFd, OwnedFd};

use nix::fcntl::OFlag;
use nix::unistd::Pid;

use super::stream::{raise_pipe_size, receive_framed, send_framed};
use super::{Delivery, Handover, Method, RunContext, SendError};
use crate::bench::child::{ChildError, Received};

pub struct Pipe;

impl Method for Pipe {
    fn id(&self) -> &'static str {
        "pipe"
    }

    fn summary(&self) -> &'static str {
        "the parent encodes the payload and writes it into a pipe; the child reads and decodes it"
    }

    fn teaching(&self) -> &'static str {
        include_str!("../../../assets/methods/pipe.md")
    }

    fn delivery(&self) -> Delivery {
        Delivery::PerChild
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        Ok(Box::new(PipeHandover {
            pipe_max_size: run.env.pipe_max_size,
            ends: None,
            buffer: Vec::new(),
        }))
    }
}

struct PipeHandover {
    pipe_max_size: u64,
    /// (read, write) for the current child.
    ends: Option<(OwnedFd, OwnedFd)>,
    /// The child's receive buffer (filled in the child only).
    buffer: Vec<u8>,
}

impl Handover for PipeHandover {
    fn before_fork(&mut self, wire: &[u8]) -> io::Result<()> {
        let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
        raise_pipe_size(write.as_fd(), wire.len() + 8, self.pipe_max_size);
        self.ends = Some((read, write));
        Ok(())
    }

    fn receive(&mut self, wire: &[u8]) -> Result<Received<'_>, ChildError> {
        let Some((read, write)) = self.ends.take() else {
            return Err(ChildError::ShortRead {
                got: 0,
                expected: wire.len() as u64,
            });
        };
        // The child's copy of the write end would keep the pipe open if the parent died.
        drop(write);
        receive_framed(read.as_fd(), &mut self.buffer, wire.len())?;
        Ok(Received::Wire(&self.buffer))
    }

    fn send(&mut self, wire: &[u8], _child: Pid) -> Result<(), SendError> {
        let Some((read, write)) = self.ends.take() else {
            return Err(SendError::ChildGone);
        };
        // Without the parent's read end, a child that dies makes the write fail with EPIPE.
        drop(read);
        send_framed(write.as_fd(), wire)
    }

    fn after_reap(&mut self) {
        self.ends = None;
    }
}
