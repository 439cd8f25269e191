//! `--placement any|same|apart|P,C`: which CPUs the parent and its children run on, resolved
//! against the machine's topology and the CPUs this process may use; and pinning itself.

use std::fmt;
use std::str::FromStr;

use nix::sched::{sched_getaffinity, sched_getcpu, sched_setaffinity, CpuSet};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use super::topology::{format_cpu_list, Topology};

/// Where the parent and its children run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Placement {
    /// The scheduler's choice: nothing pinned.
    #[default]
    Any,
    /// Parent and child pinned to one CPU.
    Same,
    /// Parent and child pinned to two different CPUs, on different physical cores where the
    /// machine allows (`Topology::apart_pair`).
    Apart,
    /// Parent and child pinned to these CPUs.
    Pinned { parent: usize, child: usize },
}

/// The CPUs a resolved placement pins to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuPair {
    pub parent: usize,
    pub child: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlacementError {
    /// Not one of the forms `parse` takes.
    Malformed { given: String },
    /// A CPU that is offline or outside this process's affinity mask (a cpuset, `taskset`).
    Forbidden {
        cpu: usize,
        offline: bool,
        allowed: String,
    },
    /// `apart` with only one usable CPU.
    OneCpu { allowed: String },
    /// No CPU of the affinity mask is online (the mask and sysfs disagree).
    NoneOnline { affinity: String },
}

impl fmt::Display for PlacementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlacementError::Malformed { given } => write!(
                f,
                "unknown placement {given:?}: use any (the scheduler's choice), same (one CPU), apart \
                 (two CPUs, on different cores where possible) or P,C (the parent's and the child's CPU \
                 numbers, e.g. 0,1)"
            ),
            PlacementError::Forbidden {
                cpu,
                offline,
                allowed,
            } => {
                let why = if *offline {
                    "is offline"
                } else {
                    "is outside this process's affinity mask (a cpuset or taskset)"
                };
                write!(f, "CPU {cpu} {why}; this process may run on CPUs {allowed}")
            }
            PlacementError::OneCpu { allowed } => write!(
                f,
                "placement apart needs two CPUs, and this process may run only on CPU {allowed}"
            ),
            PlacementError::NoneOnline { affinity } => write!(
                f,
                "none of the CPUs this process may run on ({affinity}) is online"
            ),
        }
    }
}

impl std::error::Error for PlacementError {}

impl Placement {
    /// What a plan uses unless told otherwise, chosen by measurement (see the README): on a
    /// 2-CPU VM an 8 MB raw pipe took 2.79–2.88 ms in three runs on one CPU, 12.5–17.0 ms
    /// apart and 3.3–7.5 ms where the scheduler chose (40–80% of children on the parent's CPU).
    pub const DEFAULT: Placement = Placement::Same;

    pub fn parse(text: &str) -> Result<Placement, PlacementError> {
        let malformed = || PlacementError::Malformed {
            given: text.to_string(),
        };
        match text.trim().to_ascii_lowercase().as_str() {
            "any" => Ok(Placement::Any),
            "same" => Ok(Placement::Same),
            "apart" => Ok(Placement::Apart),
            pair => {
                let (parent, child) = pair.split_once(',').ok_or_else(malformed)?;
                let cpu = |number: &str| number.trim().parse::<usize>().map_err(|_| malformed());
                Ok(Placement::Pinned {
                    parent: cpu(parent)?,
                    child: cpu(child)?,
                })
            }
        }
    }

