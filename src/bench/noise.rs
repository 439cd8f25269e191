//! How busy the machine was during a run (load, runnable tasks, steal time), and the verdict on
//! whether a method's figures are noisy, saying what was seen.

use std::fs;
use std::io;

use serde::{Deserialize, Serialize};

use super::stats::{relative_iqr, Outliers};

/// One reading of the machine's counters, taken before and after a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MachineSample {
    /// The 1-minute load average (`/proc/loadavg`).
    pub load1: f64,
    /// Tasks runnable at the reading (`procs_running` in `/proc/stat`), the reader included.
    pub runnable: u32,
    /// Clock ticks stolen from this VM by its host, all CPUs together (the `cpu` line's 8th field).
    pub steal_ticks: u64,
    /// Clock ticks of every state, all CPUs together (the `cpu` line's first 8 fields; guest
    /// time is already in user time).
    pub total_ticks: u64,
}

impl MachineSample {
    pub fn read() -> io::Result<MachineSample> {
        let loadavg = fs::read_to_string("/proc/loadavg")?;
        let stat = fs::read_to_string("/proc/stat")?;
        MachineSample::parse(&loadavg, &stat).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "/proc/loadavg or /proc/stat is not in the kernel's format",
            )
        })
    }

    /// From the texts of `/proc/loadavg` and `/proc/stat`; `None` if either is malformed.
    pub fn parse(loadavg: &str, stat: &str) -> Option<MachineSample> {
        let load1 = loadavg.split_whitespace().next()?.parse().ok()?;
        let ticks: Vec<u64> = stat
            .lines()
            .find_map(|line| line.strip_prefix("cpu "))?
            .split_whitespace()
            .take(8)
            .map(|field| field.parse().ok())
            .collect::<Option<_>>()?;
        let runnable = stat
            .lines()
            .find_map(|line| line.strip_prefix("procs_running "))?
            .trim()
            .parse()
            .ok()?;
        Some(MachineSample {
            load1,
            runnable,
            // Kernels before 2.6.11 have no steal field: none stolen.
            steal_ticks: ticks.get(7).copied().unwrap_or(0),
            total_ticks: ticks.iter().sum(),
        })
    }
}

/// The machine's busy-ness over a run, from a reading before it and one after.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineLoad {
    /// The larger of the two 1-minute load averages.
    pub load1: f64,
    /// The larger of the two counts of runnable tasks.
    pub runnable: u32,
    /// CPU time stolen by the host between the readings, all CPUs together, in nanoseconds.
    pub steal_ns: u64,
    /// The stolen share of all CPU time between the readings (0…1).
    pub steal_share: f64,
}

impl MachineLoad {
    pub fn between(before: &MachineSample, after: &MachineSample) -> MachineLoad {
        MachineLoad::between_at(before, after, clock_ticks_per_second())
    }

    fn between_at(before: &MachineSample, after: &MachineSample, ticks_per_second: u64) -> MachineLoad {
        let stolen = after.steal_ticks.saturating_sub(before.steal_ticks);
        let total = after.total_ticks.saturating_sub(before.total_ticks);
        MachineLoad {
            load1: before.load1.max(after.load1),
            runnable: before.runnable.max(after.runnable),
            steal_ns: (u128::from(stolen) * 1_000_000_000 / u128::from(ticks_per_second.max(1))) as u64,
            steal_share: if total == 0 {
                0.0
            } else {
                stolen as f64 / total as f64
            },
        }
    }

    /// More load than CPUs (this run itself adds about one), or more than `STEAL_BUSY` stolen.
    pub fn is_busy(&self, machine_cpus: usize) -> bool {
        self.load1 > machine_cpus as f64 || self.steal_share > STEAL_BUSY
    }
}

/// The kernel's clock tick (`sysconf(_SC_CLK_TCK)`), the unit of `/proc/stat`; 100 where unknown.
pub fn clock_ticks_per_second() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .and_then(|ticks| u64::try_from(ticks).ok())
        .filter(|&ticks| ticks > 0)
        .unwrap_or(100)
}

