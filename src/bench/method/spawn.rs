//! `spawn`: the child is a fresh `exec` of ipcscope itself, entering at a hidden subcommand,
//! and gets the encoded payload on its stdin, streamed as with `pipe`: Python's "spawn" start
//! method. The exec (a new address space, the dynamic loader, the program's start-up) is part
//! of every child's cost.

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::OnceLock;

use nix::unistd::Pid;

use super::channel::{decode_from, encode_into, open_pipe};
use super::{Delivery, Handover, Method, RunContext, SendError};
use crate::bench::env::Environment;
use crate::bench::kind::Shape;
use crate::bench::payload::Payload;
use crate::bench::receipt::{
    now_ns, report_and_exit, verify, ChildError, ChildReport, Expectation, Received, Step,
};

/// The hidden subcommand an exec'd child enters at.
pub const CHILD_COMMAND: &str = "__child";

/// The program to exec: one whose command line has `CHILD_COMMAND`.
static PROGRAM: OnceLock<CString> = OnceLock::new();

/// Names the program that has ipcscope's hidden child entry. The ipcscope binary names
/// itself (`/proc/self/exe`: the very file that runs, even if it was replaced on disk since);
/// tests and other users of the library name the ipcscope binary. The first name given stays.
pub fn set_program(path: &str) -> Result<(), String> {
    let path = CString::new(path).map_err(|_| format!("program path '{path}' contains a NUL byte"))?;
    let _ = PROGRAM.set(path);
    Ok(())
}

pub struct Spawn;

impl Method for Spawn {
    fn id(&self) -> &'static str {
        "spawn"
    }

    fn summary(&self) -> &'static str {
        "a fresh exec of ipcscope reads the encoded payload on its stdin (Python's spawn start method)"
    }

    fn teaching(&self) -> &'static str {
        include_str!("../../../assets/methods/spawn.md")
    }

    fn delivery(&self) -> Delivery {
        Delivery::Streamed
    }

    fn check(&self, _shape: &Shape, _env: &Environment) -> Result<(), String> {
        match PROGRAM.get() {
            Some(program) => nix::unistd::access(program.as_c_str(), nix::unistd::AccessFlags::X_OK)
                .map_err(|errno| format!("spawn cannot exec {}: {}", program.to_string_lossy(), errno.desc())),
            None => Err(
                "spawn execs ipcscope's hidden child entry, and this program has not named the ipcscope binary (bench::method::spawn::set_program)"
                    .into(),
            ),
        }
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        let program = PROGRAM
            .get()
            .ok_or_else(|| io::Error::other("no program to spawn: see spawn::set_program"))?;
        Ok(Box::new(Spawned {
            program,
            expect: Expectation::of(run.shape, run.payload),
            payload: run.payload,
            chunk: Vec::new(),
            pipe_max_size: run.env.pipe_max_size,
            report_fd: None,
            argv: Vec::new(),
            ends: None,
        }))
    }
}

struct Spawned<'a> {
    program: &'static CStr,
    expect: Expectation,
    payload: &'a Payload,
    /// The parent's encoding buffer, reused child after child.
    chunk: Vec<u8>,
    pipe_max_size: u64,
    /// The Driver's report pipe, which the exec'd child writes its report to.
    report_fd: Option<RawFd>,
    /// The exec'd child's command line, made before the first fork: between fork and exec
    /// the child only rearranges descriptors and calls execv (whose array of pointers is the
    /// one allocation there, and the allocator's lock the one a child may take).
    argv: Vec<CString>,
    /// (the child's stdin, the parent's write end) for the current child.
    ends: Option<(OwnedFd, OwnedFd)>,
}

impl Spawned<'_> {
    /// The child's command line, the same for every child of a run.
    fn build_argv(&mut self, report_fd: RawFd) -> io::Result<()> {
        let expect = &self.expect;
        let words = [
            CHILD_COMMAND.to_string(),
            "--payload".into(),
            expect.kind.name().into(),
            "--codec".into(),
            expect.codec.name().into(),
            "--access".into(),
            expect.access.name().into(),
            "--payload-bytes".into(),
            self.payload.bytes.to_string(),
            "--checksum".into(),
            expect.checksum.to_string(),
            "--sparse-checksum".into(),
            expect.sparse_checksum.to_string(),
            "--report-fd".into(),
            report_fd.to_string(),
        ];
        let mut argv = vec![self.program.to_owned()];
        for word in words {
            argv.push(CString::new(word).map_err(io::Error::other)?);
        }
        self.argv = argv;
        Ok(())
    }
}

impl Handover for Spawned<'_> {
    fn set_report_fd(&mut self, fd: RawFd) {
        self.report_fd = Some(fd);
    }

    fn before_fork(&mut self, _wire: &[u8]) -> io::Result<()> {
        if self.argv.is_empty() {
            let report_fd = self
                .report_fd
                .ok_or_else(|| io::Error::other("spawn was not told the report descriptor"))?;
            self.build_argv(report_fd)?;
        }
        self.ends = Some(open_pipe(self.payload.bytes as usize, self.pipe_max_size)?);
        Ok(())
    }

    /// In the forked child: the pipe becomes stdin, the report pipe survives the exec, and
    /// the program starts over. Returns only if the exec failed.
    fn receive(&mut self, _wire: &[u8]) -> Result<Received<'_>, ChildError> {
        let exec_failed = |errno| ChildError::io(Step::Exec, errno);
        let (Some((stdin, parent)), Some(report_fd)) = (self.ends.take(), self.report_fd) else {
            return Err(exec_failed(nix::Error::EBADF));
        };
        drop(parent);
        // SAFETY: the Driver's report pipe, open for as long as the Driver (and so this child) lives.
        let report = unsafe { BorrowedFd::borrow_raw(report_fd) };
        // dup2 leaves the new stdin without FD_CLOEXEC; an empty FD_CLOEXEC clears it on the
        // report pipe, so that both survive the exec.
        nix::unistd::dup2_stdin(&stdin).map_err(exec_failed)?;
        nix::fcntl::fcntl(report, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()))
            .map_err(exec_failed)?;
        // execv returns only on failure.
        let Err(errno) = nix::unistd::execv(self.program, &self.argv);
        Err(exec_failed(errno))
    }

    fn send(&mut self, _wire: &[u8], _child: Pid) -> Result<(), SendError> {
        let Some((stdin, parent)) = self.ends.take() else {
            return Err(SendError::ChildGone);
        };
        drop(stdin);
        encode_into(parent.as_fd(), self.expect.codec, self.payload, &mut self.chunk)
    }

    fn after_reap(&mut self) {
        self.ends = None;
    }
}

/// The exec'd child's whole life: decode the payload streamed to its stdin, verify it exactly
/// as a forked child does, report to `report_fd`, exit. Its stdout and stderr are the
/// /dev/null its forked parent left it.
pub fn child_main(expect: &Expectation, payload_bytes: usize, report_fd: RawFd) -> ! {
    let mut report = ChildReport::starting(now_ns());
    // SAFETY: descriptor 0 stays open for the life of this process.
    let stdin = unsafe { BorrowedFd::borrow_raw(0) };
    let received = decode_from(stdin, expect.kind, expect.codec, payload_bytes).map(Received::Decoded);
    if let Err(error) = verify(received, expect, &mut report) {
        report.error = Some(error);
    }
    // SAFETY: the descriptor the forked parent kept open across the exec for this report
    // (`--report-fd`); nothing else in this process closes it.
    let report_fd = unsafe { BorrowedFd::borrow_raw(report_fd) };
    report_and_exit(report_fd, &report)
}
