//! The command line: clap definitions, turned into a `Plan` for whichever face runs it and
//! into the report `Format` it writes.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use ipcscope::bench::plan::{Access, Codec, PayloadKind, Plan, Size};
use ipcscope::bench::receipt::Expectation;
use ipcscope::bench::sweep::{self, Sweep};
use ipcscope::report::Format;

pub use crate::setting_args::{Face, ForRun, ForSweep, SettingArgs};

/// What it costs to hand data to a child process on Linux, and why.
///
/// Without a subcommand, opens the interactive explorer, starting from the settings given.
#[derive(Debug, Parser)]
#[command(name = "ipcscope", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings<ForRun>,
    /// The explorer only: a saved JSON result (from run, sweep or the explorer's export) that the results are compared with
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// The explorer only: draw with ASCII only (on by default where TERM is linux, vt100 or dumb, or the locale is not UTF-8)
    #[arg(long)]
    pub ascii: bool,
    /// The explorer only: leave the mouse to the terminal (by default a click chooses a method or a panel, the wheel scrolls)
    #[arg(long)]
    pub no_mouse: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one experiment headless, print the results, exit.
    Run(RunArgs),
    /// Run the methods at every size from --from to --to, each --factor times the last; headless.
    Sweep(SweepArgs),
    /// Saved JSON results (from run or sweep) side by side, matched by method, payload, codec and size, with the ratio of each to the first file's.
    Compare(CompareArgs),
    /// List every method: its id and a one-line explanation.
    Methods,
    /// The entry point of a `spawn` child after its exec (internal).
    #[command(name = "__child", hide = true)]
    Child(ChildArgs),
}

/// What an exec'd `spawn` child is told on its command line; made by `method::spawn`.
#[derive(Debug, Args)]
pub struct ChildArgs {
    #[arg(long, value_parser = PayloadKind::parse)]
    pub payload: PayloadKind,
    #[arg(long, value_parser = Codec::parse)]
    pub codec: Codec,
    #[arg(long, value_parser = Access::parse)]
    pub access: Access,
    /// The payload's size in bytes.
    #[arg(long)]
    pub payload_bytes: usize,
    #[arg(long)]
    pub checksum: u64,
    #[arg(long)]
    pub sparse_checksum: u64,
    /// The inherited descriptor to write the report to.
    #[arg(long)]
    pub report_fd: i32,
}

impl ChildArgs {
    pub fn expectation(&self) -> Expectation {
        Expectation {
            kind: self.payload,
            codec: self.codec,
            access: self.access,
            checksum: self.checksum,
            sparse_checksum: self.sparse_checksum,
        }
    }
}

/// What to measure: every setting's option (from its description) and the preset; every
/// option left out takes the preset's value, or the default.
#[derive(Debug, Default, Args)]
pub struct Settings<F: Face + Clone + Send + Sync + 'static> {
    #[command(flatten)]
    pub values: SettingArgs<F>,
    /// seed: the tutorial's experiment (methods inherit,argument,queue,pipe; ints; 1,000,000 integers; 1000 children); explicit flags override it [default: none]
    #[arg(long, value_enum)]
    pub preset: Option<Preset>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// The tutorial's experiment.
    Seed,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub settings: Settings<ForRun>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The settings a sweep has (its sizes come from --from and --to).
    #[command(flatten)]
    pub settings: Settings<ForSweep>,
    /// The first (smallest) payload size, in the units --size takes
    #[arg(long, value_name = "SIZE", value_parser = Size::parse, conflicts_with = "size")]
    pub from: Size,
    /// The largest payload size; the sweep stops at the last size not above it
    #[arg(long, value_name = "SIZE", value_parser = Size::parse)]
    pub to: Size,
    /// Each size is F times the last (F > 1; fractions allowed, sizes are rounded to whole bytes)
    #[arg(long, value_name = "F", default_value_t = sweep::DEFAULT_FACTOR, value_parser = parse_factor)]
    pub factor: f64,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl SweepArgs {
    /// The sweep these arguments ask for, or what is wrong with its range.
    pub fn sweep(&self) -> Result<Sweep, String> {
        Sweep::new(self.settings.plan()?, self.from.0, self.to.0, self.factor)
    }
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// JSON files written by `ipcscope run -f json` or `ipcscope sweep -f json`; the first is the baseline
    #[arg(value_name = "FILE", required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format
    #[arg(short = 'f', long, default_value = Format::Table.name(), value_parser = format_parser())]
    pub format: Format,
    /// Write the results there instead of to stdout [default: stdout]
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `--format`'s values are report's formats by name; clap lists them in the help and in the
/// error for a value it does not know.
fn format_parser() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(Format::ALL.map(Format::name)).try_map(|name| Format::parse(&name))
}

