//! Fault injection for tests: makes one chosen child misbehave for real, so that tests can
//! check that the parent counts it, never blocks on it, and leaves nothing behind.
//!
//! It is switched on only by the environment variable `IPCSCOPE_TEST_FAULT`, whose value must
//! read `child:<N>:<fault>`: counted child N (from 0) of every method of the run misbehaves.
//! `<fault>` is one of
//!
//! - `kill`: the child SIGKILLs itself before it reads anything, while the parent (where the
//!   payload exceeds the channel) is still sending;
//! - `hang`: the child sleeps forever before receiving, so only the per-child timeout ends it
//!   (meanwhile the parent is blocked sending, where the payload exceeds the channel, or
//!   waiting for the child to exit);
//! - `panic`: the child panics before receiving;
//! - `exit:<S>`: the child exits with status S (0–255) before receiving anything;
//! - `corrupt`: the child flips one bit of what it received before verifying: the last byte
//!   of any bytes that travelled, or the first of an inherited `ints` or `bytes` payload. The
//!   checksum then fails (with `-p bytes` always; a varint codec may fail to decode instead).
//!
//! The parent reads the variable once per run, before any child is forked; a child learns its
//! fault through the memory it inherits and never reads the environment. Faults enter at one
//! place, the driver's child path (`before_receive`, `tamper`); a fault that cannot reach a
//! child (one that execs, or a method without children) makes it count as failed all the same
//! (`Reason::FaultMissed`). The switch stays out
//! of `--help`; a value that does not parse stops the run with an error, so that a mistyped
//! test cannot pass without its fault.

use nix::sys::signal::{kill, Signal};

use super::payload::{Decoded, Payload, PayloadData};
use super::receipt::{exit_now, Received};

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

// The points of a child's path where a fault strikes, in order. They run in a forked child
// only: they touch no lock and print nothing.

/// Before the child receives: `exit` ends it here, `kill` kills it, `panic` panics, and
/// `hang` never gets past.
pub fn before_receive(fault: Option<FaultKind>) {
    match fault {
        Some(FaultKind::Hang) => loop {
            // The watchdog's SIGKILL ends the wait.
            nix::unistd::pause();
        },
        Some(FaultKind::Exit(status)) => exit_now(i32::from(status)),
        Some(FaultKind::Kill) => {
            // SIGKILL cannot be caught: kill does not return unless it failed.
            let _ = kill(nix::unistd::getpid(), Signal::SIGKILL);
            exit_now(128 + Signal::SIGKILL as i32)
        }
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
        // The last byte is payload data in every codec, never a length.
        Received::Wire(wire) if !wire.is_empty() => {
            copy.extend_from_slice(wire);
            flip_last(copy);
            Received::Wire(copy)
        }
        Received::WireMut(wire) => {
            flip_last(wire);
            Received::WireMut(wire)
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
        Decoded::Owned(mut region) => {
            flip_first(region.as_bytes_mut());
            Decoded::Owned(region)
        }
        Decoded::FlatMut(bytes) => {
            flip_first(bytes);
            Decoded::FlatMut(bytes)
        }
        Decoded::Bytes(mut bytes) => {
            flip_first(&mut bytes);
            Decoded::Bytes(bytes)
        }
        Decoded::Flat(bytes) => {
            copy.extend_from_slice(bytes);
            flip_first(copy);
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
    // SAFETY: no view of the payload is held: the child takes it only once this returns.
    if let Some(PayloadData::Flat(region)) = unsafe { payload.data.child_copy_mut() } {
        flip_first(region.as_bytes_mut());
    }
}

fn flip_first(bytes: &mut [u8]) {
    if let Some(first) = bytes.first_mut() {
        *first ^= 1;
    }
}

fn flip_last(bytes: &mut [u8]) {
    if let Some(last) = bytes.last_mut() {
        *last ^= 1;
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
