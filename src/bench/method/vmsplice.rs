//! `vmsplice`: a pipe into which the parent hands the pages of its wire bytes with
//! `vmsplice(2)` instead of copying them in with `write(2)`; the child reads them out.

use std::io::{self, IoSlice};
use std::os::fd::{AsFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::SpliceFFlags;
use nix::unistd::Pid;

use super::channel::open_pipe;
use super::stream::{receive_framed, write_all};
use super::{Delivery, Handover, Method, RunContext, SendError};
use crate::bench::memory::Region;
use crate::bench::receipt::{ChildError, Received};

pub struct Vmsplice;

impl Method for Vmsplice {
    fn id(&self) -> &'static str {
        "vmsplice"
    }

    fn summary(&self) -> &'static str {
        "like pipe, but the parent splices its pages in with vmsplice(2): one copy fewer"
    }

    fn teaching(&self) -> &'static str {
        include_str!("../../../assets/methods/vmsplice.md")
    }

    /// Encoded whole before the fork, not streamed: streaming reuses one chunk buffer, whose
    /// pages would change while the pipe still refers to them.
    fn delivery(&self) -> Delivery {
        Delivery::PerChild
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        Ok(Box::new(SplicedPipe {
            pipe_max_size: run.env.pipe_max_size,
            ends: None,
            buffer: Region::empty(),
        }))
    }
}

struct SplicedPipe {
    pipe_max_size: u64,
    /// (read, write) for the current child.
    ends: Option<(OwnedFd, OwnedFd)>,
    /// The child's receive buffer (filled in the child only).
    buffer: Region,
}

/// The frame header: the wire length, as `stream::send_framed` writes it.
const HEADER_BYTES: usize = 8;

impl Handover for SplicedPipe {
    fn before_fork(&mut self, wire: &[u8]) -> io::Result<()> {
        self.ends = Some(open_pipe(wire.len() + HEADER_BYTES, self.pipe_max_size)?);
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
        Ok(Received::WireMut(self.buffer.as_bytes_mut()))
    }

    /// The pipe holds references to the parent's pages, not copies, until the child reads
    /// them: vmsplice's rule is that those pages must not change until then. They do not:
    /// `wire` is either the payload itself (codec raw), which the parent never writes, or the
    /// Driver's encoding buffer, which is reused only for the next child, after this child
    /// has been reaped and this pipe closed. The 8-byte header lives on this function's stack,
    /// which changes once it returns, so it goes in with a copying `write(2)`.
    fn send(&mut self, wire: &[u8], _child: Pid) -> Result<(), SendError> {
        let Some((read, write)) = self.ends.take() else {
            return Err(SendError::ChildGone);
        };
        // Without the parent's read end, a child that dies makes the splice fail with EPIPE.
        drop(read);
        write_all(write.as_fd(), &(wire.len() as u64).to_le_bytes())?;
        let mut rest = wire;
        while !rest.is_empty() {
            // No SPLICE_F_GIFT: the pages stay the parent's; the child's read copies them.
            match nix::fcntl::vmsplice(&write, &[IoSlice::new(rest)], SpliceFFlags::empty()) {
                Ok(spliced) => rest = &rest[spliced..],
                Err(Errno::EINTR) => {}
                Err(Errno::EPIPE) => return Err(SendError::ChildGone),
                Err(errno) => return Err(SendError::Io("vmsplice", errno)),
            }
        }
        Ok(())
    }

    fn after_reap(&mut self) {
        self.ends = None;
    }
}
