//! `cma`: cross memory attach. The child pulls the parent's wire bytes straight out of the
//! parent's memory with `process_vm_readv(2)`: one copy, done by the kernel, no pipe.
//!
//! Reading another process's memory needs ptrace permission over it. Under Yama's
//! `ptrace_scope` 1 a process may only read its descendants, never its parent, unless that
//! parent names it with `prctl(PR_SET_PTRACER, child)`; so the parent does that after the
//! fork, and only then tells the child to go, through a one-byte pipe. Scope 2 lets only a
//! process with CAP_SYS_PTRACE read another's memory, and scope 3 nobody: `check` says so.
//!
//! How this was verified without Yama (this development machine has none): the rule for
//! every scope is the pure function `attach_rule`, tested for each; the go-pipe path runs in
//! tests/methods.rs with `ptrace_scope` set to 1 in the environment, where the real `prctl`
//! answers EINVAL (no module handles PR_SET_PTRACER when Yama is absent) and the children must
//! still verify; and a test that drops root and makes its process non-dumpable gets the real
//! EPERM, which `check` refuses and a child run anyway reports as "not permitted".

use std::io::{self, IoSliceMut};
use std::os::fd::{AsFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::uio::{process_vm_readv, RemoteIoVec};
use nix::unistd::Pid;

use super::stream::{read_exact, write_all};
use super::{Delivery, Handover, Method, RunContext, SendError};
use crate::bench::env::Environment;
use crate::bench::kind::Shape;
use crate::bench::memory::{KeptOutOfChildren, Region};
use crate::bench::receipt::{ChildError, Received, Step};

pub struct Cma;

impl Method for Cma {
    fn id(&self) -> &'static str {
        "cma"
    }

    fn summary(&self) -> &'static str {
        "the child pulls the parent's encoded bytes out of its memory with process_vm_readv(2)"
    }

    fn teaching(&self) -> &'static str {
        include_str!("../../../assets/methods/cma.md")
    }

    fn delivery(&self) -> Delivery {
        Delivery::PerChild
    }

    fn check(&self, _shape: &Shape, env: &Environment) -> Result<(), String> {
        let privileged = has_cap_sys_ptrace();
        attach_rule(env.ptrace_scope, privileged)?;
        let dumpable = nix::sys::prctl::get_dumpable().unwrap_or(false);
        if !dumpable && !privileged {
            return Err(
                "this process is not dumpable (it runs set-user-ID, or set PR_SET_DUMPABLE to 0), so the kernel lets no child read its memory without CAP_SYS_PTRACE"
                    .into(),
            );
        }
        Ok(())
    }

    fn start<'a>(&self, run: &RunContext<'a>) -> io::Result<Box<dyn Handover + 'a>> {
        let needs_ptracer =
            attach_rule(run.env.ptrace_scope, has_cap_sys_ptrace()).map_err(io::Error::other)?;
        Ok(Box::new(CrossMemory {
            parent: nix::unistd::getpid(),
            needs_ptracer,
            go: None,
            kept_out: None,
            buffer: Region::empty(),
        }))
    }
}

/// Whether the parent must name each child its ptracer before the child may read it, or why
/// no child can read it at all, for Yama's `ptrace_scope` (`None`: no Yama).
pub fn attach_rule(ptrace_scope: Option<u8>, cap_sys_ptrace: bool) -> Result<bool, String> {
    match ptrace_scope {
        None | Some(0) => Ok(false),
        Some(1) => Ok(true),
        Some(2) if cap_sys_ptrace => Ok(true),
        Some(2) => Err(
            "Yama's kernel.yama.ptrace_scope is 2 (admin-only attach): only a process with CAP_SYS_PTRACE may read another's memory, and PR_SET_PTRACER cannot grant it; run ipcscope with CAP_SYS_PTRACE, or set the scope to 1 (sysctl kernel.yama.ptrace_scope=1)"
                .into(),
        ),
        Some(scope) => Err(format!(
            "Yama's kernel.yama.ptrace_scope is {scope} (no attach): no process may read another's memory until the next reboot, so cross memory attach is impossible on this machine"
        )),
    }
}

/// The capability's number in linux/capability.h.
const CAP_SYS_PTRACE: u32 = 19;

/// Whether this process holds CAP_SYS_PTRACE (bit 19 of `CapEff` in /proc/self/status).
fn has_cap_sys_ptrace() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let hex = status.lines().find_map(|line| line.strip_prefix("CapEff:"))?;
            u64::from_str_radix(hex.trim(), 16).ok()
        })
        .is_some_and(|caps| caps & (1 << CAP_SYS_PTRACE) != 0)
}

