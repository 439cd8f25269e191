//! Fault injection for tests: makes one chosen child misbehave for real, so that tests can
//! check that the parent counts it, never blocks on it, and leaves nothing behind.
//!
//! It is switched on only by the environment variable `IPCSCOPE_TEST_FAULT`, whose value must
//! read `child:<N>:<fault>`: counted child N (from 0) of every method of the run misbehaves.
//! `<fault>` is one of
//!
//! - `kill`: the child SIGKILLs itself once it holds half of the bytes sent to it (methods
//!   that move no bytes: once it has received);
//! - `hang`: the child sleeps forever before receiving, so only the per-child timeout ends it
//!   (meanwhile the parent is blocked sending, where the payload exceeds the channel, or
//!   waiting for the child to exit);
//! - `panic`: the child panics after receiving;
//! - `exit:<S>`: the child exits with status S (0–255) before receiving anything;
//! - `corrupt`: the child flips one bit of what it received before verifying: the last byte
//!   of any bytes that travelled, or the first of an inherited `ints` or `bytes` payload. The
//!   checksum then fails (with `-p bytes` always; a varint codec may fail to decode instead).
//!
//! The parent reads the variable once per run, before any child is forked; a child learns its
//! fault through the memory it inherits and never reads the environment. The switch stays out
//! of `--help`; a value that does not parse stops the run with an error, so that a mistyped
//! test cannot pass without its fault.

use std::sync::atomic::{AtomicU64, Ordering};

use super::child::Received;
use super::payload::{Decoded, Payload, PayloadData};

/// The environment variable that switches fault injection on.
pub const VARIABLE: &str = "IPCSCOPE_TEST_FAULT";

/// How a child misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    Kill,
    Hang,
    Panic,
    Exit(u8),
    Corrupt,
}

/// Which counted child misbehaves, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub child: u32,
    pub kind: FaultKind,
}

impl Fault {
    /// The fault `IPCSCOPE_TEST_FAULT` asks for, if it is set. Call in the parent only.
    pub fn from_env() -> Result<Option<Fault>, String> {
        match std::env::var(VARIABLE) {
            Ok(value) => Fault::parse(&value).map(Some),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!("{VARIABLE} is not valid UTF-8")),
        }
    }

    /// Parses `child:<N>:<fault>`.
    pub fn parse(text: &str) -> Result<Fault, String> {
        let malformed = || {
            format!("{VARIABLE}='{text}' is malformed; write child:<N>:kill|hang|panic|corrupt|exit:<status>")
        };
        let rest = text.strip_prefix("child:").ok_or_else(malformed)?;
        let (child, kind) = rest.split_once(':').ok_or_else(malformed)?;
        let child = child.parse().map_err(|_| malformed())?;
        let kind = match kind {
            "kill" => FaultKind::Kill,
            "hang" => FaultKind::Hang,
            "panic" => FaultKind::Panic,
            "corrupt" => FaultKind::Corrupt,
            _ => FaultKind::Exit(
                kind.strip_prefix("exit:")
                    .and_then(|status| status.parse().ok())
                    .ok_or_else(malformed)?,
            ),
        };
        Ok(Fault { child, kind })
    }

    /// The fault counted child `child` must fake, if it is the chosen one.
    pub fn for_child(self, child: u32) -> Option<FaultKind> {
        (self.child == child).then_some(self.kind)
    }
}

/// In a child armed with `kill`: how many received bytes make it die. `u64::MAX` when unarmed,
/// which it always is in the parent.
static KILL_AT: AtomicU64 = AtomicU64::new(u64::MAX);
static RECEIVED: AtomicU64 = AtomicU64::new(0);

/// Called by a method's receiving loop in the child for every chunk that arrived: where a
/// `kill` fault is armed, the child dies once it holds half of what was sent.
pub fn received(bytes: usize) {
    let kill_at = KILL_AT.load(Ordering::Relaxed);
    if kill_at != u64::MAX && RECEIVED.fetch_add(bytes as u64, Ordering::Relaxed) + bytes as u64 >= kill_at {
        die();
    }
}

fn die() -> ! {
    // SAFETY: plain syscalls; SIGKILL cannot be caught, so kill does not return.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
        libc::_exit(137)
    }
}

// The points of a child's path where a fault strikes, in order. They run in a forked child
// only: they touch no lock and print nothing.

