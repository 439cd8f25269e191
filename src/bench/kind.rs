//! The small vocabulary that plans, payloads, methods and children share: what the payload is,
//! how it travels, what the child does with it, and the phases of a child's time. It imports
//! nothing of the crate, so everything else may import it.

use serde::{Deserialize, Serialize};

/// The nominal size of one record: its fields and a name of 16 to 31 characters.
pub const RECORD_BYTES: u64 = 64;

/// The data handed to each child.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PayloadKind {
    /// `size / 8` unsigned 64-bit integers `0, 1, 2, …`: the tutorial's `list(range(n))`.
    Ints,
    /// `size` pseudo-random bytes.
    Bytes,
    /// Small structs with a string and numbers: what makes serialization work hard.
    Records,
}

impl PayloadKind {
    pub const ALL: [PayloadKind; 3] = [PayloadKind::Ints, PayloadKind::Bytes, PayloadKind::Records];

    pub fn name(self) -> &'static str {
        match self {
            PayloadKind::Ints => "ints",
            PayloadKind::Bytes => "bytes",
            PayloadKind::Records => "records",
        }
    }

    /// The bytes of one element: a payload holds whole elements only.
    pub fn element_bytes(self) -> u64 {
        match self {
            PayloadKind::Ints => 8,
            PayloadKind::Bytes => 1,
            PayloadKind::Records => RECORD_BYTES,
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| format!("unknown payload '{text}'; allowed: ints, bytes, records"))
    }
}

/// How a payload becomes bytes on the wire, for the methods that move bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Codec {
    /// serde through bincode 2's standard configuration: variable-length integers.
    Bincode,
    /// serde through bincode 2 with fixed-width integers: bigger, but no branching per integer.
    BincodeFixed,
    /// No serialization: the payload's bytes as they lie in memory.
    Raw,
}

impl Codec {
    pub const ALL: [Codec; 3] = [Codec::Bincode, Codec::BincodeFixed, Codec::Raw];

    pub fn name(self) -> &'static str {
        match self {
            Codec::Bincode => "bincode",
            Codec::BincodeFixed => "bincode-fixed",
            Codec::Raw => "raw",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|codec| codec.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| format!("unknown codec '{text}'; allowed: bincode, bincode-fixed, raw"))
    }
}

/// What the child does with the data it got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Reads all of it (the verification).
    Read,
    /// Also writes to every page, so copy-on-write must copy.
    Write,
}

impl Access {
    pub const ALL: [Access; 2] = [Access::Read, Access::Write];

    pub fn name(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|access| access.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| format!("unknown access '{text}'; allowed: read, write"))
    }
}

/// What a method run measures: a fresh child per payload, one living worker handed payload
/// after payload, or small messages echoed back by a living child.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A child forked (or spawned) for every payload: fork and exit sit in every figure.
    #[default]
    Fresh,
    /// One child made once per method run, handed `repeats` payloads one after another.
    Worker,
    /// Messages go parent → child → parent; each round trip is a sample.
    Roundtrip,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Fresh, Mode::Worker, Mode::Roundtrip];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Fresh => "fresh",
            Mode::Worker => "worker",
            Mode::Roundtrip => "roundtrip",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|mode| mode.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| format!("unknown mode '{text}'; allowed: fresh, worker, roundtrip"))
    }
}

/// How the side that waits on shared memory (`shm` in the worker and roundtrip modes) learns
/// that its turn has come.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Wake {
    /// It sleeps in `futex(FUTEX_WAIT)` and the other side wakes it: two system calls a turn.
    #[default]
    Futex,
    /// It spins on the shared word, burning its core: no system call at all.
    Spin,
}

impl Wake {
    pub const ALL: [Wake; 2] = [Wake::Futex, Wake::Spin];

    pub fn name(self) -> &'static str {
        match self {
            Wake::Futex => "futex",
            Wake::Spin => "spin",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|wake| wake.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| format!("unknown wake '{text}'; allowed: futex, spin"))
    }
}

/// What every child of a method run receives and does with it: the part of a plan that a
/// method and its children see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shape {
    pub payload: PayloadKind,
    pub codec: Codec,
    pub access: Access,
}

/// Where a child's time goes. They follow each other, so a child's phases add up to its total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// The parent encodes the payload (before the fork).
    Encode,
    /// From the end of encoding (or the start) until the child runs its first instruction:
    /// the method's per-child set-up (pipes, queues) and `fork`.
    Spawn,
    /// From the child's start until it holds every byte.
    Transfer,
    /// The child decodes the bytes into the payload.
    Decode,
    /// The child writes to every page it got (`--access write` only).
    Access,
    /// The child checksums everything it got and compares with the parent's checksum.
    Verify,
    /// From the child's last step until the parent has reaped it: exit and `wait4`.
    Reap,
    /// From a living worker's verification until its acknowledgement reached the parent.
    Ack,
}

impl Phase {
    pub const ALL: [Phase; 8] = [
        Phase::Encode,
        Phase::Spawn,
        Phase::Transfer,
        Phase::Decode,
        Phase::Access,
        Phase::Verify,
        Phase::Reap,
        Phase::Ack,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Encode => "encode",
            Phase::Spawn => "spawn",
            Phase::Transfer => "transfer",
            Phase::Decode => "decode",
            Phase::Access => "access",
            Phase::Verify => "verify",
            Phase::Reap => "reap",
            Phase::Ack => "ack",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A child's nanoseconds in each phase; `None` where the method has no such phase.
pub type PhaseTimes = [Option<u64>; Phase::ALL.len()];
