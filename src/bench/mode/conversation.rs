//! What a mode does with a living child, item after item: the one seam between the lanes
//! (`pool`) and the modes (`roundtrip`, `worker`).

use nix::unistd::Pid;

use super::super::fault::FaultKind;
use super::super::kind::Phase;
use super::super::result::{Reason, Sample};
use super::link::End;

/// What a mode does with a living child, item after item.
pub trait Conversation: Sync {
    /// The bytes of one message parent → child, and back.
    fn sizes(&self) -> (usize, usize);
    /// The bytes one verified item counts for the pool's throughput.
    fn item_bytes(&self) -> u64;
    /// The phases of one item, in order.
    fn phases(&self) -> Vec<Phase>;
    /// In the child: serves items from number `first` on until the link breaks; returns the
    /// exit status. `fault` strikes at item `fault.0`. Fork-safe.
    fn serve(&self, end: End, first: u64, fault: Option<(u64, FaultKind)>) -> i32;
    /// In the parent: item number `seq` with `child`, timed and verified.
    fn exchange(&mut self, end: &mut End, seq: u64, child: Pid) -> Result<Sample, Reason>;
}
