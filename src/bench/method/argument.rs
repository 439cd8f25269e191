//! `argument`: the payload is handed to the child's entry function as its argument.

use std::io;

use nix::unistd::Pid;

use super::{Delivery, Handover, Method, RunContext, SendError, TutorialPart};
use crate::bench::payload::Payload;
use crate::bench::receipt::{ChildError, Received};

pub struct Argument;

impl Method for Argument {
    fn id(&self) -> &'static str {
        "argument"
    }

    fn summary(&self) -> &'static str {
        "the payload is moved into the closure the child runs: under fork, the same copy-on-write pages"
    }

    fn teaching(&self) -> &'static str {
        include_str!("../../../assets/methods/argument.md")
    }

    fn tutorial(&self) -> Option<TutorialPart> {
        Some(TutorialPart::Argument)
    }

    fn delivery(&self) -> Delivery {
        Delivery::Inherited
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        Ok(Box::new(AsArgument {
            payload: run.payload,
            entry: None,
        }))
    }
}

/// The child's entry function, with its argument captured: Python's `Process(target, args)`.
type Entry<'a> = Box<dyn FnOnce() -> &'a Payload + 'a>;

struct AsArgument<'a> {
    payload: &'a Payload,
    entry: Option<Entry<'a>>,
}

impl<'a> Handover for AsArgument<'a> {
    fn before_fork(&mut self, _wire: &[u8]) -> io::Result<()> {
        // The argument is a reference moved into the closure: nothing is copied here, and
        // after the fork the child finds the closure and the payload in its copy-on-write view.
        let argument: &'a Payload = self.payload;
        self.entry = Some(Box::new(move || argument));
        Ok(())
    }

    fn receive(&mut self, _wire: &[u8]) -> Result<Received<'_>, ChildError> {
        let entry = self.entry.take().unwrap_or_else(|| {
            let payload = self.payload;
            Box::new(move || payload)
        });
        Ok(Received::Payload(entry()))
    }

    fn send(&mut self, _wire: &[u8], _child: Pid) -> Result<(), SendError> {
        self.entry = None;
        Ok(())
    }
}
