//! What one child cost, why one failed, and what a method run adds up to.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::kind::{Access, Codec, PayloadKind};
pub use super::kind::{Phase, PhaseTimes};
use super::live::LiveRecord;
use super::method::{self, Method, Role};
use super::noise::{MachineLoad, NoiseVerdict};
use super::payload::CodecError;
use super::plan::Plan;
use super::receipt::ChildError;
use super::stats::{self, Outliers, Summary};

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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub total_ns: u64,
    pub phases: PhaseTimes,
    pub usage: Usage,
    /// The CPU the parent forked this child on, and the CPUs the child started and ended on
    /// (`sched_getcpu`); `None` where the kernel did not say.
    #[serde(default)]
    pub cpu_parent: Option<u32>,
    #[serde(default)]
    pub cpu_start: Option<u32>,
    #[serde(default)]
    pub cpu_end: Option<u32>,
    /// The child's time on a CPU to the nanosecond (`/proc/PID/schedstat` read before reaping).
    #[serde(default)]
    pub cpu_ns: Option<u64>,
    /// The child's place among every counted child of its run, all methods and the fork
    /// floor together, from 0: the order in which the schedule ran them.
    #[serde(default)]
    pub seq: u64,
}

/// One child that did not verify, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The child's place among the counted children of its method, from 0.
    pub child: u32,
    pub reason: Reason,
}

/// Why a child did not verify. `Display` gives the sentence reports print; `kind` a stable
/// snake_case name. A failed send of the parent's rides along where it is not the cause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reason {
    /// Killed by this signal (its number).
    Signal(i32),
    /// Exited with this status and no report.
    Exit {
        status: i32,
        send: Option<String>,
    },
    /// The child reported why it could not verify.
    Child {
        error: ChildError,
        send: Option<String>,
    },
    /// The child verified, but the parent's send failed.
    Send(String),
    /// Killed at the per-child limit.
    Timeout {
        limit: Duration,
        send: Option<String>,
    },
    /// `fork` failed with this errno.
    Fork(i32),
    /// Reaping failed with this errno: the child's fate is unknown.
    Wait(i32),
    Panicked,
    Orphaned,
    Cancelled,
    /// The parent could not encode the payload for the child.
    Encode(CodecError),
    /// The parent could not set up the child's channel, or the method run at all.
    Setup(String),
    /// A test's injected fault did not reach the child, which verified (see `fault`).
    FaultMissed,
    /// A Python child did not verify, as the harness saw it: the exception it raised, the
    /// signal that killed it, its timeout, or what its check found.
    Python(String),
    /// The Python harness itself failed (ended early, went silent, wrote nonsense), so this
    /// child never ran.
    Harness(String),
    /// The round trip's echo differed from the message sent (see `mode::roundtrip`).
    Echo,
}

