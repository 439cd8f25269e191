//! What machine this is, and the limits that shape the results.

use std::fs;

use serde::{Deserialize, Serialize};

use super::noise::MachineLoad;
use super::topology::{allowed_cpus, format_cpu_list};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    pub kernel: String,
    pub cpu: String,
    pub cores: u32,
    pub page_size: u64,
    /// `/proc/sys/fs/pipe-max-size`: how large a pipe's buffer may be made.
    pub pipe_max_size: u64,
    /// `/proc/sys/fs/mqueue/msgsize_max`: the largest message a POSIX queue may carry.
    pub mq_msgsize_max: u64,
    /// `/proc/sys/fs/mqueue/msg_max`: how many messages a queue may hold.
    pub mq_msg_max: u64,
    /// `RLIMIT_MSGQUEUE`: bytes this user's queues may hold in all.
    pub mq_bytes_limit: Option<u64>,
    /// `MemAvailable` in `/proc/meminfo`.
    pub memory_available: u64,
    /// Yama's `ptrace_scope`, where Yama is present.
    pub ptrace_scope: Option<u8>,
    /// The settings in force that move the figures. Boxed to keep `Environment` small where
    /// events carry it; flattened, so its keys sit beside the others in saved results.
    #[serde(flatten)]
    pub conditions: Box<Conditions>,
}

/// Where processes may run and how the kernel pages and keeps time. Newer than the other
/// keys: `default` lets results saved before them still load.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Conditions {
    /// The CPUs this process may run on (its affinity mask) as a CPU list, `0-3,8-11`.
    pub affinity: String,
    /// Transparent huge pages: `always`, `madvise` or `never`, where the kernel has them.
    pub thp: Option<String>,
    /// CPU 0's frequency governor (`performance`, `powersave`, …), where cpufreq is present
    /// (VMs often have none).
    pub governor: Option<String>,
    /// The clock source the kernel's clocks read (`tsc`, `hpet`, `kvm-clock`, …).
    pub clocksource: Option<String>,
    /// How busy the machine was from the run's start to its end (load, runnable tasks, steal);
    /// filled in when the run ends.
    pub load: Option<MachineLoad>,
    /// CPU time the host stole from this VM during the run, all CPUs together.
    pub steal_ns: Option<u64>,
}

impl Conditions {
    pub fn read() -> Conditions {
        Conditions {
            affinity: allowed_cpus().map_or_else(|_| String::new(), |cpus| format_cpu_list(&cpus)),
            thp: read_word("/sys/kernel/mm/transparent_hugepage/enabled")
                .and_then(|modes| chosen_mode(&modes)),
            governor: read_word("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
            clocksource: read_word("/sys/devices/system/clocksource/clocksource0/current_clocksource"),
            load: None,
            steal_ns: None,
        }
    }
}

impl Environment {
    /// Records the machine's load over the run, `load` merged into what earlier runs of a
    /// sweep saw: the highest load, the stolen time added up.
    pub fn add_load(&mut self, load: MachineLoad) {
        let conditions = &mut self.conditions;
        let merged = match conditions.load {
            Some(seen) => MachineLoad {
                load1: seen.load1.max(load.load1),
                runnable: seen.runnable.max(load.runnable),
                steal_ns: seen.steal_ns + load.steal_ns,
                steal_share: seen.steal_share.max(load.steal_share),
            },
            None => load,
        };
        conditions.steal_ns = Some(merged.steal_ns);
        conditions.load = Some(merged);
    }

    pub fn read() -> Environment {
        Environment {
            kernel: nix::sys::utsname::uname()
                .map(|name| name.release().to_string_lossy().into_owned())
                .unwrap_or_default(),
            cpu: cpu_model().unwrap_or_else(|| "unknown".into()),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
            page_size: super::memory::page_size() as u64,
            pipe_max_size: read_number("/proc/sys/fs/pipe-max-size").unwrap_or(1 << 20),
            mq_msgsize_max: read_number("/proc/sys/fs/mqueue/msgsize_max").unwrap_or(8192),
            mq_msg_max: read_number("/proc/sys/fs/mqueue/msg_max").unwrap_or(10),
            mq_bytes_limit: nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_MSGQUEUE)
                .ok()
                .map(|(soft, _)| soft)
                .filter(|&soft| soft != libc::RLIM_INFINITY),
            memory_available: meminfo_kib("MemAvailable").map_or(0, |kib| kib * 1024),
            ptrace_scope: read_number("/proc/sys/kernel/yama/ptrace_scope")
                .and_then(|n| u8::try_from(n).ok()),
            conditions: Box::new(Conditions::read()),
        }
    }
}

fn read_number(path: &str) -> Option<u64> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// A sysfs file's text, trimmed; `None` if missing or blank.
fn read_word(path: &str) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    let word = text.trim();
    (!word.is_empty()).then(|| word.to_string())
}

/// The mode the kernel marks as chosen in a list such as `always [madvise] never`.
fn chosen_mode(modes: &str) -> Option<String> {
    modes
        .split_whitespace()
        .find_map(|mode| mode.strip_prefix('[')?.strip_suffix(']'))
        .map(str::to_string)
}

fn cpu_model() -> Option<String> {
    let info = fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|line| line.starts_with("model name") || line.starts_with("Model"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, model)| model.trim().to_string())
}

fn meminfo_kib(key: &str) -> Option<u64> {
    let info = fs::read_to_string("/proc/meminfo").ok()?;
    info.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::topology::parse_cpu_list;

    #[test]
    fn reads_this_machine() {
        let env = Environment::read();
        assert!(
            env.kernel.chars().next().is_some_and(|c| c.is_ascii_digit()),
            "{}",
            env.kernel
        );
        assert!(env.cores >= 1);
        assert!(env.page_size >= 4096 && env.page_size.is_power_of_two());
        assert!(env.pipe_max_size >= 4096);
        assert!(env.mq_msgsize_max >= 128);
        assert!(env.memory_available > 0);
        let conditions = &env.conditions;
        let affinity = parse_cpu_list(&conditions.affinity).unwrap_or_default();
        assert!(!affinity.is_empty(), "{:?}", conditions.affinity);
        let thp = conditions.thp.as_deref();
        assert!(
            thp.is_none_or(|mode| ["always", "madvise", "never"].contains(&mode)),
            "{thp:?}"
        );
        let clocksource = conditions.clocksource.as_deref();
        assert!(
            clocksource.is_none_or(|source| !source.contains(char::is_whitespace)),
            "{clocksource:?}"
        );
    }

    #[test]
    fn the_chosen_mode_is_the_bracketed_one() {
        assert_eq!(
            chosen_mode("always [madvise] never\n").as_deref(),
            Some("madvise")
        );
        assert_eq!(chosen_mode("[always] madvise never").as_deref(), Some("always"));
        assert_eq!(chosen_mode("always madvise never"), None);
    }

    #[test]
    fn the_conditions_sit_beside_the_other_keys_and_older_results_still_load() {
        let env = Environment::read();
        let mut saved = serde_json::to_value(&env).unwrap();
        assert_eq!(saved["affinity"], env.conditions.affinity.as_str());
        let object = saved.as_object_mut().unwrap();
        for newer in ["affinity", "thp", "governor", "clocksource", "load", "steal_ns"] {
            assert!(object.remove(newer).is_some(), "{newer}");
        }
        let loaded: Environment = serde_json::from_value(saved).unwrap();
        assert_eq!(*loaded.conditions, Conditions::default());
        assert_eq!(
            loaded,
            Environment {
                conditions: Box::default(),
                ..env
            }
        );
    }
}