struct CrossMemory {
    parent: Pid,
    needs_ptracer: bool,
    /// (read, write) of the one-byte pipe that tells the child it may read.
    go: Option<(OwnedFd, OwnedFd)>,
    /// The whole pages of the current child's wire bytes, kept out of it (see `before_fork`).
    kept_out: Option<KeptOutOfChildren>,
    /// The child's receive buffer (filled in the child only).
    buffer: Region,
}

impl Handover for CrossMemory {
    /// Keeps the whole pages of the wire bytes out of the child (`MADV_DONTFORK`), so the child
    /// really lacks them and must pull them. It also spares the parent a copy: were the pages
    /// shared copy-on-write with the child, the kernel (since Linux 5.19) would unshare each
    /// one, copying it, before `process_vm_readv` may pin it, doubling the page faults.
    /// `wire` (the payload or the Driver's encoding buffer) stays mapped until `after_reap`.
    fn before_fork(&mut self, wire: &[u8]) -> io::Result<()> {
        self.kept_out = KeptOutOfChildren::keep(wire)?;
        if self.needs_ptracer {
            self.go = Some(nix::unistd::pipe2(OFlag::O_CLOEXEC)?);
        }
        Ok(())
    }

    /// `wire` is at the same address in parent and child (fork copies the address space);
    /// the child reads it from the parent, not its own copy-on-write view.
    fn receive(&mut self, wire: &[u8]) -> Result<Received<'_>, ChildError> {
        if let Some((read, write)) = self.go.take() {
            drop(write);
            // No byte (the parent closed the pipe): it could not allow this child to read.
            read_exact(read.as_fd(), &mut [0u8; 1])
                .map_err(|_| ChildError::io(Step::Attach, Errno::EPERM))?;
        }
        self.buffer = Region::buffer(wire.len()).map_err(|errno| ChildError::io(Step::Read, errno))?;
        let buffer = self.buffer.as_bytes_mut();
        let mut got = 0;
        while got < wire.len() {
            let remote = RemoteIoVec {
                base: wire.as_ptr() as usize + got,
                len: wire.len() - got,
            };
            match process_vm_readv(self.parent, &mut [IoSliceMut::new(&mut buffer[got..])], &[remote]) {
                Ok(0) => {
                    return Err(ChildError::ShortRead {
                        got: got as u64,
                        expected: wire.len() as u64,
                    })
                }
                Ok(read) => got += read,
                Err(Errno::EINTR) => {}
                Err(errno) => return Err(ChildError::io(Step::Attach, errno)),
            }
        }
        Ok(Received::WireMut(self.buffer.as_bytes_mut()))
    }

    /// Nothing to send: the bytes wait where they are, unchanged until the child is reaped.
    fn send(&mut self, _wire: &[u8], child: Pid) -> Result<(), SendError> {
        let Some((read, write)) = self.go.take() else {
            return Ok(());
        };
        drop(read);
        // SAFETY: prctl with integer arguments.
        let allowed = unsafe { libc::prctl(libc::PR_SET_PTRACER, child.as_raw() as libc::c_ulong, 0, 0, 0) };
        match Errno::result(allowed) {
            // EINVAL: no security module handles PR_SET_PTRACER, so Yama is absent and
            // nothing restricts the child.
            Ok(_) | Err(Errno::EINVAL) => write_all(write.as_fd(), &[1]),
            // Dropping the go pipe unwritten tells the child it may not read.
            Err(errno) => Err(SendError::Io("prctl(PR_SET_PTRACER, child)", errno)),
        }
    }

    fn after_reap(&mut self) {
        self.go = None;
        if self.needs_ptracer {
            // The permission named the child's pid: withdraw it before the pid can be reused.
            // SAFETY: prctl with plain integers.
            unsafe { libc::prctl(libc::PR_SET_PTRACER, 0 as libc::c_ulong, 0, 0, 0) };
        }
        // The payload and the encoding buffer must fork normally again for other methods.
        self.kept_out = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yama_scopes_decide_whether_and_how_a_child_may_read_its_parent() {
        for cap in [false, true] {
            assert_eq!(attach_rule(None, cap), Ok(false));
            assert_eq!(attach_rule(Some(0), cap), Ok(false));
            assert_eq!(attach_rule(Some(1), cap), Ok(true));
            let no_attach = attach_rule(Some(3), cap).unwrap_err();
            assert!(
                no_attach.contains("ptrace_scope is 3") && no_attach.contains("impossible"),
                "{no_attach}"
            );
        }
        assert_eq!(attach_rule(Some(2), true), Ok(true));
        let admin_only = attach_rule(Some(2), false).unwrap_err();
        assert!(
            admin_only.contains("CAP_SYS_PTRACE") && admin_only.contains("ptrace_scope=1"),
            "{admin_only}"
        );
    }
}