impl Reason {
    pub fn kind(&self) -> &'static str {
        match self {
            Reason::Signal(_) => "signal",
            Reason::Exit { .. } => "exit_status",
            Reason::Child { .. } => "child_error",
            Reason::Send(_) => "send_error",
            Reason::Timeout { .. } => "timeout",
            Reason::Fork(_) => "fork_error",
            Reason::Wait(_) => "wait_error",
            Reason::Panicked => "panicked",
            Reason::Orphaned => "orphaned",
            Reason::Cancelled => "cancelled",
            Reason::Encode(_) => "encode_error",
            Reason::Setup(_) => "setup_error",
            Reason::FaultMissed => "fault_missed",
            Reason::Python(_) => "python_error",
            Reason::Harness(_) => "harness_error",
            Reason::Echo => "echo_mismatch",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errno = |errno: i32| nix::Error::from_raw(errno).desc();
        match self {
            Reason::Signal(signal) => match nix::sys::signal::Signal::try_from(*signal) {
                Ok(signal) => write!(f, "killed by {}", signal.as_str()),
                Err(_) => write!(f, "killed by signal {signal}"),
            },
            Reason::Exit { status, send: None } => write!(f, "exited with status {status} without a report"),
            Reason::Exit {
                status,
                send: Some(send),
            } => write!(f, "exited with status {status}; the parent's send failed: {send}"),
            Reason::Child { error, send: None } => write!(f, "{error}"),
            Reason::Child {
                error,
                send: Some(send),
            } => write!(f, "{error}; the parent's send failed: {send}"),
            Reason::Send(send) => write!(f, "the parent's send failed: {send}"),
            Reason::Timeout { limit, send: None } => write!(f, "timed out after {limit:?} and was killed"),
            Reason::Timeout {
                send: Some(send), ..
            } => write!(
                f,
                "the parent's send failed ({send}); the child, left waiting, was killed at the timeout"
            ),
            Reason::Fork(libc::EAGAIN) => f.write_str(
                "fork failed: the limit on processes is reached (RLIMIT_NPROC, kernel.pid_max or the cgroup's pids.max)",
            ),
            Reason::Fork(code) => write!(f, "fork failed: {}", errno(*code)),
            Reason::Wait(code) => write!(f, "wait4 failed: {}", errno(*code)),
            Reason::Panicked => f.write_str("the child panicked"),
            Reason::Orphaned => f.write_str("the child found its parent gone"),
            Reason::Cancelled => f.write_str("cancelled"),
            Reason::Encode(error) => write!(f, "{error}"),
            Reason::Setup(problem) => f.write_str(problem),
            Reason::FaultMissed => f.write_str("the injected fault did not reach the child, which verified"),
            Reason::Python(error) => write!(f, "Python: {error}"),
            Reason::Harness(error) => write!(f, "the child never ran: {error}"),
            Reason::Echo => f.write_str("the message that came back differs from the one sent"),
        }
    }
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
    /// What living children add (`--mode worker|roundtrip`, `--parallel`); `None` for fresh
    /// children one at a time.
    #[serde(default)]
    pub live: Option<Box<LiveRecord>>,
    /// With `--repeats auto`: the relative half-width of the median's 95% interval the run
    /// ran until (0.02 for 2%).
    #[serde(default)]
    pub precision_target: Option<f64>,
    /// In interleaved rounds, which group of methods set up side by side (as many as fit in
    /// memory) this one ran in, from 0; `None` in blocks.
    #[serde(default)]
    pub round_group: Option<u32>,
    /// The values of the settings that name the experiment (access, …), by setting id.
    #[serde(default)]
    pub conditions: crate::bench::setting::Conditions,
    /// `summary()`, computed on its first call (once the samples are all in).
    #[serde(skip)]
    pub summary: SummaryCache,
}

/// What is worked out from a result's totals, sorted once and kept. It is no part of what a
/// result is: it never makes two results differ.
#[derive(Clone, Debug, Default)]
pub struct SummaryCache(OnceLock<Box<Computed>>);

/// The totals sorted, and what is read from them.
#[derive(Clone, Debug)]
struct Computed {
    sorted: Vec<u64>,
    summary: Option<Summary>,
    /// The distribution-free 95% interval of the median; `None` below 6 children.
    median_ci95: Option<(u64, u64)>,
    outliers: Outliers,
}

impl Computed {
    fn of(totals: Vec<u64>) -> Computed {
        let mut sorted = totals;
        sorted.sort_unstable();
        Computed {
            summary: Summary::of(&sorted),
            median_ci95: stats::median_ci95(&sorted),
            outliers: Outliers::of(&sorted),
            sorted,
        }
    }
}

impl PartialEq for SummaryCache {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl MethodResult {
    /// What `method` under `plan` has measured before its first child: nothing yet.
    pub fn new(method: &dyn Method, plan: &Plan, payload_bytes: u64) -> MethodResult {
        MethodResult {
            method: method.id().to_string(),
            payload: plan.payload,
            codec: method.codec(plan.codec),
            access: plan.access,
            payload_bytes,
            wire_bytes: None,
            repeats: plan.repeats,
            warmup: plan.warmup,
            phases: method.phases(&plan.shape()),
            // `--repeats auto` gives `repeats` as a bound, far above what most runs reach.
            samples: Vec::with_capacity(plan.repeats.min(10_000) as usize),
            failures: Vec::new(),
            setup_ns: 0,
            partial: false,
            fork_floor_ns: None,
            live: None,
            precision_target: plan.precision_target(),
            round_group: None,
            conditions: crate::bench::setting::conditions(plan),
            summary: SummaryCache::default(),
        }
    }

