//! `vmsplice`: a pipe into which the parent hands the pages of its wire bytes with
//! `vmsplice(2)` instead of copying them in with `write(2)`; the child reads them out.

use std::io::{self, IoSlice};
use std::os::fd::{BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::SpliceFFlags;

use super::channel::{frame_header, open_pipe, Channel, StreamHandover};
use super::stream::write_all;
use super::{Delivery, Handover, Method, RunContext, SendError};

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

    fn delivery(&self) -> Delivery {
        Delivery::PerChild
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        Ok(Box::new(StreamHandover::new(SplicedPipe {
            pipe_max_size: run.env.pipe_max_size,
        })))
    }
}

struct SplicedPipe {
    pipe_max_size: u64,
}

impl Channel for SplicedPipe {
    fn open(&self, wire_len: usize) -> io::Result<(OwnedFd, OwnedFd)> {
        open_pipe(wire_len, self.pipe_max_size)
    }

    /// The pipe holds references to the parent's pages, not copies, until the child reads
    /// them: vmsplice's rule is that those pages must not change until then. They do not:
    /// `wire` is either the payload itself (codec raw), which the parent never writes, or the
    /// Driver's encoding buffer, which is reused only for the next child, after this child
    /// has been reaped and this pipe closed. The 8-byte header lives on this function's stack,
    /// which would change once it returns, so it goes in with a copying `write(2)`.
    fn send(&self, fd: BorrowedFd<'_>, wire: &[u8]) -> Result<(), SendError> {
        write_all(fd, &frame_header(wire))?;
        let mut rest = wire;
        while !rest.is_empty() {
            // No SPLICE_F_GIFT: the pages stay the parent's; the child's read copies them.
            match nix::fcntl::vmsplice(fd, &[IoSlice::new(rest)], SpliceFFlags::empty()) {
                Ok(spliced) => rest = &rest[spliced..],
                Err(Errno::EINTR) => {}
                Err(Errno::EPIPE) => return Err(SendError::ChildGone),
                Err(errno) => return Err(SendError::Io("vmsplice", errno)),
            }
        }
        Ok(())
    }
}
