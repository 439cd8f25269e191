//! `fork`: the floor of every method. The child gets nothing but what `fork` gives it, and
//! reaches each page of the inherited payload once, reading one byte of it.

use std::io;

use super::{Delivery, Handover, Method, Role, RunContext};
use crate::bench::payload::Payload;
use crate::bench::receipt::{ChildError, Received};

pub struct Fork;

impl Method for Fork {
    fn id(&self) -> &'static str {
        "fork"
    }

    fn summary(&self) -> &'static str {
        "floor: the child only forks, and reads one byte of each inherited page"
    }

    fn teaching(&self) -> &'static str {
        include_str!("../../../assets/methods/fork.md")
    }

    fn role(&self) -> Role {
        Role::ForkFloor
    }

    fn delivery(&self) -> Delivery {
        Delivery::Inherited
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        Ok(Box::new(ForkOnly { payload: run.payload }))
    }
}

struct ForkOnly<'a> {
    payload: &'a Payload,
}

impl Handover for ForkOnly<'_> {
    fn receive(&mut self, _wire: &[u8]) -> Result<Received<'_>, ChildError> {
        Ok(Received::PagesOnly(self.payload))
    }
}
