//! What to measure: the methods, the payload, the codec and how many children.

use std::fmt;
use std::time::Duration;

use super::env::Environment;
pub use super::kind::{Access, Codec, Mode, PayloadKind, Shape, Wake};
use super::method::{self, MethodRef};
use super::mode::support;
use super::placement::{CpuPair, Placement};
use super::python::PyVerify;
pub use super::schedule::{Precision, Schedule};
use super::topology::{allowed_cpus, Topology};

/// One experiment: every listed method, each with `warmup + repeats` children.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub methods: Vec<MethodRef>,
    pub payload: PayloadKind,
    /// Payload size in bytes.
    pub size: u64,
    pub codec: Codec,
    pub access: Access,
    pub repeats: u32,
    pub warmup: u32,
    /// A child that takes longer than this is killed and counted as a failure;
    /// `None` derives a limit from the payload size.
    pub timeout: Option<Duration>,
    /// The interpreter for the py-* methods: a path, or a name looked up on `PATH`; `None`
    /// is `python3` on `PATH`. Boxed: a plan rides in every run's first event, kept small.
    pub python: Option<Box<std::path::PathBuf>>,
    /// What a py-* child checks of its payload.
    pub py_verify: PyVerify,
    /// Fresh children, one living worker, or round trips (see `mode`).
    pub mode: Mode,
    /// How many children work at once, each with its own payload (see `mode::pool`).
    pub parallel: u32,
    /// The bytes of one round-trip message (`--mode roundtrip` only).
    pub message: u64,
    /// How a side waiting on shared memory learns its turn (`shm` in worker and roundtrip).
    pub wake: Wake,
    /// Which CPUs the parent and its children run on.
    pub placement: Placement,
    /// The order the methods' children run in.
    pub schedule: Schedule,
    /// `--repeats auto`: run until `precision` is reached (then `repeats` is only the most
    /// children per method); otherwise exactly `repeats`.
    pub auto_repeats: bool,
    /// The precision and time limit `--repeats auto` runs to (`--precision`, `--max-time`).
    pub precision: Precision,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            // The tutorial's four methods, in the order it runs them.
            methods: method::ALL
                .iter()
                .copied()
                .filter(|method| method.tutorial().is_some())
                .collect(),
            payload: PayloadKind::Ints,
            size: 8_000_000,
            codec: Codec::Bincode,
            access: Access::Read,
            repeats: 100,
            warmup: 3,
            timeout: None,
            python: None,
            py_verify: PyVerify::Light,
            mode: Mode::Fresh,
            parallel: 1,
            message: support::DEFAULT_MESSAGE,
            wake: Wake::Futex,
            placement: Placement::DEFAULT,
            schedule: Schedule::default(),
            auto_repeats: false,
            precision: Precision::default(),
        }
    }
}

impl Plan {
    /// The methods' ids in the order they run.
    pub fn method_ids(&self) -> Vec<&'static str> {
        self.methods.iter().map(|method| method.id()).collect()
    }
}

impl Plan {
    /// What every child of this plan receives and does with it.
    pub fn shape(&self) -> Shape {
        Shape {
            payload: self.payload,
            codec: self.codec,
            access: self.access,
        }
    }

    /// The most counted children per method: every sample is kept in memory.
    pub const MAX_REPEATS: u32 = 1_000_000;

    /// The tutorial's experiment: 1000 children, each handed 1,000,000 integers, by
    /// ipcscope's four methods and then by the tutorial's own Python (the py-* four, left out
    /// with a notice where no python3 can run them).
    pub fn seed() -> Self {
        let rust = Plan::seed_rust();
        let python = method::PYTHON
            .iter()
            .copied()
            .filter(|method| method.tutorial().is_some());
        Plan {
            methods: rust.methods.iter().copied().chain(python).collect(),
            ..rust
        }
    }

    /// The tutorial's experiment by ipcscope's four methods alone.
    pub fn seed_rust() -> Self {
        Plan {
            repeats: 1000,
            ..Plan::default()
        }
    }

    /// The per-child limit in force: the explicit one, or a generous one for the size
    /// (two seconds plus one per 64 MB, far above any honest transfer).
    pub fn child_timeout(&self) -> Duration {
        self.timeout
            .unwrap_or_else(|| Duration::from_secs(2 + self.size / 64_000_000))
    }