    /// The CPUs to pin to, `None` for `Any`. `allowed` is the affinity mask (`allowed_cpus`);
    /// only its online CPUs are used. `same` takes the first usable CPU, and `apart` pairs the
    /// same first CPU with its nearest other core, so the two differ only in the child's CPU.
    pub fn resolve(&self, topology: &Topology, allowed: &[usize]) -> Result<Option<CpuPair>, PlacementError> {
        let mut usable: Vec<usize> = allowed
            .iter()
            .copied()
            .filter(|&cpu| topology.cpu(cpu).is_some())
            .collect();
        usable.sort_unstable();
        if usable.is_empty() && *self != Placement::Any {
            return Err(PlacementError::NoneOnline {
                affinity: format_cpu_list(allowed),
            });
        }
        let usable_list = || format_cpu_list(&usable);
        match *self {
            Placement::Any => Ok(None),
            Placement::Same => {
                let cpu = usable[0];
                Ok(Some(CpuPair {
                    parent: cpu,
                    child: cpu,
                }))
            }
            Placement::Apart => {
                let (parent, child) = topology
                    .apart_pair(&usable)
                    .ok_or_else(|| PlacementError::OneCpu {
                        allowed: usable_list(),
                    })?;
                Ok(Some(CpuPair { parent, child }))
            }
            Placement::Pinned { parent, child } => {
                for cpu in [parent, child] {
                    if usable.binary_search(&cpu).is_err() {
                        return Err(PlacementError::Forbidden {
                            cpu,
                            offline: topology.cpu(cpu).is_none(),
                            allowed: usable_list(),
                        });
                    }
                }
                Ok(Some(CpuPair { parent, child }))
            }
        }
    }
}

impl FromStr for Placement {
    type Err = PlacementError;

    fn from_str(text: &str) -> Result<Placement, PlacementError> {
        Placement::parse(text)
    }
}

impl TryFrom<String> for Placement {
    type Error = PlacementError;

    fn try_from(text: String) -> Result<Placement, PlacementError> {
        Placement::parse(&text)
    }
}

impl From<Placement> for String {
    fn from(placement: Placement) -> String {
        placement.to_string()
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placement::Any => f.write_str("any"),
            Placement::Same => f.write_str("same"),
            Placement::Apart => f.write_str("apart"),
            Placement::Pinned { parent, child } => write!(f, "{parent},{child}"),
        }
    }
}

/// Pins the calling thread (only it: pid 0 names the caller) to `cpu`. Fork-safe: no
/// allocation, one system call, so a child may call it before it starts its work.
pub fn pin_current_thread(cpu: usize) -> nix::Result<()> {
    let mut only = CpuSet::new();
    only.set(cpu)?;
    sched_setaffinity(Pid::from_raw(0), &only)
}

/// The calling thread pinned to one CPU until dropped, when its former affinity returns.
pub struct PinnedThread {
    former: CpuSet,
}

impl PinnedThread {
    pub fn pin(cpu: usize) -> nix::Result<PinnedThread> {
        let former = sched_getaffinity(Pid::from_raw(0))?;
        pin_current_thread(cpu)?;
        Ok(PinnedThread { former })
    }
}

impl Drop for PinnedThread {
    fn drop(&mut self) {
        // The mask this thread had a moment ago: allowed then, allowed now.
        let _ = sched_setaffinity(Pid::from_raw(0), &self.former);
    }
}

