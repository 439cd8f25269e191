//! What machine this is, and the limits that shape the results.

use std::fs;

use serde::{Deserialize, Serialize};

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
}

impl Environment {
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
        }
    }
}

fn read_number(path: &str) -> Option<u64> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
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
    }
}
