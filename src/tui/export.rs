//! Where the explorer writes its exports and what it calls them: into the chosen directory
//! (`--export-dir`, or `X` in the explorer; the current one otherwise), named by the local
//! time as a person reads it, never overwriting an earlier export.

use std::path::{Path, PathBuf};

use crate::report::{self, Format, RunOutput};

/// The formats an export writes, each with its file extension.
const FORMATS: [(Format, &str); 3] = [
    (Format::Json, "json"),
    (Format::Csv, "csv"),
    (Format::Markdown, "md"),
];

/// `path` with a leading `~` (alone or before `/`) read as the home directory, as a shell
/// would: paths typed into the explorer or given as `--flag=~/x` reach no shell.
pub fn expand_home(path: &Path) -> PathBuf {
    let Ok(rest) = path.strip_prefix("~") else {
        return path.to_path_buf();
    };
    match std::env::var_os("HOME").filter(|home| !home.is_empty()) {
        Some(home) => PathBuf::from(home).join(rest),
        None => path.to_path_buf(),
    }
}

/// `ipcscope-run-2026-12-01-093012`: what the export is and when, in local time.
pub fn stem(at: &jiff::ZonedDateTime) -> String {
    format!("ipcscope-run-{}", at.strftime("%Y-%m-%d-%H%M%S"))
}

/// Whether `directory` can take the export, or what is wrong with it.
pub fn check_directory(directory: &Path) -> Result<(), String> {
    match std::fs::metadata(directory) {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(format!("{} is not a directory", directory.display())),
        Err(error) => Err(format!("{}: {error}", directory.display())),
    }
}

/// Writes `output` as JSON, CSV and Markdown into `directory` (the current one if `None`),
/// named from `at`; says what it wrote.
pub fn write(
    directory: Option<&Path>,
    output: &RunOutput,
    at: &jiff::ZonedDateTime,
) -> Result<String, String> {
    let directory = match directory {
        Some(directory) => directory.to_path_buf(),
        None => std::env::current_dir().map_err(|error| format!("finding the current directory: {error}"))?,
    };
    check_directory(&directory)?;
    let stem = free_stem(&directory, &stem(at));
    for (format, extension) in FORMATS {
        let path = directory.join(format!("{stem}.{extension}"));
        let text = report::render(format, output).map_err(|error| error.to_string())?;
        std::fs::write(&path, text).map_err(|error| format!("writing {}: {error}", path.display()))?;
    }
    Ok(format!("{}.json, .csv and .md", directory.join(&stem).display()))
}

/// `stem`, or `stem-2`, `stem-3`…: the first that names no file of an export in `directory`,
/// so two exports within a second both stay.
fn free_stem(directory: &Path, stem: &str) -> String {
    let taken = |candidate: &str| {
        FORMATS
            .iter()
            .any(|(_, extension)| directory.join(format!("{candidate}.{extension}")).exists())
    };
    (1..)
        .map(|n| {
            if n == 1 {
                stem.to_string()
            } else {
                format!("{stem}-{n}")
            }
        })
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| stem.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::env::Environment;

    #[test]
    fn a_leading_tilde_is_the_home_directory() {
        let home = PathBuf::from(std::env::var_os("HOME").expect("HOME is set for the tests"));
        assert_eq!(
            expand_home(Path::new("~/runs/monday.json")),
            home.join("runs/monday.json")
        );
        assert_eq!(expand_home(Path::new("~")), home);
        assert_eq!(expand_home(Path::new("~bob/x")), PathBuf::from("~bob/x"));
        assert_eq!(expand_home(Path::new("a/~/b")), PathBuf::from("a/~/b"));
    }

    #[test]
    fn exports_are_named_by_local_time_into_the_chosen_directory_and_never_overwrite() {
        let at = jiff::civil::date(2026, 12, 1)
            .at(9, 30, 12, 0)
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .unwrap();
        assert_eq!(stem(&at), "ipcscope-run-2026-12-01-093012");
        let directory = tempfile::tempdir().unwrap();
        let output = RunOutput {
            environment: Environment::default(),
            results: Vec::new(),
            partial: false,
            in_progress: None,
            skipped: Vec::new(),
        };
        let first = write(Some(directory.path()), &output, &at).unwrap();
        assert!(
            first.ends_with("ipcscope-run-2026-12-01-093012.json, .csv and .md"),
            "{first}"
        );
        let second = write(Some(directory.path()), &output, &at).unwrap();
        assert!(
            second.contains("ipcscope-run-2026-12-01-093012-2.json"),
            "{second}"
        );
        for name in [
            "ipcscope-run-2026-12-01-093012.md",
            "ipcscope-run-2026-12-01-093012-2.csv",
        ] {
            assert!(directory.path().join(name).is_file(), "{name}");
        }
        let missing = directory.path().join("nowhere");
        assert!(write(Some(&missing), &output, &at)
            .unwrap_err()
            .contains("nowhere"));
    }
}
