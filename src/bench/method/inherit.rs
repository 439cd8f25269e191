//! `inherit`: the payload exists before `fork`; the child reads its copy-on-write view.

use std::io;

use super::{Delivery, Handover, Method, RunContext, TutorialPart};
use crate::bench::payload::Payload;
use crate::bench::receipt::{ChildError, Received};

pub struct Inherit;

impl Method for Inherit {
    fn id(&self) -> &'static str {
        "inherit"
    }

    fn summary(&self) -> &'static str {
        "the payload exists before fork; the child reads the pages it shares copy-on-write"
    }

    fn teaching(&self) -> &'static str {
        include_str!("../../../assets/methods/inherit.md")
    }

    fn tutorial(&self) -> Option<TutorialPart> {
        Some(TutorialPart::Inherit)
    }

    fn delivery(&self) -> Delivery {
        Delivery::Inherited
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        Ok(Box::new(Inherited { payload: run.payload }))
    }
}

struct Inherited<'a> {
    payload: &'a Payload,
}

impl Handover for Inherited<'_> {
    fn receive(&mut self, _wire: &[u8]) -> Result<Received<'_>, ChildError> {
        Ok(Received::Payload(self.payload))
    }
}
