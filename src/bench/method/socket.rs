//! `socket`: a Unix stream socket pair; the parent encodes and writes, the child reads and
//! decodes, both at once in chunks, as with `pipe`.

use std::io;
use std::os::fd::OwnedFd;

use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};

use super::channel::{Channel, StreamedHandover};
use super::{Delivery, Handover, Method, RunContext};

pub struct Socket;

impl Method for Socket {
    fn id(&self) -> &'static str {
        "socket"
    }

    fn summary(&self) -> &'static str {
        "like pipe, through a Unix stream socket pair: encode, write, read, decode"
    }

    fn teaching(&self) -> &'static str {
        include_str!("../../../assets/methods/socket.md")
    }

    fn delivery(&self) -> Delivery {
        Delivery::Streamed
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        Ok(Box::new(StreamedHandover::new(
            SocketPair,
            run.shape,
            run.payload,
        )))
    }
}

/// A fresh connected pair per child, at the kernel's default buffer sizes: that is what a
/// program gets from `socketpair(2)` unless it tunes them.
struct SocketPair;

impl Channel for SocketPair {
    fn open(&self, _payload_bytes: usize) -> io::Result<(OwnedFd, OwnedFd)> {
        Ok(socketpair(
            AddressFamily::Unix,
            SockType::Stream,
            None,
            SockFlag::SOCK_CLOEXEC,
        )?)
    }
}
