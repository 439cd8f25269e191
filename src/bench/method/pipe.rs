//! `pipe`: a `pipe(2)`; the parent encodes and writes, the child reads and decodes, both at
//! once in chunks (see `Delivery::Streamed`).

use std::io;
use std::os::fd::OwnedFd;

use super::channel::{open_pipe, Channel, StreamedHandover};
use super::{Delivery, Handover, Method, RunContext, TutorialPart};

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

    fn tutorial(&self) -> Option<TutorialPart> {
        Some(TutorialPart::Pipe)
    }

    fn delivery(&self) -> Delivery {
        Delivery::Streamed
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        let channel = PipeChannel {
            pipe_max_size: run.env.pipe_max_size,
        };
        Ok(Box::new(StreamedHandover::new(channel, run.shape, run.payload)))
    }
}

/// A fresh pipe per child, its buffer raised towards the payload's size.
struct PipeChannel {
    pipe_max_size: u64,
}

impl Channel for PipeChannel {
    fn open(&self, payload_bytes: usize) -> io::Result<(OwnedFd, OwnedFd)> {
        open_pipe(payload_bytes, self.pipe_max_size)
    }
}
