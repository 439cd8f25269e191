//! `--mode worker`: one child made once, handed payload after payload over its method's link.
//! For each, the parent encodes and sends; the child receives the whole wire, decodes,
//! verifies (`receipt::verify`, as every fresh child does) and acknowledges with its report
//! frame, which carries its timestamps and any error. A handover's time runs from the start
//! of encoding to the acknowledgement's arrival; no fork and no exit sit in it.

use nix::unistd::Pid;

use super::super::fault::{self, FaultKind};
use super::super::kind::{Access, Codec, Phase};
use super::super::payload::Payload;
use super::super::receipt::{now_ns, verify, ChildError, ChildReport, Expectation, Received, REPORT_BYTES};
use super::super::result::{PhaseTimes, Reason, Sample, Usage};
use super::conversation::Conversation;
use super::link::{End, Rx};
use super::living::EXIT_LINK_BROKEN;
use super::Context;

/// The worker conversation of one lane.
pub struct Handing<'a> {
    payload: &'a Payload,
    codec: Codec,
    access: Access,
    expect: Expectation,
    wire_len: usize,
    /// The parent's encoding buffer, reused handover after handover.
    encoded: Vec<u8>,
}

impl<'a> Handing<'a> {
    pub fn new(context: &Context<'a>) -> Result<Handing<'a>, String> {
        let plan = context.plan;
        let payload = context.payload;
        let wire_len = payload
            .encoded_len(plan.codec)
            .map_err(|error| error.to_string())?;
        Ok(Handing {
            payload,
            codec: plan.codec,
            access: plan.access,
            expect: Expectation::of(plan.shape(), payload),
            wire_len,
            encoded: Vec::new(),
        })
    }
}

impl Conversation for Handing<'_> {
    fn sizes(&self) -> (usize, usize) {
        (self.wire_len, REPORT_BYTES)
    }

    fn item_bytes(&self) -> u64 {
        self.payload.bytes
    }

    fn phases(&self) -> Vec<Phase> {
        let encoded = self.codec != Codec::Raw;
        Phase::ALL
            .into_iter()
            .filter(|phase| match phase {
                Phase::Encode | Phase::Decode => encoded,
                Phase::Access => self.access == Access::Write,
                Phase::Transfer | Phase::Verify | Phase::Ack => true,
                Phase::Spawn | Phase::Reap => false,
            })
            .collect()
    }

    fn serve(&self, mut end: End, first: u64, fault: Option<(u64, FaultKind)>) -> i32 {
        let me = nix::unistd::getpid().as_raw();
        let mut corrupted = Vec::new();
        for seq in first.. {
            let strike = fault.filter(|(at, _)| *at == seq).map(|(_, kind)| kind);
            fault::before_receive(strike);
            let received = match (&mut end.rx, self.access) {
                // Writing needs bytes of the child's own: a stream's or a queue's buffer.
                (Rx::Stream { .. } | Rx::Queue(_), Access::Write) => {
                    end.rx.recv_mut(self.wire_len).map(Received::WireMut)
                }
                _ => end.rx.recv(self.wire_len, None).map(Received::Wire),
            };
            let Ok(received) = received else {
                return EXIT_LINK_BROKEN;
            };
            let mut report = ChildReport {
                started: now_ns(),
                ..ChildReport::default()
            };
            let received = fault::tamper(strike, Ok::<_, ChildError>(received), &mut corrupted);
            if let Err(error) = verify(received, &self.expect, &mut report) {
                report.error = Some(error);
            }
            let Some(frame) = report.encode(me) else {
                return EXIT_LINK_BROKEN;
            };
            // After an error the worker waits on: its parent ends it, and takes the error
            // from the acknowledgement.
            if end.tx.send(&frame, None).is_err() {
                return EXIT_LINK_BROKEN;
            }
        }
        EXIT_LINK_BROKEN
    }

    fn exchange(&mut self, end: &mut End, _seq: u64, child: Pid) -> Result<Sample, Reason> {
        let start = now_ns();
        let wire = self
            .payload
            .encode(self.codec, &mut self.encoded)
            .map_err(Reason::Encode)?;
        let encoded = now_ns();
        end.tx.send(wire, Some(child))?;
        let frame = end.rx.recv(REPORT_BYTES, Some(child))?;
        let acked = now_ns();
        let report = <&[u8; REPORT_BYTES]>::try_from(frame)
            .ok()
            .and_then(|frame| ChildReport::decode(frame, child.as_raw()))
            .ok_or_else(|| Reason::Send("the worker's acknowledgement did not decode".into()))?;
        if let Some(error) = report.error {
            return Err(Reason::Child { error, send: None });
        }
        Ok(Sample {
            total_ns: acked.saturating_sub(start),
            phases: phases(&self.phases(), start, encoded, &report, acked),
            // The kernel's accounting is per process, not per handover.
            usage: Usage::default(),
        })
    }
}

/// A handover's phases from both sides' stamps: encoding, then the transfer until the worker
/// holds every byte, its decoding, access and verification, then the acknowledgement's way
/// back. A phase the handover lacks takes no time of its own: its clock runs on into the next.
fn phases(present: &[Phase], start: u64, encoded: u64, report: &ChildReport, acked: u64) -> PhaseTimes {
    let ends = [
        (Phase::Encode, encoded),
        (Phase::Transfer, report.received),
        (Phase::Decode, report.decoded),
        (Phase::Access, report.accessed),
        (Phase::Verify, report.verified),
        (Phase::Ack, acked),
    ];
    let mut times = [None; Phase::ALL.len()];
    let mut from = start;
    for (phase, end) in ends {
        if present.contains(&phase) {
            times[phase.index()] = Some(end.saturating_sub(from));
            from = end;
        }
    }
    times
}
