//! Where processes can run: the online CPUs, which of them are SMT siblings, which caches they
//! share and which NUMA node each is on, read from sysfs; and how near two CPUs are.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use nix::sched::{sched_getaffinity, CpuSet};
use nix::unistd::Pid;

/// One online CPU as sysfs describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cpu {
    pub id: usize,
    /// `topology/physical_package_id`: the socket.
    pub package: Option<u32>,
    /// The hardware threads of its physical core, itself included (`topology/core_cpus_list`,
    /// or the older `thread_siblings_list`).
    pub core_threads: Vec<usize>,
    /// The caches it has that other CPUs share (`cache/index*/shared_cpu_list`), by level.
    pub shared_caches: Vec<SharedCache>,
    /// The NUMA node whose `cpulist` names it, where the machine has nodes.
    pub node: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedCache {
    pub level: u8,
    pub cpus: Vec<usize>,
}

/// How near two CPUs are, nearest first. A pair belongs to the first class that fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlacementClass {
    /// One CPU.
    Same,
    /// Two hardware threads of one physical core.
    SmtSibling,
    /// Different cores sharing a cache of this level (the lowest level they share).
    SharedCache(u8),
    /// Different cores on one NUMA node (or a machine without nodes) sharing no cache.
    OtherCore,
    /// Different NUMA nodes.
    OtherNode,
}

impl fmt::Display for PlacementClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlacementClass::Same => f.write_str("same CPU"),
            PlacementClass::SmtSibling => f.write_str("SMT sibling"),
            PlacementClass::SharedCache(level) => write!(f, "shared L{level}"),
            PlacementClass::OtherCore => f.write_str("other core"),
            PlacementClass::OtherNode => f.write_str("other NUMA node"),
        }
    }
}

/// The online CPUs of a machine, ascending by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topology {
    cpus: Vec<Cpu>,
}