    pub fn totals(&self) -> Vec<u64> {
        self.samples.iter().map(|sample| sample.total_ns).collect()
    }

    /// The totals sorted and their figures. Computed on the first call and kept: call it once
    /// every sample is in (the runner's result is complete when it is sent).
    fn computed(&self) -> &Computed {
        self.summary
            .0
            .get_or_init(|| Box::new(Computed::of(self.totals())))
    }

    /// The summary of the verified children's totals.
    pub fn summary(&self) -> Option<Summary> {
        self.computed().summary
    }

    /// The distribution-free 95% interval `(low, high)` of the median per child; `None` with
    /// fewer than 6 verified children, where no interval reaches 95%.
    pub fn median_ci95(&self) -> Option<(u64, u64)> {
        self.computed().median_ci95
    }

    /// The children beyond Tukey's fences.
    pub fn outliers(&self) -> Outliers {
        self.computed().outliers
    }

    /// Whether the figures are noisy, given the machine's load during the run where it was
    /// read and its online CPUs.
    pub fn noise(&self, load: Option<&MachineLoad>, machine_cpus: usize) -> NoiseVerdict {
        NoiseVerdict::judge(&self.computed().sorted, load, machine_cpus)
    }

    /// Whether the p99 is a figure of its own (n ≥ 100) rather than the maximum under a name.
    pub fn p99_exact(&self) -> bool {
        stats::percentile_is_exact(99.0, self.samples.len())
    }

    /// The one-time work spread over the counted children: what each child would carry if the
    /// setup were paid per child. `None` without setup work or counted children.
    pub fn setup_per_child_ns(&self) -> Option<u64> {
        let counted = (self.samples.len() + self.failures.len()) as u64;
        (self.setup_ns > 0 && counted > 0).then(|| self.setup_ns / counted)
    }

    /// Whether bytes per second mean anything here: not for the fork floor, whose child reads
    /// no payload.
    pub fn throughput_applies(&self) -> bool {
        method::find(&self.method).is_none_or(|method| method.role() != Role::ForkFloor)
    }

    /// Whether the kernel's accounting of a child exists: memcpy makes no child.
    pub fn has_child(&self) -> bool {
        method::find(&self.method).is_none_or(|method| method.forks())
    }

