//! What one child cost, why one failed, and what a method run adds up to.

use serde::{Deserialize, Serialize};

use super::method::Method;
use super::plan::{Access, Codec, PayloadKind, Plan};
use super::stats::{self, Summary};

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
}

impl Phase {
    pub const ALL: [Phase; 7] = [
        Phase::Encode,
        Phase::Spawn,
        Phase::Transfer,
        Phase::Decode,
        Phase::Access,
        Phase::Verify,
        Phase::Reap,
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
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A child's nanoseconds in each phase; `None` where the method has no such phase.
pub type PhaseTimes = [Option<u64>; 7];

/// The kernel's accounting of one child, from `wait4`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub minor_faults: u64,
    pub major_faults: u64,
    pub voluntary_switches: u64,
    pub involuntary_switches: u64,
    pub user_ns: u64,
    pub system_ns: u64,
}

/// One counted child that received and verified its payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub total_ns: u64,
    pub phases: PhaseTimes,
    pub usage: Usage,
}

/// One child that did not verify, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The child's place among the counted children of its method, from 0.
    pub child: u32,
    pub reason: String,
}

/// Everything measured for one method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodResult {
    pub method: String,
    pub payload: PayloadKind,
    /// `None` for methods that move no bytes and so need no codec.
    pub codec: Option<Codec>,
    pub access: Access,
    pub payload_bytes: u64,
    /// Bytes on the wire per child, for methods that move bytes.
    pub wire_bytes: Option<u64>,
    pub repeats: u32,
    pub warmup: u32,
    /// The phases this method has, in order.
    pub phases: Vec<Phase>,
    /// Counted children that verified, in the order they ran.
    pub samples: Vec<Sample>,
    pub failures: Vec<Failure>,
    /// One-time work before the first child (building shared memory, for instance).
    pub setup_ns: u64,
    /// The run was cancelled before every child ran.
    pub partial: bool,
    /// The `fork` baseline's median per child at this payload, measured in the same run.
    #[serde(default)]
    pub fork_floor_ns: Option<u64>,
}

impl MethodResult {
    /// What `method` under `plan` has measured before its first child: nothing yet.
    pub fn new(method: &dyn Method, plan: &Plan, payload_bytes: u64) -> MethodResult {
        MethodResult {
            method: method.id().to_string(),
            payload: plan.payload,
            codec: method.uses_codec().then_some(plan.codec),
            access: plan.access,
            payload_bytes,
            wire_bytes: None,
            repeats: plan.repeats,
            warmup: plan.warmup,
            phases: method.phases(plan),
            samples: Vec::with_capacity(plan.repeats as usize),
            failures: Vec::new(),
            setup_ns: 0,
            partial: false,
            fork_floor_ns: None,
        }
    }

    pub fn totals(&self) -> Vec<u64> {
        self.samples.iter().map(|sample| sample.total_ns).collect()
    }

    pub fn summary(&self) -> Option<Summary> {
        Summary::of(&self.totals())
    }

    pub fn phase_summary(&self, phase: Phase) -> Option<Summary> {
        let times: Vec<u64> = self
            .samples
            .iter()
            .filter_map(|sample| sample.phases[phase.index()])
            .collect();
        Summary::of(&times)
    }

    /// Median of each `Usage` field over the samples.
    pub fn usage_median(&self) -> Usage {
        let median = |field: fn(&Usage) -> u64| {
            let values: Vec<u64> = self.samples.iter().map(|sample| field(&sample.usage)).collect();
            Summary::of(&values).map_or(0, |summary| summary.median)
        };
        Usage {
            minor_faults: median(|u| u.minor_faults),
            major_faults: median(|u| u.major_faults),
            voluntary_switches: median(|u| u.voluntary_switches),
            involuntary_switches: median(|u| u.involuntary_switches),
            user_ns: median(|u| u.user_ns),
            system_ns: median(|u| u.system_ns),
        }
    }

    /// Payload bytes per second at the median time per child.
    pub fn throughput(&self) -> u64 {
        self.summary()
            .map_or(0, |summary| stats::throughput(self.payload_bytes, summary.median))
    }

    /// How many times the fork floor this result's median is.
    pub fn ratio_to_fork_floor(&self) -> Option<f64> {
        let floor = self.fork_floor_ns.filter(|&floor| floor > 0)?;
        Some(self.summary()?.median as f64 / floor as f64)
    }

    /// A key that matches this result with the same experiment in another run.
    pub fn key(&self) -> (String, PayloadKind, Option<Codec>, u64) {
        (self.method.clone(), self.payload, self.codec, self.payload_bytes)
    }
}

#[cfg(test)]
impl MethodResult {
    /// A hand-made result for tests of what is computed from results: `totals` are the
    /// verified children's times.
    pub(crate) fn made_up(method: &str, payload_bytes: u64, totals: &[u64]) -> MethodResult {
        MethodResult {
            method: method.to_string(),
            payload: PayloadKind::Ints,
            codec: (method != "inherit").then_some(Codec::Bincode),
            access: Access::Read,
            payload_bytes,
            wire_bytes: None,
            repeats: totals.len() as u32,
            warmup: 0,
            phases: vec![Phase::Verify],
            samples: totals
                .iter()
                .map(|&total_ns| Sample {
                    total_ns,
                    phases: [None; 7],
                    usage: Usage::default(),
                })
                .collect(),
            failures: Vec::new(),
            setup_ns: 0,
            partial: false,
            fork_floor_ns: None,
        }
    }
}