    /// The precision `--repeats auto` runs until, if it is on.
    pub fn precision_target(&self) -> Option<f64> {
        self.auto_repeats.then_some(self.precision.target)
    }

    /// The CPUs the placement pins the parent and its children to on this machine (`None` for
    /// `any`), or why the system forbids it.
    pub fn cpu_pair(&self) -> Result<Option<CpuPair>, String> {
        if self.placement == Placement::Any {
            return Ok(None);
        }
        let topology =
            Topology::read_system().map_err(|error| format!("placement {}: {error}", self.placement))?;
        let allowed = allowed_cpus()
            .map_err(|errno| format!("placement {}: reading the affinity mask: {errno}", self.placement))?;
        self.placement
            .resolve(&topology, &allowed)
            .map_err(|error| format!("placement {}: {error}", self.placement))
    }

    /// Checks what no method can do, before anything is allocated.
    pub fn validate(&self) -> Result<(), String> {
        if self.methods.is_empty() {
            return Err(format!("no method chosen; allowed: {}", method::ids().join(", ")));
        }
        let repeated = (1..self.methods.len()).find(|&at| self.methods[..at].contains(&self.methods[at]));
        if let Some(twice) = repeated.map(|at| self.methods[at]) {
            return Err(format!(
                "method {} is listed twice; list each method once",
                twice.id()
            ));
        }
        if self.repeats == 0 {
            return Err("repeats must be at least 1".into());
        }
        if self.repeats > Self::MAX_REPEATS {
            return Err(format!(
                "repeats must be at most {}, got {}",
                Self::MAX_REPEATS,
                self.repeats
            ));
        }
        if self.codec == Codec::Pickle {
            return Err("codec pickle is Python's own: the py-* methods use it, whatever the codec; choose bincode, bincode-fixed or raw".into());
        }
        if self.payload == PayloadKind::Records && self.codec == Codec::Raw {
            return Err(
                "codec raw cannot carry records: they hold pointers to their strings; use bincode or bincode-fixed"
                    .into(),
            );
        }
        Ok(())
    }
}

impl Plan {
    /// Everything that makes a plan impossible here: `validate`, `check_memory`, the mode's and
    /// each method's own checks, as one message naming the problem.
    pub fn check(&self, env: &Environment) -> Result<(), String> {
        self.validate().and_then(|()| self.check_memory(env))?;
        self.check_mode(env)?;
        self.cpu_pair()?;
        for method in &self.methods {
            method
                .check(&self.shape(), env)
                .map_err(|problem| format!("method {} cannot run here: {problem}", method.id()))?;
        }
        Ok(())
    }

    /// `check`, then `check_whole_elements`: what a person asks for on the command line or in
    /// the explorer. The core runs any size, rounded down to whole elements (a sweep's sizes
    /// are); a person who asks for `1B` of ints is told, not handed none.
    pub fn check_as_asked(&self, env: &Environment) -> Result<(), String> {
        // The methods' own refusals first: a method that cannot carry the payload says so.
        self.check(env).and_then(|()| self.check_whole_elements())
    }

    /// Refuses a size that is not a whole number of the payload's elements, naming the whole
    /// sizes nearest it: a payload holds whole elements only, and a size silently rounded down
    /// would measure less than asked (`1B` of ints would be none). The core itself still rounds
    /// down (a sweep's sizes do, and say so), so this is a check of what a person asks for.
    pub fn check_whole_elements(&self) -> Result<(), String> {
        let unit = self.payload.element_bytes();
        if self.size.is_multiple_of(unit) {
            return Ok(());
        }
        let below = self.size / unit * unit;
        let above = below + unit;
        let choices = if below == 0 {
            format!("{above}B")
        } else {
            format!("{below}B or {above}B")
        };
        Err(format!(
            "a size of {} is not a whole number of {} ({unit} bytes each); use {choices}",
            Size(self.size),
            self.payload.name()
        ))
    }

