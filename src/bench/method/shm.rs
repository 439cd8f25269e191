//! `shm`: shared memory. The parent puts the encoded payload into a `memfd` once per run;
//! every child maps it and reads the bytes in place, without a copy of its own.

use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, OwnedFd};

use nix::sys::memfd::{memfd_create, MFdFlags};
use nix::unistd::Pid;

use super::stream::write_all;
use super::{Delivery, Handover, Method, RunContext, SendError};
use crate::bench::kind::Access;
use crate::bench::memory::{map_file_for_life, FileView};
use crate::bench::receipt::{ChildError, Received, Step};

pub struct Shm;

impl Method for Shm {
    fn id(&self) -> &'static str {
        "shm"
    }

    fn summary(&self) -> &'static str {
        "the parent fills a memfd once; each child maps it and reads the bytes in place, no copy"
    }

    fn teaching(&self) -> &'static str {
        include_str!("../../../assets/methods/shm.md")
    }

    fn delivery(&self) -> Delivery {
        Delivery::Once
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        let memfd = memfd_create(c"ipcscope-shm", MFdFlags::MFD_CLOEXEC)?;
        nix::unistd::ftruncate(&memfd, run.wire.len() as libc::off_t)?;
        // Filled with write(2), so the parent never maps it: its children inherit no mapping,
        // only the descriptor, and each maps the file itself.
        write_all(memfd.as_fd(), run.wire).map_err(|error| io::Error::other(error.to_string()))?;
        Ok(Box::new(SharedFile {
            memfd,
            len: run.wire.len(),
            access: run.shape.access,
        }))
    }
}

struct SharedFile {
    memfd: OwnedFd,
    len: usize,
    access: Access,
}

impl SharedFile {
    /// Maps the whole file into this (child) process. Reading maps it shared and read-only,
    /// populated up front so the page tables are filled in one go rather than fault by
    /// fault. Writing maps it private and writable: copy-on-write then copies only the
    /// pages the child writes, and the parent's file stays as it was for the next child.
    /// (Not populated: populating a private writable mapping would copy every page at once.)
    fn map(&self) -> Result<Received<'static>, ChildError> {
        let Some(len) = NonZeroUsize::new(self.len) else {
            return Ok(Received::Wire(&[]));
        };
        let writable = self.access == Access::Write;
        match map_file_for_life(self.memfd.as_fd(), len, writable) {
            Ok(FileView::ReadOnly(bytes)) => Ok(Received::Wire(bytes)),
            Ok(FileView::Writable(bytes)) => Ok(Received::WireMut(bytes)),
            Err(errno) => Err(ChildError::io(Step::Map, errno)),
        }
    }
}

impl Handover for SharedFile {
    fn before_fork(&mut self, _wire: &[u8]) -> io::Result<()> {
        Ok(())
    }

    /// `wire` (the parent's encoded bytes, inherited by fork) is deliberately not read: the
    /// child gets its bytes from the shared file.
    fn receive(&mut self, _wire: &[u8]) -> Result<Received<'_>, ChildError> {
        self.map()
    }

    fn send(&mut self, _wire: &[u8], _child: Pid) -> Result<(), SendError> {
        Ok(())
    }
}
