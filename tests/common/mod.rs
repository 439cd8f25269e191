//! Shared by the integration tests: running the real binary within a bound, driving children
//! in-process, and looking for anything a run may have left behind.
#![allow(dead_code)] // every test binary uses its own share of these helpers

pub mod pty;

use std::fs;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ipcscope::bench::driver::Driver;
use ipcscope::bench::env::Environment;
use ipcscope::bench::fault::FaultKind;
use ipcscope::bench::method::{self, Delivery, RunContext};
use ipcscope::bench::payload::Payload;
use ipcscope::bench::plan::Plan;
use ipcscope::bench::result::Sample;
use ipcscope::bench::watchdog::Watchdog;

/// Tests that fork, or that count this process's children and descriptors, run one at a time.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Far above any honest run of these tests; reaching it fails the test instead of hanging it.
pub const BOUND: Duration = Duration::from_secs(120);

pub struct Ran {
    pub status: ExitStatus,
    pub pid: u32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

/// The binary under test, with `args`, its output captured in files (no pipe can fill up).
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ipcscope"));
    command
        .args(args)
        .env_remove(ipcscope::bench::fault::VARIABLE)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null());
    command
}

/// Runs `command` to its end, failing the test if it outlives `BOUND`.
pub fn run(mut command: Command) -> Ran {
    let stdout = tempfile::tempfile().expect("a temp file for stdout");
    let stderr = tempfile::tempfile().expect("a temp file for stderr");
    command
        .stdout(stdout.try_clone().expect("dup"))
        .stderr(stderr.try_clone().expect("dup"));
    let child = command.spawn().expect("starting ipcscope");
    finish(child, stdout, stderr)
}

pub fn finish(mut child: std::process::Child, stdout: fs::File, stderr: fs::File) -> Ran {
    let pid = child.id();
    let status = wait_bounded(&mut child);
    Ran {
        status,
        pid,
        stdout: read_all(stdout),
        stderr: read_all(stderr),
    }
}

pub fn wait_bounded(child: &mut std::process::Child) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waiting for ipcscope") {
            return status;
        }
        if start.elapsed() > BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ipcscope did not end within {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn read_all(mut file: fs::File) -> String {
    use std::io::{Read, Seek};
    let mut text = String::new();
    file.rewind().expect("rewind");
    file.read_to_string(&mut text).expect("reading the output");
    text
}

pub fn ipcscope(args: &[&str]) -> Ran {
    run(command(args))
}

/// One live process: its pid and state letter (`Z` for a zombie).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    pub state: char,
    pub name: String,
}

