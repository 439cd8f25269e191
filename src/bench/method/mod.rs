//! The ways to hand data to a child, one file each, behind one trait.

use std::fmt;
use std::io;
use std::os::fd::RawFd;

use nix::unistd::Pid;

use super::env::Environment;
use super::kind::{Access, Codec, Phase, Shape};
use super::payload::{CodecError, Payload};
use super::receipt::{ChildError, Received};

mod argument;
mod channel;
mod cma;
mod fork;
mod inherit;
mod memcpy;
mod pipe;
pub mod queue;
mod shm;
mod socket;
pub mod spawn;
pub mod stream;
mod vmsplice;

/// How the payload reaches a method's children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// No bytes move: the child finds the payload in the memory `fork` gave it.
    Inherited,
    /// The parent encodes the payload for every child and the bytes travel to it.
    PerChild,
    /// The parent encodes the payload once per run; every child reads the same bytes.
    Once,
    /// The parent encodes while it sends and the child decodes while it receives, on two
    /// cores at once: encoding, transfer and decoding overlap in the transfer phase.
    Streamed,
}

/// What a method is to a run: a way to hand data over, or a floor the others are read against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Contender,
    /// A child that receives nothing but what `fork` gives: what any forking method pays at least.
    ForkFloor,
    /// One copy in memory and no child: the memory-bandwidth floor.
    CopyFloor,
}

impl Role {
    pub fn is_floor(self) -> bool {
        self != Role::Contender
    }
}

/// The part a method plays in the tutorial that `--preset seed` reproduces (see `tutorial`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TutorialPart {
    /// The lesson's fast side: the payload inherited through `fork`.
    Inherit,
    Argument,
    /// The lesson's slow side: the payload sent through a queue.
    Queue,
    Pipe,
}

/// One way to hand data to a child.
pub trait Method: Sync {
    /// The short id used on the command line.
    fn id(&self) -> &'static str;
    /// One line: what happens.
    fn summary(&self) -> &'static str;
    /// The teaching text: what happens, which copies, which syscalls, what limits apply.
    fn teaching(&self) -> &'static str;
    fn delivery(&self) -> Delivery;
    fn role(&self) -> Role {
        Role::Contender
    }
    /// The part this method plays in the tutorial, if it is one of the tutorial's four.
    fn tutorial(&self) -> Option<TutorialPart> {
        None
    }
    /// Whether a child process is made at all.
    fn forks(&self) -> bool {
        true
    }
    /// Refuses what this method cannot carry out on this machine, saying why.
    fn check(&self, _shape: &Shape, _env: &Environment) -> Result<(), String> {
        Ok(())
    }
    /// Once per method run, in the parent: what all of its children share.
    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>>;

    /// Whether the payload is encoded with the plan's codec on its way.
    fn uses_codec(&self) -> bool {
        self.delivery() != Delivery::Inherited
    }

    /// The phases a child of this method goes through, in order.
    fn phases(&self, shape: &Shape) -> Vec<Phase> {
        let encoded = self.uses_codec() && shape.codec != Codec::Raw;
        Phase::ALL
            .into_iter()
            .filter(|phase| match phase {
                Phase::Encode => encoded && self.delivery() == Delivery::PerChild,
                Phase::Spawn | Phase::Reap => self.forks(),
                Phase::Transfer => self.delivery() != Delivery::Inherited,
                Phase::Decode => encoded && self.delivery() != Delivery::Streamed,
                Phase::Access => shape.access == Access::Write,
                Phase::Verify => true,
                Phase::Ack => false,
            })
            .collect()
    }
}

/// What a method run shares with its method: what its children receive, the payload, the machine.
pub struct RunContext<'a> {
    pub shape: Shape,
    pub payload: &'a Payload,
    pub env: &'a Environment,
    /// The bytes encoded once, for `Delivery::Once` methods.
    pub wire: &'a [u8],
}