/// A stolen share above which a VM's host is taking time that shows in the figures.
const STEAL_BUSY: f64 = 0.02;
/// A share of children beyond Tukey's fences above which the run was disturbed.
const OUTLIER_SHARE: f64 = 0.05;
/// An interquartile range, as a share of the median, above which children varied too much.
const SPREAD: f64 = 0.10;

/// What made a method's figures noisy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NoiseFinding {
    Outliers { outliers: u64, children: u64 },
    Spread { relative_iqr: f64 },
    Busy { load: MachineLoad, machine_cpus: usize },
}

/// Whether a method's per-child times can be trusted as they are, and if not, why.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NoiseVerdict {
    pub findings: Vec<NoiseFinding>,
}

impl NoiseVerdict {
    /// Judges sorted per-child times and the machine's load during the run (`None` where it
    /// was not read). `machine_cpus` is the online CPUs, the scale of the load average.
    pub fn judge(sorted: &[u64], load: Option<&MachineLoad>, machine_cpus: usize) -> NoiseVerdict {
        let mut findings = Vec::new();
        let children = sorted.len() as u64;
        let outliers = Outliers::of(sorted).count();
        if children > 0 && outliers as f64 / children as f64 > OUTLIER_SHARE {
            findings.push(NoiseFinding::Outliers { outliers, children });
        }
        if let Some(relative_iqr) = relative_iqr(sorted).filter(|&spread| spread > SPREAD) {
            findings.push(NoiseFinding::Spread { relative_iqr });
        }
        if let Some(&load) = load.filter(|load| load.is_busy(machine_cpus)) {
            findings.push(NoiseFinding::Busy { load, machine_cpus });
        }
        NoiseVerdict { findings }
    }

    pub fn is_quiet(&self) -> bool {
        self.findings.is_empty()
    }

    /// The warning to print beside the figures, hyperfine-style; `None` when all was quiet.
    pub fn warning(&self) -> Option<String> {
        if self.is_quiet() {
            return None;
        }
        let seen: Vec<String> = self.findings.iter().map(describe).collect();
        Some(format!(
            "{}. These figures may be off: rerun on a quieter machine or with more children.",
            seen.join("; ")
        ))
    }
}

fn describe(finding: &NoiseFinding) -> String {
    match finding {
        NoiseFinding::Outliers { outliers, children } => {
            format!("{outliers} of {children} children were outliers (Tukey fences)")
        }
        NoiseFinding::Spread { relative_iqr } => format!(
            "the middle half of the children spread over {} of their median",
            percent(*relative_iqr)
        ),
        NoiseFinding::Busy { load, machine_cpus } => format!(
            "the machine was busy: load {:.1} on {machine_cpus} CPUs, {} steal, {} tasks runnable",
            load.load1,
            percent(load.steal_share),
            load.runnable
        ),
    }
}

