//! The child protocol, shared by the methods (which receive) and the driver (which forks and
//! reaps): what a child received, why it failed, the verification every child runs, the report
//! frame it sends back, the exit statuses it leaves with, and the clock both sides stamp with.

use std::fmt;
use std::os::fd::BorrowedFd;

use nix::sys::time::TimeValLike;
use nix::time::{clock_gettime, ClockId};
use serde::{Deserialize, Serialize};

use super::kind::{Access, Codec, PayloadKind, Shape};
use super::payload::{decode, decode_mut, Decoded, Payload};
use super::placement::current_cpu;

/// Exit status of a child that verified its payload.
pub const EXIT_VERIFIED: i32 = 0;
/// Exit status of a child that reported why it failed.
pub const EXIT_REPORTED: i32 = 3;
/// Exit status of a child that panicked (set by the panic guard).
pub const EXIT_PANICKED: i32 = 4;
/// Exit status of a child whose parent was gone before it started.
pub const EXIT_ORPHANED: i32 = 5;

/// Ends this (child) process with `status` at once: `_exit` runs none of the parent's
/// destructors, atexit handlers, stdio flushes or panic hooks, which a child must not run.
pub fn exit_now(status: i32) -> ! {
    // SAFETY: _exit has no preconditions; it never returns (nix has no wrapper for it).
    unsafe { libc::_exit(status) }
}

/// CLOCK_MONOTONIC in nanoseconds: parent and child share it, so the child times its phases.
pub fn now_ns() -> u64 {
    // CLOCK_MONOTONIC always exists on Linux; a failure would be a kernel without it.
    clock_gettime(ClockId::CLOCK_MONOTONIC).map_or(0, |time| time.num_nanoseconds() as u64)
}

/// What a child got: the payload itself (inherited), or bytes to decode.
pub enum Received<'a> {
    /// The payload as `fork` left it in the child's memory.
    Payload(&'a Payload),
    /// The payload as `fork` left it, of which the child reads one word per page only.
    PagesOnly(&'a Payload),
    /// Wire bytes in the plan's codec, which the child only reads (a read-only mapping).
    Wire(&'a [u8]),
    /// Wire bytes in the plan's codec, in a buffer of the child's own.
    WireMut(&'a mut [u8]),
    /// The payload, decoded while it arrived.
    Decoded(Decoded<'a>),
}

/// Why a child could not verify its payload; sent in its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChildError {
    ShortRead {
        got: u64,
        expected: u64,
    },
    Decode,
    Checksum,
    /// `--access write`, on bytes the child holds read-only.
    ReadOnly,
    Io {
        step: Step,
        errno: i32,
    },
}

/// The step of a child's receipt that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    Read,
    Receive,
    Map,
    Exec,
    Attach,
}

impl ChildError {
    pub fn io(step: Step, errno: nix::Error) -> ChildError {
        ChildError::Io {
            step,
            errno: errno as i32,
        }
    }
}

impl fmt::Display for ChildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildError::ShortRead { got, expected } => {
                write!(f, "short read: got {got} of {expected} bytes")
            }
            ChildError::Decode => f.write_str("the received bytes did not decode"),
            ChildError::Checksum => f.write_str("checksum mismatch: the data differs from the parent's"),
            ChildError::ReadOnly => f.write_str("the child holds the data read-only, so it cannot write it"),
            ChildError::Io {
                step: Step::Attach,
                errno,
            } if *errno == libc::EPERM => f.write_str(
                "Attach failed: not permitted to read the parent's memory (ptrace rules: Yama's kernel.yama.ptrace_scope, or a parent that is not dumpable)",
            ),
            ChildError::Io { step, errno } => {
                write!(f, "{step:?} failed: {}", nix::Error::from_raw(*errno).desc())
            }
        }
    }
}

/// What a child tells its parent: when each of its steps ended, and how it went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildReport {
    pub started: u64,
    pub received: u64,
    pub decoded: u64,
    pub accessed: u64,
    pub verified: u64,
    pub error: Option<ChildError>,
    /// The CPU the child found itself on when it started, and just before it reported.
    pub cpu_start: Option<u32>,
    pub cpu_end: Option<u32>,
}

/// Every report travels as one frame of this many bytes: the child's pid (4 bytes, little
/// endian), then the bincode report, zero-padded. One write below PIPE_BUF, so frames never
/// split or interleave, and the parent can tell its current child's report from a stray one.
pub const REPORT_BYTES: usize = 128;

fn report_config() -> impl bincode::config::Config {
    bincode::config::standard().with_fixed_int_encoding()
}

impl ChildReport {
    /// A report begun at `started`, on the CPU the caller runs on now. Fork-safe.
    pub fn starting(started: u64) -> ChildReport {
        ChildReport {
            started,
            cpu_start: cpu_now(),
            ..ChildReport::default()
        }
    }

    /// The report as the frame that `pid` sends; `None` if it does not fit (it always does).
    pub fn encode(&self, pid: i32) -> Option<[u8; REPORT_BYTES]> {
        let mut frame = [0u8; REPORT_BYTES];
        let (header, body) = frame.split_at_mut(4);
        header.copy_from_slice(&pid.to_le_bytes());
        bincode::serde::encode_into_slice(self, body, report_config()).ok()?;
        Some(frame)
    }

