//! `memcpy`: the memory-bandwidth floor. No child: the parent copies the payload's bytes
//! once into a destination buffer it keeps, and verifies the copy.

use std::io;

use super::{Delivery, Handover, Method, Role, RunContext};
use crate::bench::env::Environment;
use crate::bench::kind::Phase;
use crate::bench::kind::{Access, PayloadKind, Shape};
use crate::bench::memory::Region;
use crate::bench::payload::Decoded;
use crate::bench::receipt::{ChildError, Received};

pub struct Memcpy;

impl Method for Memcpy {
    fn id(&self) -> &'static str {
        "memcpy"
    }

    fn summary(&self) -> &'static str {
        "floor: no child, one copy of the payload inside the parent into a reused buffer"
    }

    fn teaching(&self) -> &'static str {
        include_str!("../../../assets/methods/memcpy.md")
    }

    /// No bytes are encoded or sent: the copy reads the payload where it lies.
    fn role(&self) -> Role {
        Role::CopyFloor
    }

    fn delivery(&self) -> Delivery {
        Delivery::Inherited
    }

    fn forks(&self) -> bool {
        false
    }

    fn check(&self, shape: &Shape, _env: &Environment) -> Result<(), String> {
        if shape.payload == PayloadKind::Records {
            return Err(
                "memcpy copies flat bytes, and records are not flat (each holds a pointer to its own string); use --payload ints or bytes"
                    .into(),
            );
        }
        Ok(())
    }

    /// The copy is the transfer; there is no spawn, codec or reaping.
    fn phases(&self, shape: &Shape) -> Vec<Phase> {
        let mut phases = vec![Phase::Transfer];
        if shape.access == Access::Write {
            phases.push(Phase::Access);
        }
        phases.push(Phase::Verify);
        phases
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        let Some(source) = run.payload.flat() else {
            return Err(io::Error::other("memcpy needs a flat payload (ints or bytes)"));
        };
        // Made once per method run and written by every copy: after the first copy its pages
        // are all faulted in, so each copy costs the copy alone, as memcpy into a warm buffer.
        let destination = Region::new(source.len())?;
        Ok(Box::new(Copied { source, destination }))
    }
}

struct Copied<'a> {
    source: &'a [u8],
    destination: Region,
}

impl Handover for Copied<'_> {
    /// Runs in the parent: the one copy, verified like any child's bytes.
    fn receive(&mut self, _wire: &[u8]) -> Result<Received<'_>, ChildError> {
        let copy = self.destination.as_bytes_mut();
        copy.copy_from_slice(self.source);
        Ok(Received::Decoded(Decoded::FlatMut(copy)))
    }
}
