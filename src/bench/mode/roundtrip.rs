//! `--mode roundtrip`: a message of `--message` bytes goes parent → child → parent, and each
//! round trip is a sample. The child checks every message it gets against the bytes it
//! expects (the round trip's number, then a fixed pattern) and echoes it; the parent checks
//! the echo the same way. A child that finds a wrong message exits (`EXIT_REPORTED`).

use nix::unistd::Pid;

use super::super::fault::{self, FaultKind};
use super::super::kind::Phase;
use super::super::receipt::{now_ns, EXIT_REPORTED};
use super::super::result::{Reason, Sample, Usage};
use super::conversation::Conversation;
use super::link::End;
use super::living::EXIT_LINK_BROKEN;

/// The bytes of round trip number `seq`: its number (little endian, as many bytes of it as
/// fit in the first eight), then a fixed pattern. A stale, lost or repeated message differs.
pub struct Message {
    bytes: Vec<u8>,
}

impl Message {
    pub fn new(len: usize) -> Message {
        Message {
            bytes: (0..len)
                .map(|at| (at as u8).wrapping_mul(31).wrapping_add(7))
                .collect(),
        }
    }

    fn stamped(&self) -> usize {
        self.bytes.len().min(8)
    }

    /// The message of round trip `seq`.
    pub fn of(&mut self, seq: u64) -> &[u8] {
        let stamped = self.stamped();
        self.bytes[..stamped].copy_from_slice(&seq.to_le_bytes()[..stamped]);
        &self.bytes
    }

    /// Whether `got` is the message of round trip `seq`.
    pub fn is(&self, seq: u64, got: &[u8]) -> bool {
        let stamped = self.stamped();
        got.len() == self.bytes.len()
            && got[..stamped] == seq.to_le_bytes()[..stamped]
            && got[stamped..] == self.bytes[stamped..]
    }
}

/// The round-trip conversation of one lane.
pub struct Echo {
    message: Message,
}

impl Echo {
    pub fn new(len: usize) -> Echo {
        Echo {
            message: Message::new(len),
        }
    }

    fn len(&self) -> usize {
        self.message.bytes.len()
    }
}

impl Conversation for Echo {
    fn sizes(&self) -> (usize, usize) {
        (self.len(), self.len())
    }

    fn item_bytes(&self) -> u64 {
        self.len() as u64
    }

    fn phases(&self) -> Vec<Phase> {
        vec![Phase::Transfer]
    }

    fn serve(&self, mut end: End, first: u64, fault: Option<(u64, FaultKind)>) -> i32 {
        let len = self.len();
        let expected = Message::new(len);
        let mut corrupted = Vec::new();
        for seq in first.. {
            let strike = fault.filter(|(at, _)| *at == seq).map(|(_, kind)| kind);
            fault::before_receive(strike);
            let Ok(got) = end.rx.recv(len, None) else {
                return EXIT_LINK_BROKEN;
            };
            if !expected.is(seq, got) {
                return EXIT_REPORTED;
            }
            let echo = if strike == Some(FaultKind::Corrupt) {
                // The echo, one bit flipped: the parent must notice.
                corrupted.clear();
                corrupted.extend_from_slice(got);
                if let Some(last) = corrupted.last_mut() {
                    *last ^= 1;
                }
                &corrupted[..]
            } else {
                got
            };
            if end.tx.send(echo, None).is_err() {
                return EXIT_LINK_BROKEN;
            }
        }
        EXIT_LINK_BROKEN
    }

    fn exchange(&mut self, end: &mut End, seq: u64, child: Pid) -> Result<Sample, Reason> {
        let len = self.len();
        let start = now_ns();
        end.tx.send(self.message.of(seq), Some(child))?;
        let echo = end.rx.recv(len, Some(child))?;
        let done = now_ns();
        if !self.message.is(seq, echo) {
            return Err(Reason::Echo);
        }
        let total_ns = done.saturating_sub(start);
        let mut phases = [None; Phase::ALL.len()];
        phases[Phase::Transfer.index()] = Some(total_ns);
        // The kernel's accounting is per process, not per message: none per round trip.
        Ok(Sample {
            total_ns,
            phases,
            usage: Usage::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_carries_its_number_and_tells_others_apart() {
        for len in [1, 7, 8, 64, 4097] {
            let mut message = Message::new(len);
            let first = message.of(5).to_vec();
            assert!(message.is(5, &first), "{len}");
            assert!(!message.is(6, &first), "{len}: another number");
            let mut flipped = first.clone();
            flipped[len - 1] ^= 1;
            assert!(!message.is(5, &flipped), "{len}: a flipped bit");
            assert!(!message.is(5, &first[..len - 1]), "{len}: a short message");
        }
    }
}