    /// The report in `frame`, if `pid` sent it.
    pub fn decode(frame: &[u8; REPORT_BYTES], pid: i32) -> Option<ChildReport> {
        let (header, body) = frame.split_at(4);
        if header != pid.to_le_bytes() {
            return None;
        }
        bincode::serde::decode_from_slice(body, report_config())
            .ok()
            .map(|(report, _)| report)
    }

    /// The exit status that goes with this report.
    pub fn exit_status(&self) -> i32 {
        if self.error.is_none() {
            EXIT_VERIFIED
        } else {
            EXIT_REPORTED
        }
    }
}

/// What the child checks what it got against.
#[derive(Clone, Copy, Debug)]
pub struct Expectation {
    pub kind: PayloadKind,
    pub codec: Codec,
    pub access: Access,
    pub checksum: u64,
    pub sparse_checksum: u64,
}

impl Expectation {
    pub fn of(shape: Shape, payload: &Payload) -> Expectation {
        Expectation {
            kind: shape.payload,
            codec: shape.codec,
            access: shape.access,
            checksum: payload.checksum,
            sparse_checksum: payload.sparse_checksum,
        }
    }
}

/// Decodes, accesses and verifies what a child received, stamping each step in `report`.
/// Shared by forked children, exec'd children and in-process methods.
pub fn verify(
    received: Result<Received<'_>, ChildError>,
    expect: &Expectation,
    report: &mut ChildReport,
) -> Result<(), ChildError> {
    let received = received?;
    report.received = now_ns();
    let write = expect.access == Access::Write;
    let sparse = matches!(received, Received::PagesOnly(_));
    let expected = if sparse {
        expect.sparse_checksum
    } else {
        expect.checksum
    };
    let mut decoded = match received {
        Received::Payload(payload) | Received::PagesOnly(payload) => {
            report.decoded = now_ns();
            // SAFETY: no view of the payload is held here: it is taken below, after the writes.
            if write && !unsafe { payload.touch_in_child() } {
                return Err(ChildError::ReadOnly);
            }
            report.accessed = now_ns();
            return check(payload.view(), sparse, expected, report);
        }
        Received::Decoded(decoded) => decoded,
        Received::Wire(wire) => decode(expect.kind, expect.codec, wire).map_err(|_| ChildError::Decode)?,
        Received::WireMut(wire) => {
            decode_mut(expect.kind, expect.codec, wire).map_err(|_| ChildError::Decode)?
        }
    };
    report.decoded = now_ns();
    if write && !decoded.touch_every_page() {
        return Err(ChildError::ReadOnly);
    }
    report.accessed = now_ns();
    check(decoded, sparse, expected, report)
}

/// Checksums what the child holds, lets it go (unmapping is part of the verification's cost),
/// and compares.
fn check(
    decoded: Decoded<'_>,
    sparse: bool,
    expected: u64,
    report: &mut ChildReport,
) -> Result<(), ChildError> {
    let checksum = if sparse {
        decoded.sparse_checksum()
    } else {
        decoded.checksum()
    };
    drop(decoded);
    if checksum != expected {
        return Err(ChildError::Checksum);
    }
    report.verified = now_ns();
    Ok(())
}

/// The CPU the caller runs on (`sched_getcpu`), if the kernel says.
pub fn cpu_now() -> Option<u32> {
    current_cpu().ok().and_then(|cpu| u32::try_from(cpu).ok())
}

/// Writes the report to `fd` and ends the process: the last thing a child does. `_exit`
/// runs none of the parent's destructors, atexit handlers or panic hooks.
pub fn report_and_exit(fd: BorrowedFd<'_>, report: &ChildReport) -> ! {
    let report = ChildReport {
        cpu_end: cpu_now(),
        ..*report
    };
    if let Some(frame) = report.encode(nix::unistd::getpid().as_raw()) {
        // The frame is smaller than PIPE_BUF, so the write is atomic; a failed one leaves the
        // parent without a report, which it counts as such.
        let _ = nix::unistd::write(fd, &frame);
    }
    exit_now(report.exit_status())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_report_fits_its_frame_and_reads_back() {
        let report = ChildReport {
            started: u64::MAX,
            received: u64::MAX,
            decoded: u64::MAX,
            accessed: u64::MAX,
            verified: u64::MAX,
            error: Some(ChildError::ShortRead {
                got: u64::MAX,
                expected: u64::MAX,
            }),
            cpu_start: Some(u32::MAX),
            cpu_end: Some(u32::MAX),
        };
        let frame = report.encode(42).expect("fits in REPORT_BYTES");
        assert_eq!(ChildReport::decode(&frame, 42), Some(report));
        assert_eq!(ChildReport::decode(&frame, 43), None, "another child's frame");
    }

    #[test]
    fn a_report_starts_on_the_cpu_it_was_begun_on() {
        let report = ChildReport::starting(7);
        assert_eq!(report.started, 7);
        let cpu = report.cpu_start.expect("sched_getcpu works here");
        assert!(crate::bench::topology::allowed_cpus()
            .unwrap()
            .contains(&(cpu as usize)));
    }
}