/// The CPU the calling thread is running on now (`sched_getcpu`, through the vDSO: cheap).
pub fn current_cpu() -> nix::Result<usize> {
    sched_getcpu()
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsFd;

    use nix::sched::sched_getaffinity;
    use nix::sys::wait::{waitpid, WaitStatus};
    use nix::unistd::{fork, pipe, read, write, ForkResult};

    use super::*;
    use crate::bench::topology::allowed_cpus;

    #[test]
    fn parses_and_displays_every_form() {
        for (text, placement) in [
            ("any", Placement::Any),
            ("same", Placement::Same),
            ("apart", Placement::Apart),
            ("0,1", Placement::Pinned { parent: 0, child: 1 }),
            ("3,3", Placement::Pinned { parent: 3, child: 3 }),
        ] {
            assert_eq!(Placement::parse(text), Ok(placement));
            assert_eq!(placement.to_string(), text);
        }
        assert_eq!(" Apart ".parse(), Ok(Placement::Apart));
        assert_eq!(
            Placement::parse("2, 5"),
            Ok(Placement::Pinned { parent: 2, child: 5 })
        );
        assert_eq!(Placement::default(), Placement::Any);
        for bad in ["", "near", "1", "1,", ",1", "1,2,3", "-1,0", "a,b"] {
            let error = Placement::parse(bad).unwrap_err().to_string();
            assert!(
                error.contains(&format!("{bad:?}"))
                    && error.contains("any")
                    && error.contains("apart")
                    && error.contains("P,C"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn placement_is_saved_as_its_text() {
        let json = serde_json::to_string(&Placement::Pinned { parent: 0, child: 1 }).unwrap();
        assert_eq!(json, "\"0,1\"");
        assert_eq!(
            serde_json::from_str::<Placement>("\"apart\"").unwrap(),
            Placement::Apart
        );
        assert!(serde_json::from_str::<Placement>("\"far\"").is_err());
    }

    #[test]
    fn resolves_against_this_machine_and_refuses_what_it_forbids() {
        let topology = Topology::read_system().unwrap();
        let allowed = allowed_cpus().unwrap();
        let first = allowed[0];
        assert_eq!(Placement::Any.resolve(&topology, &allowed), Ok(None));
        assert_eq!(
            Placement::Same.resolve(&topology, &allowed),
            Ok(Some(CpuPair {
                parent: first,
                child: first
            }))
        );
        let list = format_cpu_list(&allowed);
        match Placement::Apart.resolve(&topology, &allowed) {
            Ok(Some(pair)) => {
                assert!(pair.parent == first && pair.child != first && allowed.contains(&pair.child))
            }
            other => assert!(allowed.len() == 1, "{other:?} with CPUs {list}"),
        }
        assert_eq!(
            Placement::Apart
                .resolve(&topology, &[first])
                .unwrap_err()
                .to_string(),
            format!("placement apart needs two CPUs, and this process may run only on CPU {first}")
        );
        assert_eq!(
            Placement::Same
                .resolve(&topology, &[4000])
                .unwrap_err()
                .to_string(),
            "none of the CPUs this process may run on (4000) is online"
        );
        assert_eq!(Placement::Any.resolve(&topology, &[4000]), Ok(None));
        // A CPU no machine has online is offline; an online CPU left out of the mask is forbidden.
        let offline = Placement::Pinned {
            parent: first,
            child: 4000,
        }
        .resolve(&topology, &allowed)
        .unwrap_err();
        assert_eq!(
            offline.to_string(),
            format!("CPU 4000 is offline; this process may run on CPUs {list}")
        );
        if let [kept, left_out, ..] = allowed[..] {
            let error = Placement::Pinned {
                parent: left_out,
                child: kept,
            }
            .resolve(&topology, &[kept])
            .unwrap_err();
            assert_eq!(
                error,
                PlacementError::Forbidden {
                    cpu: left_out,
                    offline: false,
                    allowed: kept.to_string()
                }
            );
            assert!(error.to_string().contains("affinity mask"), "{error}");
        }
    }

    #[test]
    fn a_pinned_thread_runs_on_its_cpu() {
        let original = sched_getaffinity(Pid::from_raw(0)).unwrap();
        for cpu in allowed_cpus().unwrap() {
            pin_current_thread(cpu).unwrap();
            assert_eq!(current_cpu().unwrap(), cpu);
        }
        assert!(pin_current_thread(4000).is_err(), "no such CPU");
        sched_setaffinity(Pid::from_raw(0), &original).unwrap();
    }

    #[test]
    fn a_forked_child_pinned_to_a_cpu_reports_that_cpu() {
        for cpu in allowed_cpus().unwrap() {
            let (reader, writer) = pipe().unwrap();
            // SAFETY: the child only makes system calls (affinity, getcpu, write) on memory it
            // owns and leaves with _exit: no lock, no allocation, no output.
            match unsafe { fork() }.unwrap() {
                ForkResult::Child => {
                    let seen = match pin_current_thread(cpu).and_then(|()| current_cpu()) {
                        Ok(seen) => seen as u64,
                        Err(_) => u64::MAX,
                    };
                    let _ = write(writer.as_fd(), &seen.to_le_bytes());
                    // SAFETY: _exit ends the child without running the parent's destructors.
                    unsafe { libc::_exit(0) }
                }
                ForkResult::Parent { child } => {
                    drop(writer);
                    let mut frame = [0u8; 8];
                    assert_eq!(read(&reader, &mut frame).unwrap(), 8);
                    assert_eq!(waitpid(child, None).unwrap(), WaitStatus::Exited(child, 0));
                    assert_eq!(
                        u64::from_le_bytes(frame),
                        cpu as u64,
                        "the child pinned to CPU {cpu}"
                    );
                }
            }
        }
    }
}
