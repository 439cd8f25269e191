//! `pipe`: a `pipe(2)`; the parent encodes and writes, the child reads and decodes.

use std::io;
use std::os::fd::OwnedFd;

use super::channel::{open_pipe, Channel, StreamHandover};
use super::{Delivery, Handover, Method, RunContext};

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
        Ok(Box::new(StreamHandover::new(PipeChannel {
            pipe_max_size: run.env.pipe_max_size,
        })))
    }
}

/// A fresh pipe per child, written with `write(2)`.
struct PipeChannel {
    pipe_max_size: u64,
}

impl Channel for PipeChannel {
    fn open(&self, wire_len: usize) -> io::Result<(OwnedFd, OwnedFd)> {
        open_pipe(wire_len, self.pipe_max_size)
    }
}