    /// Everything the mode settings make impossible, as one message naming the problem.
    fn check_mode(&self, env: &Environment) -> Result<(), String> {
        let plan = self;
        for method in &plan.methods {
            if let Some(why) = support::refusal(*method, plan.mode) {
                return Err(format!(
                    "method {} cannot run in --mode {}: {why}",
                    method.id(),
                    plan.mode.name()
                ));
            }
        }
        let most = support::max_parallel();
        if plan.parallel == 0 || plan.parallel > most {
            return Err(format!(
                "parallel must be from 1 to {most} ({} per CPU this process may use), got {}",
                support::PARALLEL_PER_CPU,
                plan.parallel
            ));
        }
        if plan.mode == Mode::Fresh && plan.parallel > 1 {
            return Err(
                "--parallel with --mode fresh is not built yet: fresh children run one at a time; use --mode worker or roundtrip for several at once"
                    .into(),
            );
        }
        match plan.mode {
            Mode::Roundtrip if plan.message == 0 || plan.message > support::MAX_MESSAGE => {
                return Err(format!(
                    "a round-trip message must be from 1 B to {}, got {}",
                    Size(support::MAX_MESSAGE),
                    Size(plan.message)
                ))
            }
            Mode::Worker if plan.size == 0 => {
                return Err("a worker must be handed at least 1 byte; choose a larger --size".into())
            }
            Mode::Worker if plan.access == Access::Write && plan.methods.iter().any(|m| m.id() == "shm") => {
                return Err(
                    "method shm cannot run in --mode worker with --access write: the worker reads the shared slot in place, and the parent writes the next payload there"
                        .into(),
                )
            }
            _ => {}
        }
        // Every child at once holds its own copies (see `Plan::check_memory`).
        let bytes = match plan.mode {
            Mode::Roundtrip => plan.message,
            Mode::Fresh | Mode::Worker => plan.size,
        };
        let needed = bytes.saturating_mul(4).saturating_mul(u64::from(plan.parallel));
        if plan.parallel > 1 && env.memory_available > 0 && needed > env.memory_available {
            return Err(format!(
                "{} children at once with {} each need about {} of memory, but only {} is available; choose a smaller --parallel",
                plan.parallel,
                Size(bytes),
                Size(needed),
                Size(env.memory_available)
            ));
        }
        Ok(())
    }

    /// Refuses a payload that would not fit in the memory available, before anything is
    /// allocated. A method that moves bytes holds up to four copies at once: the payload, its
    /// encoding, and the child's receive buffer and decoded copy.
    pub fn check_memory(&self, env: &Environment) -> Result<(), String> {
        let moves_bytes = self.methods.iter().any(|method| method.uses_codec());
        let copies: u64 = if moves_bytes { 4 } else { 2 };
        let needed = self.size.saturating_mul(copies);
        if env.memory_available > 0 && needed > env.memory_available {
            return Err(format!(
                "a payload of {} needs about {} of memory here ({copies} copies at once), but only {} is available; choose a smaller size",
                Size(self.size),
                Size(needed),
                Size(env.memory_available)
            ));
        }
        Ok(())
    }
}

impl Plan {
    /// Which methods (by index) are set up side by side for interleaved rounds: consecutive
    /// groups in the plan's order, each as large as memory allows. Beside the payload and one
    /// child's two copies (what `check_memory` counts for one method), each method that moves
    /// bytes holds about one encoding of it for the whole run. In blocks every method is alone.
    pub fn side_by_side(&self, env: &Environment) -> Vec<Vec<usize>> {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let base = self.size.saturating_mul(3);
        let mut held = 0u64;
        // The py-* methods run in the Python harness after the rounds, not in them.
        for (index, method) in self
            .methods
            .iter()
            .enumerate()
            .filter(|(_, method)| method.python().is_none())
        {
            let holds = if method.uses_codec() { self.size } else { 0 };
            let fits = env.memory_available == 0
                || base.saturating_add(held).saturating_add(holds) <= env.memory_available;
            match groups.last_mut() {
                Some(group) if self.schedule == Schedule::Interleaved && fits => {
                    group.push(index);
                    held = held.saturating_add(holds);
                }
                _ => {
                    groups.push(vec![index]);
                    held = holds;
                }
            }
        }
        groups
    }
}

/// A payload size as a person writes it: `8MB`, `12MiB`, `4096`, `1.5GB`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Size(pub u64);

const UNITS: [(&str, u64); 8] = [
    ("b", 1),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("", 1),
];

impl Size {
    pub const ALLOWED: &'static str =
        "a number with an optional unit B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), e.g. 8MB or 12MiB";

