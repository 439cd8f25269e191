//! Framing over a byte stream (pipes, sockets, a spawned child's stdin): an 8-byte
//! little-endian length, then the wire bytes.

use std::os::fd::BorrowedFd;

use nix::errno::Errno;

use super::SendError;
use crate::bench::child::{ChildError, Step};

/// Writes the frame header and the bytes; a reader that went away is `ChildGone`, not a hang
/// (SIGPIPE is ignored, so the write fails with EPIPE).
pub fn send_framed(fd: BorrowedFd<'_>, wire: &[u8]) -> Result<(), SendError> {
    write_all(fd, &(wire.len() as u64).to_le_bytes())?;
    write_all(fd, wire)
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