impl<F: Face + Clone + Send + Sync + 'static> Settings<F> {
    /// The plan these settings ask for: the preset's values (or the defaults), overridden by
    /// every option given.
    pub fn plan(&self) -> Result<Plan, String> {
        let base = match self.preset {
            Some(Preset::Seed) => Plan::seed(),
            None => Plan::default(),
        };
        self.values.plan(base)
    }
}

fn parse_factor(text: &str) -> Result<f64, String> {
    let factor: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("the factor must be a number greater than 1, e.g. 2 or 4; got '{text}'"))?;
    sweep::check_factor(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(args: &[&str]) -> Plan {
        let mut argv = vec!["ipcscope", "run"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv).unwrap().command {
            Some(Command::Run(run)) => run.settings.plan().expect("a plan"),
            other => panic!("not a run: {other:?}"),
        }
    }

    #[test]
    fn defaults_follow_the_contract() {
        let plan = plan_of(&[]);
        let ids: Vec<_> = plan.methods.iter().map(|m| m.id()).collect();
        assert_eq!(ids, ["inherit", "argument", "queue", "pipe"]);
        assert_eq!((plan.size, plan.repeats, plan.warmup), (8_000_000, 100, 3));
        assert_eq!(
            (plan.payload, plan.codec, plan.access),
            (PayloadKind::Ints, Codec::Bincode, Access::Read)
        );
    }

    #[test]
    fn explicit_flags_override_the_preset() {
        let plan = plan_of(&["--preset", "seed", "-n", "7", "-m", "pipe", "-m", "queue,inherit"]);
        assert_eq!(plan.repeats, 7);
        assert_eq!(plan.size, 8_000_000);
        let ids: Vec<_> = plan.methods.iter().map(|m| m.id()).collect();
        assert_eq!(ids, ["pipe", "queue", "inherit"]);
        assert_eq!(plan_of(&["--preset", "seed"]).repeats, 1000);
    }

    #[test]
    fn bad_values_are_usage_errors_that_say_what_is_allowed() {
        let cases: [(&[&str], &str); 10] = [
            (&["-n", "0"], "at least 1"),
            (&["-n", "-3"], "at least 1"),
            (&["-n", "many"], "whole number"),
            (&["-n", "4294967295"], "at most 1000000"),
            (&["-w", "-1"], "at least 0"),
            (&["-s", "8XB"], "KiB"),
            (&["-m", "pigeon"], "allowed: inherit"),
            (&["-p", "floats"], "allowed: ints, bytes, records"),
            (&["-c", "json"], "allowed: bincode"),
            (&["--access", "execute"], "allowed: read, write"),
        ];
        for (args, expected) in cases {
            let mut argv = vec!["ipcscope", "run"];
            argv.extend_from_slice(args);
            let error = Cli::try_parse_from(argv).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{args:?}");
            assert!(error.to_string().contains(expected), "{args:?}: {error}");
        }
    }

    #[test]
    fn a_baseline_is_for_the_explorer_only() {
        let cli = Cli::try_parse_from(["ipcscope", "-m", "pipe", "--baseline", "monday.json"]).unwrap();
        assert_eq!(cli.baseline, Some(PathBuf::from("monday.json")));
        assert!(cli.command.is_none());
        assert!(Cli::try_parse_from(["ipcscope", "run", "--baseline", "monday.json"]).is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