    pub fn parse(text: &str) -> Result<Size, String> {
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let unit = unit.trim();
        let Some(&(_, factor)) = UNITS.iter().find(|(name, _)| name.eq_ignore_ascii_case(unit)) else {
            return Err(format!(
                "unknown unit '{unit}' in size '{text}'; allowed: {}",
                Self::ALLOWED
            ));
        };
        if number.is_empty() {
            return Err(format!("size '{text}' has no number; allowed: {}", Self::ALLOWED));
        }
        let too_large = || format!("size '{text}' is too large");
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if fraction.contains('.') || fraction.len() > 18 || (whole.is_empty() && fraction.is_empty()) {
            return Err(format!(
                "size '{text}' is not a number; allowed: {}",
                Self::ALLOWED
            ));
        }
        // Exact decimal arithmetic: `2.01KB` is 2010 bytes, not 2009.999….
        let scale = 10u128.pow(fraction.len() as u32);
        let digits = |part: &str| {
            if part.is_empty() {
                Ok(0)
            } else {
                part.parse::<u128>()
            }
        };
        let (whole, fraction) = (
            digits(whole).map_err(|_| too_large())?,
            digits(fraction).map_err(|_| too_large())?,
        );
        let scaled = whole
            .checked_mul(scale)
            .and_then(|value| value.checked_add(fraction))
            .and_then(|value| value.checked_mul(u128::from(factor)))
            .ok_or_else(too_large)?;
        if scaled % scale != 0 {
            return Err(format!("size '{text}' is not a whole number of bytes"));
        }
        let bytes = u64::try_from(scaled / scale).map_err(|_| too_large())?;
        Ok(Size(bytes))
    }
}