/// A share as a percentage: whole above 10%, one decimal below.
fn percent(share: f64) -> String {
    let percent = share * 100.0;
    if percent >= 10.0 {
        format!("{percent:.0}%")
    } else {
        format!("{percent:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shaped like this VM's files (Linux 6.18, two CPUs).
    const LOADAVG: &str = "2.31 1.13 0.53 3/94 11398\n";
    const STAT_BEFORE: &str = "cpu  33722 0 6807 29483 211 0 31 19 0 0\n\
                               cpu0 16698 0 3267 15069 60 0 9 8 0 0\n\
                               intr 1 2 3\nprocs_running 3\nprocs_blocked 0\n";
    const STAT_AFTER: &str = "cpu  33822 0 6857 29533 211 0 31 29 0 0\n\
                              procs_running 5\n";

    #[test]
    fn parses_the_kernels_files() {
        let before = MachineSample::parse(LOADAVG, STAT_BEFORE).unwrap();
        assert_eq!(
            before,
            MachineSample {
                load1: 2.31,
                runnable: 3,
                steal_ticks: 19,
                total_ticks: 33722 + 6807 + 29483 + 211 + 31 + 19,
            }
        );
        assert_eq!(MachineSample::parse("x", STAT_BEFORE), None);
        assert_eq!(
            MachineSample::parse(LOADAVG, "cpu  1 2 x\nprocs_running 1\n"),
            None
        );
        assert_eq!(
            MachineSample::parse(LOADAVG, "cpu  1 2 3\n"),
            None,
            "no procs_running"
        );
    }

    #[test]
    fn load_between_two_readings() {
        let before = MachineSample::parse("0.50 0 0 1/1 1", STAT_BEFORE).unwrap();
        let after = MachineSample::parse(LOADAVG, STAT_AFTER).unwrap();
        // 10 ticks stolen of 210 (100 user, 50 system, 50 idle, 10 steal) at 100 ticks a second.
        let load = MachineLoad::between_at(&before, &after, 100);
        assert_eq!(load.load1, 2.31);
        assert_eq!(load.runnable, 5);
        assert_eq!(load.steal_ns, 100_000_000);
        assert!((load.steal_share - 10.0 / 210.0).abs() < 1e-12);
        assert!(load.is_busy(2), "load 2.31 on 2 CPUs");
        assert!(load.is_busy(4), "4.8% steal");
        let idle = MachineLoad::between_at(&before, &before, 100);
        assert_eq!((idle.steal_ns, idle.steal_share), (0, 0.0));
        assert!(!idle.is_busy(2));
    }

    #[test]
    fn reads_this_machine() {
        let before = MachineSample::read().unwrap();
        let spin_until = std::time::Instant::now() + std::time::Duration::from_millis(30);
        while std::time::Instant::now() < spin_until {
            std::hint::spin_loop();
        }
        let after = MachineSample::read().unwrap();
        assert!(
            after.total_ticks > before.total_ticks,
            "30 ms of spinning is at least a tick"
        );
        assert!(after.runnable >= 1, "the reader itself runs");
        let load = MachineLoad::between(&before, &after);
        assert!((0.0..=1.0).contains(&load.steal_share));
        assert!(clock_ticks_per_second() >= 100);
    }

    #[test]
    fn a_quiet_run_gets_no_warning() {
        let steady: Vec<u64> = (0..100).map(|i| 1_000_000 + i * 500).collect();
        let verdict = NoiseVerdict::judge(&steady, Some(&MachineLoad::default()), 2);
        assert!(verdict.is_quiet());
        assert_eq!(verdict.warning(), None);
        assert!(NoiseVerdict::judge(&[], None, 2).is_quiet());
    }

    #[test]
    fn a_noisy_run_says_what_was_seen() {
        // 88 steady children and 12 that caught a 4 ms tick.
        let mut samples: Vec<u64> = (0..88).map(|i| 1_000_000 + i * 500).collect();
        samples.extend((0..12).map(|i| 5_000_000 + i));
        samples.sort_unstable();
        let busy = MachineLoad {
            load1: 2.3,
            runnable: 4,
            steal_ns: 40_000_000,
            steal_share: 0.04,
        };
        let verdict = NoiseVerdict::judge(&samples, Some(&busy), 2);
        assert_eq!(
            verdict.findings,
            vec![
                NoiseFinding::Outliers {
                    outliers: 12,
                    children: 100
                },
                NoiseFinding::Busy {
                    load: busy,
                    machine_cpus: 2
                },
            ]
        );
        assert_eq!(
            verdict.warning().unwrap(),
            "12 of 100 children were outliers (Tukey fences); the machine was busy: load 2.3 on 2 CPUs, \
             4.0% steal, 4 tasks runnable. These figures may be off: rerun on a quieter machine or with \
             more children."
        );
    }

    #[test]
    fn a_wide_spread_is_noise_too() {
        // Uniform over 1–2 ms: IQR 0.5 ms around a 1.5 ms median, no outliers.
        let wide: Vec<u64> = (0..=100).map(|i| 1_000_000 + i * 10_000).collect();
        let verdict = NoiseVerdict::judge(&wide, None, 2);
        assert_eq!(verdict.findings.len(), 1);
        assert_eq!(
            verdict.warning().unwrap(),
            "the middle half of the children spread over 33% of their median. These figures may be off: \
             rerun on a quieter machine or with more children."
        );
    }
}
