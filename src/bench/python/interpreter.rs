//! Finding python3 and making sure it is one the harness can run on.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The oldest Python the harness runs on (`multiprocessing.shared_memory`, `parent_process`).
pub const MINIMUM_VERSION: (u32, u32) = (3, 8);

/// The name looked up on `PATH` when no interpreter is named.
const DEFAULT_PROGRAM: &str = "python3";

/// Asked of the interpreter: its version and executable (past any wrapper such as pyenv's
/// shims, so the harness's pid is the interpreter's), and that the modules the harness needs
/// import.
const PROBE: &str = "import sys, multiprocessing.shared_memory, resource, zlib; \
                     print('%d.%d.%d' % sys.version_info[:3]); print(sys.executable)";

/// A python3 that ran the probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpreter {
    /// Its `sys.executable`, or the program checked when that is empty.
    pub path: PathBuf,
    /// (major, minor, micro).
    pub version: (u32, u32, u32),
}

/// Whether the py-* methods can run, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Availability {
    Ready(Interpreter),
    Unavailable(Unavailable),
}

/// Why there is no usable interpreter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unavailable {
    /// No `python3` on `PATH` (or the named program is not there).
    NotFound { program: OsString },
    /// It could not be started.
    WontStart { program: PathBuf, error: String },
    /// It ran but did not answer as a Python with the modules the harness needs.
    Broken { program: PathBuf, detail: String },
    TooOld {
        program: PathBuf,
        version: (u32, u32, u32),
    },
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unavailable::NotFound { program } => {
                write!(f, "no {} found on PATH", program.to_string_lossy())
            }
            Unavailable::WontStart { program, error } => {
                write!(f, "{} could not be started: {error}", program.display())
            }
            Unavailable::Broken { program, detail } => {
                write!(f, "{} did not run as Python: {detail}", program.display())
            }
            Unavailable::TooOld {
                program,
                version: (major, minor, micro),
            } => write!(
                f,
                "{} is Python {major}.{minor}.{micro}; the py-* methods need {}.{} or newer",
                program.display(),
                MINIMUM_VERSION.0,
                MINIMUM_VERSION.1
            ),
        }?;
        f.write_str("; install python3 (Debian: apt-get install python3) or name one with --python PATH")
    }
}

impl Availability {
    /// Checks `python` (a path, or a name looked up on `PATH`), or `python3` on `PATH`.
    pub fn check(python: Option<&OsStr>) -> Availability {
        Self::check_in(python, std::env::var_os("PATH").as_deref())
    }

    /// As `check`, looking names up in `search_path` (a `PATH`-style list) instead.
    pub fn check_in(python: Option<&OsStr>, search_path: Option<&OsStr>) -> Availability {
        let program = python.unwrap_or(OsStr::new(DEFAULT_PROGRAM));
        match locate(program, search_path) {
            Some(path) => probe(path),
            None => Availability::Unavailable(Unavailable::NotFound {
                program: program.to_owned(),
            }),
        }
    }

    pub fn interpreter(&self) -> Option<&Interpreter> {
        match self {
            Availability::Ready(interpreter) => Some(interpreter),
            Availability::Unavailable(_) => None,
        }
    }
}

/// A program named with a slash is that path; a bare name is looked up on `search_path`.
fn locate(program: &OsStr, search_path: Option<&OsStr>) -> Option<PathBuf> {
    let program = Path::new(program);
    if program.components().count() > 1 {
        return Some(program.to_path_buf());
    }
    std::env::split_paths(search_path?)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

fn probe(path: PathBuf) -> Availability {
    let output = match Command::new(&path)
        .args(["-I", "-c", PROBE])
        .stdin(Stdio::null())
        .output()
    {
        Ok(output) => output,
        Err(error) => {
            return Availability::Unavailable(Unavailable::WontStart {
                program: path,
                error: error.to_string(),
            })
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut answer = stdout.lines().map(str::trim);
    let version = answer.next().and_then(parse_version);
    let executable = answer.next().filter(|line| !line.is_empty()).map(PathBuf::from);
    match version {
        Some(version) if output.status.success() => {
            if (version.0, version.1) < MINIMUM_VERSION {
                Availability::Unavailable(Unavailable::TooOld {
                    program: path,
                    version,
                })
            } else {
                let path = executable.unwrap_or(path);
                Availability::Ready(Interpreter { path, version })
            }
        }
        _ => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last_line = stderr.lines().rev().find(|line| !line.trim().is_empty());
            let detail = match last_line {
                Some(line) => format!("{} ({})", output.status, line.trim()),
                None => format!("{}, printing no version", output.status),
            };
            Availability::Unavailable(Unavailable::Broken {
                program: path,
                detail,
            })
        }
    }
}

fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split('.').map(|part| part.parse::<u32>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_whole_or_not_at_all() {
        assert_eq!(parse_version("3.11.7"), Some((3, 11, 7)));
        assert_eq!(parse_version("3.11"), None);
        assert_eq!(parse_version("3.11.7.1"), None);
        assert_eq!(parse_version("Python 3.11.7"), None);
    }

    #[test]
    fn a_bare_name_is_looked_up_and_a_path_is_taken_as_it_is() {
        assert_eq!(
            locate(OsStr::new("sh"), Some(OsStr::new("/nonexistent:/bin"))),
            Some("/bin/sh".into())
        );
        assert_eq!(locate(OsStr::new("sh"), Some(OsStr::new("/nonexistent"))), None);
        assert_eq!(locate(OsStr::new("sh"), None), None);
        assert_eq!(locate(OsStr::new("./x"), None), Some("./x".into()));
    }
}