/// Before the child receives: `exit` ends it here, `hang` never gets past, `kill` is armed.
pub fn before_receive(fault: Option<FaultKind>, wire_bytes: usize) {
    match fault {
        Some(FaultKind::Hang) => loop {
            // SAFETY: pause only waits for a signal; the watchdog's SIGKILL ends it.
            unsafe { libc::pause() };
        },
        Some(FaultKind::Exit(status)) => {
            // SAFETY: _exit ends the child without running anything of the parent's.
            unsafe { libc::_exit(i32::from(status)) }
        }
        // Half the payload, and up to 8 bytes of framing (vmsplice's length) on top: the child
        // dies with about half of what it was sent.
        Some(FaultKind::Kill) => KILL_AT.store(8 + wire_bytes as u64 / 2, Ordering::Relaxed),
        _ => {}
    }
}

/// Once the child has received: `kill` strikes here if no receiving loop counted bytes; `panic`.
pub fn after_receive(fault: Option<FaultKind>) {
    match fault {
        // The method has no receiving loop that counts bytes, or it moved none.
        Some(FaultKind::Kill) => die(),
        Some(FaultKind::Panic) => panic!("injected fault: the child panics"),
        _ => {}
    }
}

/// Flips one bit of what the child received (`corrupt`); `copy` holds corrupted wire bytes.
pub fn tamper<'a, E>(
    fault: Option<FaultKind>,
    received: Result<Received<'a>, E>,
    copy: &'a mut Vec<u8>,
) -> Result<Received<'a>, E> {
    if fault != Some(FaultKind::Corrupt) {
        return received;
    }
    Ok(match received? {
        Received::Wire(wire) if !wire.is_empty() => {
            copy.extend_from_slice(wire);
            // The last byte is payload data in every codec, never a length.
            if let Some(last) = copy.last_mut() {
                *last ^= 1;
            }
            Received::Wire(copy)
        }
        Received::Payload(payload) => {
            flip_inherited(payload);
            Received::Payload(payload)
        }
        Received::PagesOnly(payload) => {
            flip_inherited(payload);
            Received::PagesOnly(payload)
        }
        Received::Decoded(decoded) => Received::Decoded(flip_decoded(decoded, copy)),
        other => other,
    })
}

/// Flips the first bit of what a streamed method decoded.
fn flip_decoded<'a>(decoded: Decoded<'a>, copy: &'a mut Vec<u8>) -> Decoded<'a> {
    match decoded {
        Decoded::Owned(region) => {
            // SAFETY: the child owns this region; nothing reads it meanwhile.
            unsafe { region.flip_first_bit() };
            Decoded::Owned(region)
        }
        Decoded::Bytes(mut bytes) => {
            if let Some(first) = bytes.first_mut() {
                *first ^= 1;
            }
            Decoded::Bytes(bytes)
        }
        Decoded::Flat(bytes) => {
            copy.extend_from_slice(bytes);
            if let Some(first) = copy.first_mut() {
                *first ^= 1;
            }
            Decoded::Flat(copy)
        }
        Decoded::Records(mut records) => {
            if let Some(first) = records.to_mut().first_mut() {
                first.id ^= 1;
            }
            Decoded::Records(records)
        }
    }
}

/// Flips the first bit of an inherited flat payload: the child's own copy-on-write page.
fn flip_inherited(payload: &Payload) {
    if let PayloadData::Flat(region) = &payload.data {
        // SAFETY: this is a forked child with one thread; nothing reads the region meanwhile.
        unsafe { region.flip_first_bit() };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_format_switches_a_fault_on() {
        assert_eq!(
            Fault::parse("child:3:hang"),
            Ok(Fault {
                child: 3,
                kind: FaultKind::Hang
            })
        );
        assert_eq!(
            Fault::parse("child:0:exit:7").map(|f| f.kind),
            Ok(FaultKind::Exit(7))
        );
        for kind in ["kill", "panic", "corrupt"] {
            assert!(Fault::parse(&format!("child:12:{kind}")).is_ok(), "{kind}");
        }
        for bad in [
            "",
            "1",
            "hang",
            "child:x:hang",
            "child:1:sleep",
            "child:1:exit:300",
            "child:-1:kill",
            "CHILD:1:kill",
        ] {
            let error = Fault::parse(bad).unwrap_err();
            assert!(
                error.contains(VARIABLE) && error.contains("child:<N>"),
                "{bad}: {error}"
            );
        }
        let fault = Fault::parse("child:2:panic").unwrap();
        assert_eq!(
            (fault.for_child(1), fault.for_child(2)),
            (None, Some(FaultKind::Panic))
        );
    }
}