/// One child's handover, split at the fork. `wire` is what the parent encoded for this child
/// (empty for inherited payloads); the child sees the same bytes at the same address.
pub trait Handover {
    /// In the parent, before the fork: make this child's end of the channel (methods that
    /// move no bytes have none).
    fn before_fork(&mut self, _wire: &[u8]) -> io::Result<()> {
        Ok(())
    }
    /// In the child (or in the parent for a method that does not fork): get the payload.
    /// Must be fork-safe: no lock but the allocator's, no printing.
    fn receive(&mut self, wire: &[u8]) -> Result<Received<'_>, ChildError>;
    /// In the parent, after the fork: hand the data over and close the parent's end (methods
    /// that move no bytes send nothing).
    fn send(&mut self, _wire: &[u8], _child: Pid) -> Result<(), SendError> {
        Ok(())
    }
    /// In the parent, after the child is reaped: release what this child used.
    fn after_reap(&mut self) {}
    /// Told once, before the first child, which descriptor children write their report to:
    /// a child that execs must keep it open across the exec.
    fn set_report_fd(&mut self, _fd: RawFd) {}
}

/// Why the parent could not hand a child its data.
#[derive(Debug)]
pub enum SendError {
    /// The child stopped reading: it died, or closed its end.
    ChildGone,
    Encode(CodecError),
    Io(&'static str, nix::Error),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::ChildGone => f.write_str("the child stopped reading before it had everything"),
            SendError::Encode(error) => write!(f, "{error}"),
            SendError::Io(step, errno) => write!(f, "{step} failed: {errno}"),
        }
    }
}

pub type MethodRef = &'static dyn Method;

impl fmt::Debug for dyn Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl PartialEq for dyn Method {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

/// Every method, in the order `ipcscope methods` lists them.
pub static ALL: &[MethodRef] = &[
    &inherit::Inherit,
    &argument::Argument,
    &queue::Queue,
    &pipe::Pipe,
    &socket::Socket,
    &shm::Shm,
    &vmsplice::Vmsplice,
    &cma::Cma,
    &spawn::Spawn,
    &fork::Fork,
    &memcpy::Memcpy,
];

/// The method that plays `role` (each floor is one method).
pub fn with_role(role: Role) -> Option<MethodRef> {
    ALL.iter().copied().find(|method| method.role() == role)
}

/// The floors, in the order of `ALL`.
pub fn floors() -> impl Iterator<Item = MethodRef> {
    ALL.iter().copied().filter(|method| method.role().is_floor())
}

/// The method that plays `part` in the tutorial.
pub fn in_tutorial(part: TutorialPart) -> Option<MethodRef> {
    ALL.iter().copied().find(|method| method.tutorial() == Some(part))
}

pub fn find(id: &str) -> Option<MethodRef> {
    ALL.iter()
        .copied()
        .find(|method| method.id().eq_ignore_ascii_case(id.trim()))
}

pub fn ids() -> Vec<&'static str> {
    ALL.iter().map(|method| method.id()).collect()
}

/// Parses `a,b,c` into methods, or says which id is unknown and which exist.
pub fn parse_list(text: &str) -> Result<Vec<MethodRef>, String> {
    text.split(',')
        .filter(|id| !id.trim().is_empty())
        .map(|id| {
            find(id).ok_or_else(|| format!("unknown method '{}'; allowed: {}", id.trim(), ids().join(", ")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_short_and_lower_case() {
        let ids = ids();
        for id in &ids {
            assert!(id.chars().all(|c| c.is_ascii_lowercase()), "{id}");
            assert_eq!(ids.iter().filter(|other| *other == id).count(), 1, "{id}");
        }
        for required in ["inherit", "argument", "queue", "pipe"] {
            assert!(ids.contains(&required), "{required}");
        }
    }

    #[test]
    fn lists_parse_and_unknown_ids_name_the_valid_ones() {
        let methods = parse_list("pipe,INHERIT, queue").unwrap();
        let ids: Vec<_> = methods.iter().map(|m| m.id()).collect();
        assert_eq!(ids, ["pipe", "inherit", "queue"]);
        let error = parse_list("pipe,carrier-pigeon").unwrap_err();
        assert!(
            error.contains("carrier-pigeon") && error.contains("inherit, argument"),
            "{error}"
        );
    }

    #[test]
    fn every_method_has_a_summary_and_a_teaching_text() {
        for method in ALL {
            let (id, summary, teaching) = (method.id(), method.summary(), method.teaching());
            assert!(
                !summary.is_empty() && summary.chars().count() <= 110,
                "{id}: {summary}"
            );
            assert!(teaching.len() > 200, "{id}");
            assert!(
                teaching.starts_with(&format!("# {id}: ")),
                "{id}: the first line is its title"
            );
            assert!(!teaching.contains("placeholder"), "{id}");
        }
    }
}