impl fmt::Display for Size {
    /// In the largest unit that fits: binary where the size is a whole number of it (`64 MiB`),
    /// decimal otherwise (`8 MB`, `1.50 MB`, `100 TB`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const BINARY: [(&str, u64); 4] = [
            ("TiB", 1 << 40),
            ("GiB", 1 << 30),
            ("MiB", 1 << 20),
            ("KiB", 1 << 10),
        ];
        const DECIMAL: [(&str, u64); 4] = [
            ("TB", 1_000_000_000_000),
            ("GB", 1_000_000_000),
            ("MB", 1_000_000),
            ("KB", 1_000),
        ];
        let bytes = self.0;
        if let Some(&(unit, factor)) = BINARY.iter().find(|&&(_, factor)| bytes >= factor) {
            if bytes.is_multiple_of(factor) {
                return write!(f, "{} {unit}", bytes / factor);
            }
        }
        match DECIMAL.iter().find(|&&(_, factor)| bytes >= factor) {
            Some(&(unit, factor)) if bytes.is_multiple_of(factor) => write!(f, "{} {unit}", bytes / factor),
            Some(&(unit, factor)) => write!(f, "{:.2} {unit}", bytes as f64 / factor as f64),
            None => write!(f, "{bytes} B"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_every_unit_and_case() {
        let cases = [
            ("0", 0),
            ("4096", 4096),
            ("17B", 17),
            ("8MB", 8_000_000),
            ("8mb", 8_000_000),
            ("12MiB", 12 << 20),
            ("12mib", 12 << 20),
            ("1KB", 1000),
            ("1kib", 1024),
            ("2GB", 2_000_000_000),
            ("1GiB", 1 << 30),
            ("1.5MB", 1_500_000),
            ("0.5KiB", 512),
            ("2.01KB", 2010),
            ("4.06MB", 4_060_000),
            ("0.001KB", 1),
            (" 3 MB ", 3_000_000),
        ];
        for (text, bytes) in cases {
            assert_eq!(Size::parse(text), Ok(Size(bytes)), "{text}");
        }
    }

    #[test]
    fn bad_sizes_name_the_problem_and_what_is_allowed() {
        for text in [
            "8XB",
            "MB",
            "",
            "-1",
            "1.2.3MB",
            "0.3B",
            "99999999999999999999GB",
            "abc",
        ] {
            let error = Size::parse(text).expect_err(text);
            assert!(
                error.contains(text.trim()) || error.contains("too large"),
                "{text}: {error}"
            );
        }
        assert!(Size::parse("8XB").unwrap_err().contains("KiB"));
    }

    #[test]
    fn sizes_display_in_the_unit_they_were_likely_written_in() {
        assert_eq!(Size(8_000_000).to_string(), "8 MB");
        assert_eq!(Size(64 << 20).to_string(), "64 MiB");
        assert_eq!(Size(4096).to_string(), "4 KiB");
        assert_eq!(Size(1_500_000).to_string(), "1.50 MB");
        assert_eq!(Size(999).to_string(), "999 B");
        assert_eq!(Size(0).to_string(), "0 B");
        assert_eq!(Size(100_000_000_000_000).to_string(), "100 TB");
        assert_eq!(Size(23_619_522_560).to_string(), "23.62 GB");
        assert_eq!(Size(3 << 40).to_string(), "3 TiB");
    }

    #[test]
    fn plans_refuse_what_no_method_can_do() {
        let plan = Plan {
            repeats: 0,
            ..Plan::default()
        };
        assert!(plan.validate().unwrap_err().contains("at least 1"));
        let plan = Plan {
            payload: PayloadKind::Records,
            codec: Codec::Raw,
            ..Plan::default()
        };
        assert!(plan.validate().unwrap_err().contains("bincode"));
        assert_eq!(Plan::default().validate(), Ok(()));
        let sized = |payload, size| Plan {
            payload,
            size,
            ..Plan::default()
        };
        assert_eq!(
            sized(PayloadKind::Ints, 1).check_whole_elements(),
            Err("a size of 1 B is not a whole number of ints (8 bytes each); use 8B".into())
        );
        assert_eq!(
            sized(PayloadKind::Records, 1000).check_whole_elements(),
            Err("a size of 1 KB is not a whole number of records (64 bytes each); use 960B or 1024B".into())
        );
        assert_eq!(sized(PayloadKind::Ints, 8_000_000).check_whole_elements(), Ok(()));
        assert_eq!(sized(PayloadKind::Bytes, 4097).check_whole_elements(), Ok(()));
        let environment = Environment::default();
        assert!(sized(PayloadKind::Ints, 4097)
            .check_as_asked(&environment)
            .unwrap_err()
            .contains("use 4096B or 4104B"));
        assert_eq!(sized(PayloadKind::Ints, 4097).check(&environment), Ok(()));
        let mut twice = Plan::default();
        twice.methods.push(twice.methods[0]);
        assert!(twice.validate().unwrap_err().contains("inherit is listed twice"));
        assert_eq!(Plan::seed().repeats, 1000);
    }

    #[test]
    fn the_default_timeout_grows_with_the_size_and_an_explicit_one_wins() {
        let plan = |size, timeout| Plan {
            size,
            timeout,
            ..Plan::default()
        };
        assert_eq!(plan(8_000_000, None).child_timeout(), Duration::from_secs(2));
        assert_eq!(plan(1_000_000_000, None).child_timeout(), Duration::from_secs(17));
        let explicit = Some(Duration::from_millis(300));
        assert_eq!(
            plan(1_000_000_000, explicit).child_timeout(),
            Duration::from_millis(300)
        );
    }

    #[test]
    fn interleaved_methods_share_rounds_as_far_as_memory_allows() {
        let plan = Plan {
            methods: ["pipe", "inherit", "queue", "socket"]
                .iter()
                .filter_map(|id| method::find(id))
                .collect(),
            size: 1000,
            ..Plan::default()
        };
        let env = |memory_available| Environment {
            memory_available,
            ..Environment::default()
        };
        // The payload and a child's two copies, and one encoding per method that moves bytes.
        assert_eq!(plan.side_by_side(&env(6000)), [vec![0, 1, 2, 3]]);
        assert_eq!(plan.side_by_side(&env(0)), [vec![0, 1, 2, 3]], "memory unknown");
        assert_eq!(plan.side_by_side(&env(5999)), [vec![0, 1, 2], vec![3]]);
        assert_eq!(plan.side_by_side(&env(4000)), [vec![0, 1], vec![2], vec![3]]);
        let blocks = Plan {
            schedule: Schedule::Blocks,
            ..plan
        };
        assert_eq!(blocks.side_by_side(&env(0)), [vec![0], vec![1], vec![2], vec![3]]);
    }

    #[test]
    fn names_round_trip_through_parse() {
        for kind in PayloadKind::ALL {
            assert_eq!(PayloadKind::parse(kind.name()), Ok(kind));
        }
        for codec in Codec::ALL {
            assert_eq!(Codec::parse(codec.name()), Ok(codec));
        }
        for access in Access::ALL {
            assert_eq!(Access::parse(access.name()), Ok(access));
        }
        assert!(Codec::parse("json").unwrap_err().contains("allowed: bincode"));
    }
}