/// Every process whose parent is `parent`, zombies included.
pub fn children_of(parent: u32) -> Vec<Process> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (name) state ppid …`; the name may hold spaces and parentheses.
            let (head, tail) = stat.rsplit_once(')')?;
            let name = head.split_once('(')?.1.to_string();
            let mut fields = tail.split_whitespace();
            let state = fields.next()?.chars().next()?;
            let ppid: u32 = fields.next()?.parse().ok()?;
            (ppid == parent).then_some(Process { pid, state, name })
        })
        .collect()
}

pub fn own_children() -> Vec<Process> {
    children_of(std::process::id())
}

/// How many descriptors this process holds.
pub fn fd_count() -> usize {
    fs::read_dir("/proc/self/fd").map_or(0, |entries| entries.count())
}

/// Named shared-memory objects and POSIX message queues whose name says `pid` made them.
/// Other runs on this machine may have theirs, so only `pid`'s are looked for. Returns the
/// names found, and a note when the queues could not be listed.
pub fn named_leftovers(pid: u32) -> (Vec<String>, Option<String>) {
    let mut found = Vec::new();
    let ours = |name: &str| name.starts_with("ipcscope") && name.contains(&pid.to_string());
    found.extend(list(Path::new("/dev/shm")).into_iter().filter(|name| ours(name)));
    let note = match with_mqueue_mounted(list) {
        Ok(queues) => {
            found.extend(queues.into_iter().filter(|name| ours(name)));
            None
        }
        Err(why) => Some(why),
    };
    (found, note)
}

/// Asserts that `pid` left no named object behind; says so when queues could not be listed.
pub fn assert_no_named_leftovers(pid: u32) {
    let (found, note) = named_leftovers(pid);
    assert!(found.is_empty(), "left behind by {pid}: {found:?}");
    if let Some(note) = note {
        eprintln!("note: message queues not checked: {note}");
    }
}

fn list(directory: &Path) -> Vec<String> {
    fs::read_dir(directory).map_or_else(
        |_| Vec::new(),
        |entries| {
            entries
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .collect()
        },
    )
}

/// Lists the POSIX message queues: in /dev/mqueue where it is mounted, or (as root) in an
/// mqueue filesystem mounted for the look in a temporary directory.
fn with_mqueue_mounted<T>(look: impl Fn(&Path) -> T) -> Result<T, String> {
    let mounts = fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    if let Some(point) = mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let point = fields.nth(1)?;
            (fields.next()? == "mqueue").then_some(point)
        })
        .next()
    {
        return Ok(look(Path::new(point)));
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err("no mqueue filesystem is mounted and mounting one needs root".into());
    }
    let directory = tempfile::tempdir().map_err(|error| error.to_string())?;
    let target = std::ffi::CString::new(directory.path().as_os_str().as_encoded_bytes())
        .map_err(|error| error.to_string())?;
    // SAFETY: valid C strings; the mount is undone below.
    let mounted = unsafe {
        libc::mount(
            c"none".as_ptr(),
            target.as_ptr(),
            c"mqueue".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if mounted != 0 {
        return Err(format!(
            "mounting an mqueue filesystem failed: {}",
            std::io::Error::last_os_error()
        ));
    }
    let seen = look(directory.path());
    // SAFETY: the target was mounted just above.
    unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
    Ok(seen)
}

/// A small plan of one method, for children driven in-process.
pub fn plan(method_id: &str, size: u64) -> Plan {
    Plan {
        methods: vec![method::find(method_id).expect("a known method")],
        size,
        repeats: 1,
        warmup: 0,
        ..Plan::default()
    }
}

/// Runs `children` children of `plan`'s first method through the real `Driver`, child `n`
/// faking `fault(n)`: what the runner does for one method, without its events.
pub fn drive(
    plan: &Plan,
    children: u32,
    fault: impl Fn(u32) -> Option<FaultKind>,
) -> Vec<Result<Sample, String>> {
    drive_prepared(plan, children, fault, |_| {})
}

/// As `drive`, with `prepare` given the driver before its first child.
pub fn drive_prepared(
    plan: &Plan,
    children: u32,
    fault: impl Fn(u32) -> Option<FaultKind>,
    prepare: impl FnOnce(&Driver),
) -> Vec<Result<Sample, String>> {
    let method = plan.methods[0];
    let env = Environment::read();
    let payload = Payload::build(plan.payload, plan.size).expect("building the payload");
    let mut encoded = Vec::new();
    let wire_once: &[u8] = if method.delivery() == Delivery::Once {
        payload.encode(plan.codec, &mut encoded).expect("encoding")
    } else {
        &[]
    };
    let context = RunContext {
        shape: plan.shape(),
        payload: &payload,
        env: &env,
        wire: wire_once,
    };
    let handover = method.start(&context).expect("starting the method");
    let watchdog = Watchdog::start(Arc::new(AtomicBool::new(false))).expect("starting the watchdog");
    let mut driver =
        Driver::new(method, plan, &payload, handover, wire_once, &watchdog).expect("making the driver");
    prepare(&driver);
    (0..children)
        .map(|child| {
            driver.fault = fault(child);
            driver.run_child().map_err(|reason| reason.to_string())
        })
        .collect()
}