#[derive(Debug)]
pub enum TopologyError {
    Read { path: PathBuf, source: io::Error },
    Parse { path: PathBuf, text: String },
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopologyError::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            TopologyError::Parse { path, text } => {
                write!(
                    f,
                    "{} holds {text:?}, not what the kernel writes there",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for TopologyError {}

impl Topology {
    /// Where sysfs keeps the `cpu` and `node` directories.
    pub const SYSTEM_ROOT: &'static str = "/sys/devices/system";

    pub fn read_system() -> Result<Topology, TopologyError> {
        Topology::read(Path::new(Topology::SYSTEM_ROOT))
    }

    /// Reads `root/cpu` and `root/node` (a copy of `/sys/devices/system` in tests). Files a
    /// kernel or VM may lack (caches, nodes, SMT lists) leave those facts out; a file that is
    /// there but unreadable or malformed is an error.
    pub fn read(root: &Path) -> Result<Topology, TopologyError> {
        let cpu_dir = root.join("cpu");
        let online = match read_optional(&cpu_dir.join("online"))? {
            Some((path, text)) => parse_cpu_list(&text).ok_or(TopologyError::Parse { path, text })?,
            None => numbered_entries(&cpu_dir, "cpu")?,
        };
        let nodes = read_nodes(&root.join("node"))?;
        let cpus = online
            .into_iter()
            .map(|id| read_cpu(&cpu_dir.join(format!("cpu{id}")), id, &nodes))
            .collect::<Result<_, _>>()?;
        Ok(Topology { cpus })
    }

    pub fn cpus(&self) -> &[Cpu] {
        &self.cpus
    }

    pub fn cpu(&self, id: usize) -> Option<&Cpu> {
        self.cpus
            .binary_search_by_key(&id, |cpu| cpu.id)
            .ok()
            .map(|at| &self.cpus[at])
    }

    /// How near CPUs `a` and `b` are; a CPU that is not online shares nothing.
    pub fn class(&self, a: usize, b: usize) -> PlacementClass {
        if a == b {
            return PlacementClass::Same;
        }
        let (Some(first), Some(second)) = (self.cpu(a), self.cpu(b)) else {
            return PlacementClass::OtherCore;
        };
        if first.core_threads.binary_search(&b).is_ok() {
            return PlacementClass::SmtSibling;
        }
        let shared_level = first
            .shared_caches
            .iter()
            .filter(|cache| cache.cpus.binary_search(&b).is_ok())
            .map(|cache| cache.level)
            .min();
        match (shared_level, first.node, second.node) {
            (Some(level), _, _) => PlacementClass::SharedCache(level),
            (None, Some(one), Some(other)) if one != other => PlacementClass::OtherNode,
            _ => PlacementClass::OtherCore,
        }
    }

    /// Two different CPUs of `allowed` for `--placement apart`: the nearest pair on different
    /// physical cores (sharing the most cache, on one node), so that `apart` measures crossing
    /// cores rather than sockets; SMT siblings only where nothing else is allowed. `None` for
    /// fewer than two allowed CPUs.
    pub fn apart_pair(&self, allowed: &[usize]) -> Option<(usize, usize)> {
        self.pairs(allowed)
            .into_iter()
            .filter(|&(a, b)| a != b)
            .min_by_key(|&(a, b)| {
                let class = self.class(a, b);
                (class == PlacementClass::SmtSibling, class, a, b)
            })
    }

    /// One pair of `allowed` CPUs for every class of nearness the machine has, nearest class
    /// first, each the lowest-numbered such pair: the columns of a placement matrix.
    pub fn representative_pairs(&self, allowed: &[usize]) -> Vec<(PlacementClass, (usize, usize))> {
        let mut representatives: Vec<(PlacementClass, (usize, usize))> = Vec::new();
        for (a, b) in self.pairs(allowed) {
            let class = self.class(a, b);
            if !representatives.iter().any(|&(seen, _)| seen == class) {
                representatives.push((class, (a, b)));
            }
        }
        representatives.sort_by_key(|&(class, _)| class);
        representatives
    }

    /// Pairs `(a, b)`, a ≤ b, of the allowed CPUs that are online, in ascending order.
    fn pairs(&self, allowed: &[usize]) -> Vec<(usize, usize)> {
        let mut usable: Vec<usize> = allowed
            .iter()
            .copied()
            .filter(|&id| self.cpu(id).is_some())
            .collect();
        usable.sort_unstable();
        usable.dedup();
        let mut pairs = Vec::new();
        for (i, &a) in usable.iter().enumerate() {
            pairs.extend(usable[i..].iter().map(|&b| (a, b)));
        }
        pairs
    }
}

/// The CPUs this process may run on (its `sched_getaffinity` mask), ascending.
pub fn allowed_cpus() -> nix::Result<Vec<usize>> {
    let mask = sched_getaffinity(Pid::from_raw(0))?;
    Ok((0..CpuSet::count())
        .filter(|&cpu| mask.is_set(cpu).unwrap_or(false))
        .collect())
}

/// Parses a kernel CPU list such as `0-3,8-11` (ascending, without repeats); `None` if
/// malformed. An empty list (a blank file) is no CPUs.
pub fn parse_cpu_list(text: &str) -> Option<Vec<usize>> {
    let text = text.trim();
    if text.is_empty() {
        return Some(Vec::new());
    }
    let mut cpus: Vec<usize> = Vec::new();
    for part in text.split(',') {
        let (first, last): (usize, usize) = match part.split_once('-') {
            Some((first, last)) => (first.trim().parse().ok()?, last.trim().parse().ok()?),
            None => {
                let only = part.trim().parse().ok()?;
                (only, only)
            }
        };
        if first > last {
            return None;
        }
        cpus.extend(first..=last);
    }
    cpus.sort_unstable();
    cpus.dedup();
    Some(cpus)
}

/// The kernel's form of a CPU list: `0-3,8-11`.
pub fn format_cpu_list(cpus: &[usize]) -> String {
    let mut sorted = cpus.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut ranges: Vec<String> = Vec::new();
    for run in sorted.chunk_by(|left, right| left + 1 == *right) {
        match run {
            [only] => ranges.push(only.to_string()),
            [first, .., last] => ranges.push(format!("{first}-{last}")),
            [] => {}
        }
    }
    ranges.join(",")
}

fn read_cpu(dir: &Path, id: usize, nodes: &[(u32, Vec<usize>)]) -> Result<Cpu, TopologyError> {
    let topology = dir.join("topology");
    let core_threads = match read_optional(&topology.join("core_cpus_list"))? {
        Some(found) => Some(found),
        None => read_optional(&topology.join("thread_siblings_list"))?,
    }
    .map(|(path, text)| parse_cpu_list(&text).ok_or(TopologyError::Parse { path, text }))
    .transpose()?
    .unwrap_or_else(|| vec![id]);
    let package = read_optional(&topology.join("physical_package_id"))?
        .map(|(path, text)| {
            text.trim()
                .parse()
                .map_err(|_| TopologyError::Parse { path, text })
        })
        .transpose()?;
    let mut shared_caches = Vec::new();
    let cache_dir = dir.join("cache");
    for index in numbered_entries(&cache_dir, "index")? {
        let index_dir = cache_dir.join(format!("index{index}"));
        let (Some((level_path, level)), Some((list_path, list))) = (
            read_optional(&index_dir.join("level"))?,
            read_optional(&index_dir.join("shared_cpu_list"))?,
        ) else {
            continue;
        };
        let level = level.trim().parse().map_err(|_| TopologyError::Parse {
            path: level_path,
            text: level.clone(),
        })?;
        let cpus = parse_cpu_list(&list).ok_or(TopologyError::Parse {
            path: list_path,
            text: list,
        })?;
        if cpus.len() > 1 {
            shared_caches.push(SharedCache { level, cpus });
        }
    }
    let node = nodes
        .iter()
        .find(|(_, cpus)| cpus.binary_search(&id).is_ok())
        .map(|&(node, _)| node);
    Ok(Cpu {
        id,
        package,
        core_threads,
        shared_caches,
        node,
    })
}

/// Every `node*/cpulist` under `dir`, by node number; none on a machine without the directory.
fn read_nodes(dir: &Path) -> Result<Vec<(u32, Vec<usize>)>, TopologyError> {
    let mut nodes = Vec::new();
    for node in numbered_entries(dir, "node")? {
        if let Some((path, text)) = read_optional(&dir.join(format!("node{node}/cpulist")))? {
            let cpus = parse_cpu_list(&text).ok_or(TopologyError::Parse { path, text })?;
            nodes.push((node as u32, cpus));
        }
    }
    Ok(nodes)
}

/// The numbers N of the entries `{prefix}N` in `dir`, ascending; none if `dir` is missing.
fn numbered_entries(dir: &Path, prefix: &str) -> Result<Vec<usize>, TopologyError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(TopologyError::Read {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    let mut numbers: Vec<usize> = entries
        .filter_map(|entry| {
            entry
                .ok()?
                .file_name()
                .to_str()?
                .strip_prefix(prefix)?
                .parse()
                .ok()
        })
        .collect();
    numbers.sort_unstable();
    Ok(numbers)
}

/// The file's path and text, `None` if it does not exist.
fn read_optional(path: &Path) -> Result<Option<(PathBuf, String)>, TopologyError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some((path.to_path_buf(), text))),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(TopologyError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixture of `/sys/devices/system` in a temporary directory.
    struct Fixture(tempfile::TempDir);

    impl Fixture {
        fn new(online: &str) -> Fixture {
            let fixture = Fixture(tempfile::tempdir().unwrap());
            fixture.write("cpu/online", online);
            fixture
        }

        fn write(&self, relative: &str, text: &str) {
            let path = self.0.path().join(relative);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, format!("{text}\n")).unwrap();
        }

        /// One CPU: its core's threads, its package, and `(level, shared_cpu_list)` per cache.
        fn cpu(&self, id: usize, threads: &str, package: u32, caches: &[(u8, &str)]) {
            self.write(&format!("cpu/cpu{id}/topology/thread_siblings_list"), threads);
            self.write(
                &format!("cpu/cpu{id}/topology/physical_package_id"),
                &package.to_string(),
            );
            for (index, (level, shared)) in caches.iter().enumerate() {
                self.write(
                    &format!("cpu/cpu{id}/cache/index{index}/level"),
                    &level.to_string(),
                );
                self.write(&format!("cpu/cpu{id}/cache/index{index}/shared_cpu_list"), shared);
            }
        }

        fn node(&self, node: u32, cpus: &str) {
            self.write(&format!("node/node{node}/cpulist"), cpus);
        }

        fn read(&self) -> Topology {
            Topology::read(self.0.path()).unwrap()
        }
    }

    /// This VM's shape: two CPUs, no SMT, private L1 and L2, one shared L3, one node.
    fn two_cpu_vm() -> Fixture {
        let fixture = Fixture::new("0-1");
        fixture.cpu(0, "0", 0, &[(1, "0"), (1, "0"), (2, "0"), (3, "0-1")]);
        fixture.cpu(1, "1", 0, &[(1, "1"), (1, "1"), (2, "1"), (3, "0-1")]);
        fixture.node(0, "0-1");
        fixture
    }

    /// Four cores, eight threads numbered as Intel does (CPU n and n + 4 share a core).
    fn smt_box() -> Fixture {
        let fixture = Fixture::new("0-7");
        for id in 0..8 {
            let threads = format!("{},{}", id % 4, id % 4 + 4);
            fixture.cpu(id, &threads, 0, &[(1, &threads), (2, &threads), (3, "0-7")]);
        }
        fixture
    }

    /// Two nodes: node 0 with CPUs 0-3 in two L3 domains (0-1, 2-3), node 1 with CPUs 4-5; CPU 6
    /// present but offline.
    fn numa_server() -> Fixture {
        let fixture = Fixture::new("0-5");
        for id in 0..6 {
            let l3 = ["0-1", "2-3", "4-5"][id / 2];
            fixture.cpu(
                id,
                &id.to_string(),
                u32::from(id >= 4),
                &[(2, &id.to_string()), (3, l3)],
            );
        }
        fixture.cpu(6, "6", 1, &[]);
        fixture.node(0, "0-3");
        fixture.node(1, "4-6");
        fixture
    }

    #[test]
    fn cpu_lists_parse_and_format_as_the_kernel_writes_them() {
        assert_eq!(parse_cpu_list("0-3,8-11\n"), Some(vec![0, 1, 2, 3, 8, 9, 10, 11]));
        assert_eq!(parse_cpu_list("5"), Some(vec![5]));
        assert_eq!(parse_cpu_list("2,0"), Some(vec![0, 2]));
        assert_eq!(parse_cpu_list("\n"), Some(vec![]));
        for malformed in ["3-1", "a", "1,,2", "-1", "0-"] {
            assert_eq!(parse_cpu_list(malformed), None, "{malformed}");
        }
        assert_eq!(format_cpu_list(&[0, 1, 2, 3, 8, 9, 10, 11]), "0-3,8-11");
        assert_eq!(format_cpu_list(&[4, 0, 2, 1]), "0-2,4");
        assert_eq!(format_cpu_list(&[]), "");
    }

    #[test]
    fn a_two_cpu_vm_has_the_same_cpu_and_a_shared_l3() {
        let topology = two_cpu_vm().read();
        assert_eq!(topology.cpus().len(), 2);
        let cpu1 = topology.cpu(1).unwrap();
        assert_eq!(
            (cpu1.package, cpu1.node, &cpu1.core_threads[..]),
            (Some(0), Some(0), &[1][..])
        );
        assert_eq!(
            cpu1.shared_caches,
            vec![SharedCache {
                level: 3,
                cpus: vec![0, 1]
            }]
        );
        assert_eq!(topology.class(0, 1), PlacementClass::SharedCache(3));
        assert_eq!(topology.apart_pair(&[0, 1]), Some((0, 1)));
        assert_eq!(topology.apart_pair(&[1]), None);
        assert_eq!(
            topology.representative_pairs(&[0, 1]),
            vec![
                (PlacementClass::Same, (0, 0)),
                (PlacementClass::SharedCache(3), (0, 1))
            ]
        );
    }

    #[test]
    fn an_smt_box_keeps_apart_off_a_cores_sibling() {
        let topology = smt_box().read();
        assert_eq!(topology.class(0, 4), PlacementClass::SmtSibling);
        assert_eq!(topology.class(4, 1), PlacementClass::SharedCache(3));
        let all: Vec<usize> = (0..8).collect();
        assert_eq!(topology.apart_pair(&all), Some((0, 1)));
        // Only one core's two threads allowed: the siblings are all there is.
        assert_eq!(topology.apart_pair(&[4, 0]), Some((0, 4)));
        assert_eq!(
            topology.representative_pairs(&all),
            vec![
                (PlacementClass::Same, (0, 0)),
                (PlacementClass::SmtSibling, (0, 4)),
                (PlacementClass::SharedCache(3), (0, 1)),
            ]
        );
    }

    #[test]
    fn a_numa_server_has_every_class_but_smt() {
        let topology = numa_server().read();
        assert_eq!(topology.cpus().len(), 6, "CPU 6 is offline");
        assert_eq!(topology.cpu(6), None);
        assert_eq!(topology.cpu(5).unwrap().node, Some(1));
        assert_eq!(topology.cpu(5).unwrap().package, Some(1));
        assert_eq!(topology.class(0, 1), PlacementClass::SharedCache(3));
        assert_eq!(topology.class(1, 2), PlacementClass::OtherCore);
        assert_eq!(topology.class(3, 4), PlacementClass::OtherNode);
        // Allowed CPUs far apart: apart takes the nearest pair there is.
        assert_eq!(topology.apart_pair(&[0, 2, 4]), Some((0, 2)));
        assert_eq!(
            topology.apart_pair(&[0, 4, 6]),
            Some((0, 4)),
            "offline CPU 6 is not used"
        );
        assert_eq!(
            topology.representative_pairs(&(0..7).collect::<Vec<_>>()),
            vec![
                (PlacementClass::Same, (0, 0)),
                (PlacementClass::SharedCache(3), (0, 1)),
                (PlacementClass::OtherCore, (0, 2)),
                (PlacementClass::OtherNode, (0, 4)),
            ]
        );
        assert_eq!(PlacementClass::OtherNode.to_string(), "other NUMA node");
        assert_eq!(PlacementClass::SharedCache(3).to_string(), "shared L3");
    }

    #[test]
    fn a_bare_tree_still_names_its_cpus_and_a_malformed_file_is_an_error() {
        // No `online` file, no topology, caches or nodes: the cpuN directories, each its own core.
        let bare = tempfile::tempdir().unwrap();
        for id in [0, 1, 2] {
            fs::create_dir_all(bare.path().join(format!("cpu/cpu{id}"))).unwrap();
        }
        fs::create_dir_all(bare.path().join("cpu/cpufreq")).unwrap();
        let topology = Topology::read(bare.path()).unwrap();
        assert_eq!(
            topology.cpus().iter().map(|cpu| cpu.id).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert_eq!(topology.class(0, 2), PlacementClass::OtherCore);
        assert_eq!(topology.cpu(2).unwrap().core_threads, [2]);

        // Newer kernels name a core's threads in core_cpus_list; it wins over the older file.
        let renamed = two_cpu_vm();
        renamed.write("cpu/cpu1/topology/core_cpus_list", "0-1");
        assert_eq!(renamed.read().class(1, 0), PlacementClass::SmtSibling);

        let broken = two_cpu_vm();
        broken.write("cpu/cpu1/topology/thread_siblings_list", "1-x");
        let error = Topology::read(broken.0.path()).unwrap_err().to_string();
        assert!(
            error.contains("thread_siblings_list") && error.contains("1-x"),
            "{error}"
        );
    }

    #[test]
    fn reads_this_machine() {
        let topology = Topology::read_system().unwrap();
        let allowed = allowed_cpus().unwrap();
        assert!(!allowed.is_empty());
        assert!(
            allowed.iter().all(|&cpu| topology.cpu(cpu).is_some()),
            "{allowed:?}"
        );
        let pairs = topology.representative_pairs(&allowed);
        assert_eq!(pairs[0], (PlacementClass::Same, (allowed[0], allowed[0])));
        assert_eq!(pairs.len() > 1, allowed.len() > 1);
    }
}