    /// Whether this result is a floor the others are read against rather than a contender.
    pub fn is_floor(&self) -> bool {
        method::find(&self.method).is_some_and(|method| method.role().is_floor())
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

    /// The share (0…1) of verified children that started on the CPU their parent forked them
    /// on; `None` where no child's CPUs are known.
    pub fn child_on_parent_cpu(&self) -> Option<f64> {
        let known: Vec<bool> = self
            .samples
            .iter()
            .filter_map(|sample| Some(sample.cpu_start? == sample.cpu_parent?))
            .collect();
        let together = known.iter().filter(|&&together| together).count();
        (!known.is_empty()).then(|| together as f64 / known.len() as f64)
    }

    /// The median of the children's precise CPU time (`Sample::cpu_ns`), where it was read.
    pub fn cpu_ns_median(&self) -> Option<u64> {
        let times: Vec<u64> = self.samples.iter().filter_map(|sample| sample.cpu_ns).collect();
        Summary::of(&times).map(|summary| summary.median)
    }

    /// The relative half-width of the median's 95% interval (0.02 for ±2%), where there are
    /// enough children for one.
    pub fn precision_reached(&self) -> Option<f64> {
        let mut sorted = self.totals();
        sorted.sort_unstable();
        stats::median_ci95_relative_half_width(&sorted)
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
                    ..Sample::default()
                })
                .collect(),
            failures: Vec::new(),
            setup_ns: 0,
            partial: false,
            fork_floor_ns: None,
            live: None,
            precision_target: None,
            round_group: None,
            conditions: crate::bench::setting::conditions(&Plan::default()),
            summary: SummaryCache::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_as_the_sentences_reports_print_and_name_their_kind() {
        let cases = [
            (Reason::Signal(libc::SIGKILL), "killed by SIGKILL", "signal"),
            (Reason::Signal(1000), "killed by signal 1000", "signal"),
            (
                Reason::Exit {
                    status: 7,
                    send: None,
                },
                "exited with status 7 without a report",
                "exit_status",
            ),
            (
                Reason::Child {
                    error: ChildError::Checksum,
                    send: Some("the child stopped reading".into()),
                },
                "checksum mismatch: the data differs from the parent's; the parent's send failed: the child stopped reading",
                "child_error",
            ),
            (
                Reason::Timeout {
                    limit: Duration::from_secs(1),
                    send: None,
                },
                "timed out after 1s and was killed",
                "timeout",
            ),
            (
                Reason::Fork(libc::EAGAIN),
                "fork failed: the limit on processes is reached (RLIMIT_NPROC, kernel.pid_max or the cgroup's pids.max)",
                "fork_error",
            ),
            (Reason::Wait(libc::ECHILD), "wait4 failed: No child processes", "wait_error"),
            (Reason::Panicked, "the child panicked", "panicked"),
            (
                Reason::Python("the child was killed by SIGKILL".into()),
                "Python: the child was killed by SIGKILL",
                "python_error",
            ),
            (
                Reason::Harness("the Python harness ended early (signal 9)".into()),
                "the child never ran: the Python harness ended early (signal 9)",
                "harness_error",
            ),
        ];
        for (reason, text, kind) in cases {
            assert_eq!((reason.to_string().as_str(), reason.kind()), (text, kind));
        }
    }

    #[test]
    fn noise_figures_come_from_the_sorted_totals() {
        // 1..=20 and one far straggler: the interval of the median of 21 is ranks 6 and 16.
        let mut totals: Vec<u64> = (1..=20).map(|i| i * 100).collect();
        totals.insert(3, 50_000);
        let result = MethodResult::made_up("pipe", 8, &totals);
        assert_eq!(result.median_ci95(), Some((600, 1600)));
        assert_eq!(
            result.outliers(),
            Outliers {
                low: 0,
                high: 1,
                far: 1
            }
        );
        assert_eq!(
            result.noise(None, 2).warning().as_deref(),
            Some("the middle half of the children spread over 91% of their median. These figures may be off: rerun on a quieter machine or with more children.")
        );
        assert!(!result.p99_exact());
        assert_eq!(
            MethodResult::made_up("pipe", 8, &[1, 2, 3, 4, 5]).median_ci95(),
            None
        );
        let hundred: Vec<u64> = (1..=100).collect();
        assert!(MethodResult::made_up("pipe", 8, &hundred).p99_exact());
    }

    #[test]
    fn setup_is_spread_over_counted_children_and_floors_know_what_they_lack() {
        let mut shm = MethodResult::made_up("shm", 8, &[10, 20, 30]);
        assert_eq!(shm.setup_per_child_ns(), None);
        shm.setup_ns = 9_000;
        shm.failures.push(Failure {
            child: 3,
            reason: Reason::Panicked,
        });
        assert_eq!(shm.setup_per_child_ns(), Some(2_250));
        let fork = MethodResult::made_up("fork", 8, &[10]);
        let memcpy = MethodResult::made_up("memcpy", 8, &[10]);
        assert_eq!(
            [&shm, &fork, &memcpy].map(|r| (r.throughput_applies(), r.has_child(), r.is_floor())),
            [(true, true, false), (false, true, true), (true, false, true)]
        );
    }

    #[test]
    fn the_summary_is_computed_once_and_never_makes_results_differ() {
        let result = MethodResult::made_up("pipe", 8, &[30, 10, 20]);
        let fresh = result.clone();
        assert_eq!(result.summary().map(|summary| summary.median), Some(20));
        assert_eq!(result, fresh);
        assert_eq!(result.summary(), fresh.summary());
    }
}
