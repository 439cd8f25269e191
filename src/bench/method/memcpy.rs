//! `memcpy`: the memory-bandwidth floor. No child: the parent copies the payload's bytes
//! once into a destination buffer it keeps, and verifies the copy.

use std::io;

use super::{Delivery, Handover, Method, RunContext};
use crate::bench::child::{ChildError, Received};
use crate::bench::env::Environment;
use crate::bench::payload::{Payload, PayloadData, Region};
use crate::bench::plan::{Access, PayloadKind, Plan};
use crate::bench::result::Phase;

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
    fn delivery(&self) -> Delivery {
        Delivery::Inherited
    }

    fn forks(&self) -> bool {
        false
    }

    fn check(&self, plan: &Plan, _env: &Environment) -> Result<(), String> {
        if plan.payload == PayloadKind::Records {
            return Err(
                "memcpy copies flat bytes, and records are not flat (each holds a pointer to its own string); use --payload ints or bytes"
                    .into(),
            );
        }
        Ok(())
    }

    /// The copy is the transfer; there is no spawn, codec or reaping.
    fn phases(&self, plan: &Plan) -> Vec<Phase> {
        let mut phases = vec![Phase::Transfer];
        if plan.access == Access::Write {
            phases.push(Phase::Access);
        }
        phases.push(Phase::Verify);
        phases
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        let source = run.payload;
        let Some(bytes) = source.flat() else {
            return Err(io::Error::other("memcpy needs a flat payload (ints or bytes)"));
        };
        // Made once per method run and written by every copy: after the first copy its pages
        // are all faulted in, so each copy costs the copy alone, as memcpy into a warm buffer.
        let destination = Region::new(bytes.len())?;
        Ok(Box::new(Copied {
            source,
            copy: Payload {
                kind: source.kind,
                bytes: source.bytes,
                data: PayloadData::Flat(destination),
                checksum: source.checksum,
                sparse_checksum: source.sparse_checksum,
            },
        }))
    }
}

struct Copied<'a> {
    source: &'a Payload,
    /// The destination, wrapped as a payload so that it verifies like any child's.
    copy: Payload,
}

impl Handover for Copied<'_> {
    /// Runs in the parent: the one copy.
    fn receive(&mut self, _wire: &[u8]) -> Result<Received<'_>, ChildError> {
        if let (Some(from), PayloadData::Flat(to)) = (self.source.flat(), &mut self.copy.data) {
            to.as_bytes_mut().copy_from_slice(from);
        }
        Ok(Received::Payload(&self.copy))
    }
}
