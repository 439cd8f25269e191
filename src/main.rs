//! Parses the command line, picks a face, nothing else.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::{CommandFactory, Parser};
use color_eyre::eyre::WrapErr;

use ipcscope::bench::python::{self, Skipped};
use ipcscope::bench::{self, env::Environment, plan::Plan, plan::Size};
use ipcscope::report::compare;

use cli::{Cli, Command, CompareArgs, PlacementArgs, RunArgs, SweepArgs};

mod cli;
mod discover;
mod headless;
mod progress;
mod setting_args;

/// Exit status of a run interrupted by Ctrl-C or SIGTERM.
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> color_eyre::Result<ExitCode> {
    bench::driver::keep_forks_lean();
    // Children must stay ours to reap: an ignored SIGCHLD inherited through exec would let
    // the kernel reap them, losing their status and accounting.
    // SAFETY: restoring a signal's default disposition, before any thread starts.
    unsafe { libc::signal(libc::SIGCHLD, libc::SIG_DFL) };
    // An error report a script can read: no colour unless a person is watching, no source
    // locations (they help the developers, not the user).
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    color_eyre::config::HookBuilder::default()
        .theme(if colour {
            color_eyre::config::Theme::dark()
        } else {
            color_eyre::config::Theme::new()
        })
        .display_location_section(false)
        .display_env_section(false)
        .install()?;
    bench::driver::install_panic_guard();
    bench::method::spawn::set_program("/proc/self/exe").map_err(color_eyre::eyre::Report::msg)?;
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Child(args)) => {
            bench::method::spawn::child_main(&args.expectation(), args.payload_bytes, args.report_fd)
        }
        None => explore(&cli),
        Some(Command::Run(args)) => run(&args),
        Some(Command::Sweep(args)) => sweep(&args),
        Some(Command::Compare(args)) => compare(&args),
        Some(Command::Placement(args)) => placement(&args),
        Some(Command::Methods) => {
            print!(
                "{}",
                ipcscope::report::methods(&bench::python::Availability::check(None))
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Completions { shell }) => {
            discover::completions(shell, &mut std::io::stdout().lock())
                .wrap_err("writing the completion script")?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man) => {
            discover::man(&mut std::io::stdout().lock()).wrap_err("writing the manual page")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A usage error of `subcommand` (or of the explorer): the message on stderr with that
/// command's usage line, exit 2.
fn usage_error(subcommand: Option<&str>, message: impl std::fmt::Display) -> ! {
    let mut command = Cli::command();
    command.build();
    let command = match subcommand.and_then(|name| command.find_subcommand_mut(name)) {
        Some(subcommand) => subcommand,
        None => &mut command,
    };
    command
        .error(clap::error::ErrorKind::ValueValidation, message)
        .exit()
}

/// Checks a plan as the command line gave it; anything impossible is a usage error (exit 2).
fn checked_plan(subcommand: Option<&str>, plan: Result<Plan, String>) -> Plan {
    let env = Environment::read();
    // The size that does not fit came from --size here (a sweep's from --from and --to).
    let fits = |plan: Plan| match plan.check_memory(&env) {
        Ok(()) => Ok(plan),
        Err(problem) => Err(format!("--size {}: {problem}", Size(plan.size))),
    };
    match plan
        .and_then(fits)
        .and_then(|plan| plan.check_as_asked(&env).map(|()| plan))
    {
        Ok(plan) => plan,
        Err(problem) => usage_error(subcommand, problem),
    }
}

/// Refuses, before anything runs, an `--output` that could not be written: the results of a
/// long run must not be lost at the end.
fn check_output(subcommand: &str, path: Option<&Path>) {
    let Some(path) = path else { return };
    let problem = if path.is_dir() {
        Some(format!("--output {} is a directory; name a file", path.display()))
    } else {
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        nix::unistd::access(directory, nix::unistd::AccessFlags::W_OK)
            .err()
            .map(|errno| {
                format!(
                    "--output {}: cannot write in {}: {}",
                    path.display(),
                    directory.display(),
                    errno.desc()
                )
            })
    };
    if let Some(problem) = problem {
        usage_error(Some(subcommand), problem);
    }
}

/// A flag that Ctrl-C and SIGTERM raise, so a run stops cleanly and still reports.
fn interrupt_flag() -> color_eyre::Result<Arc<AtomicBool>> {
    let cancel = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // The first signal cancels: the current child is killed and reaped, and what was
        // measured is printed. A second one, should that ever hang, ends the process at once;
        // its children die with it (PR_SET_PDEATHSIG).
        signal_hook::flag::register_conditional_shutdown(
            signal,
            EXIT_INTERRUPTED.into(),
            Arc::clone(&cancel),
        )
        .wrap_err("installing the Ctrl-C handler")?;
        signal_hook::flag::register(signal, Arc::clone(&cancel)).wrap_err("installing the Ctrl-C handler")?;
    }
    Ok(cancel)
}

/// The exit status assets/CONTRACT.md fixes, for a finished (or interrupted) run or sweep.
/// `partial` says whether it was cut short; a signal after the last child changes nothing. A
/// run stopped by an error after measuring something says why, after its results.
fn exit_status(executed: &headless::Executed) -> ExitCode {
    if let Some(error) = &executed.stopped_by {
        eprintln!("error: {error}; the results above were measured before it");
        return ExitCode::from(1);
    }
    if executed.output.partial {
        ExitCode::from(EXIT_INTERRUPTED)
    } else if executed.output.failures() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The plan without the py-* methods that cannot run here, said on stderr; only py-* methods
/// that cannot run are a usage error.
fn runnable(subcommand: &str, plan: Plan) -> (Plan, Vec<Skipped>) {
    let (plan, skipped) =
        python::without_unavailable(plan).unwrap_or_else(|problem| usage_error(Some(subcommand), problem));
    if let Some(first) = skipped.first() {
        let ids: Vec<&str> = skipped.iter().map(|skipped| skipped.method.as_str()).collect();
        eprintln!("notice: skipped {}: {}", ids.join(", "), first.reason);
    }
    (plan, skipped)
}

fn run(args: &RunArgs) -> color_eyre::Result<ExitCode> {
    let plan = args
        .settings
        .plan()
        .unwrap_or_else(|problem| usage_error(Some("run"), problem));
    let (plan, skipped) = runnable("run", plan);
    let plan = checked_plan(Some("run"), Ok(plan));
    check_output("run", args.output.output.as_deref());
    let cancel = interrupt_flag()?;
    let stream = headless::streams(&args.output, &ipcscope::bench::sweep::Sweep::single(plan.clone()));
    let mut executed = headless::execute(&plan, Arc::clone(&cancel), stream)?;
    executed.output.skipped = skipped;
    headless::write(&executed, &args.output, args.settings.preset)?;
    Ok(exit_status(&executed))
}

fn placement(args: &PlacementArgs) -> color_eyre::Result<ExitCode> {
    let base = checked_plan(Some("placement"), args.settings.plan());
    check_output("placement", args.output.output.as_deref());
    let columns = bench::matrix::columns().unwrap_or_else(|problem| usage_error(Some("placement"), problem));
    let cancel = interrupt_flag()?;
    let measured = headless::placement_matrix(&base, &columns, Arc::clone(&cancel))?;
    let text = match args.output.format {
        ipcscope::report::Format::Json => measured.matrix.json()?,
        _ => measured.matrix.table(),
    };
    headless::write_text(&text, args.output.output.as_deref())?;
    Ok(exit_status(&measured.executed))
}

fn sweep(args: &SweepArgs) -> color_eyre::Result<ExitCode> {
    let mut sweep = args
        .sweep()
        .unwrap_or_else(|problem| usage_error(Some("sweep"), problem));
    let (plan, skipped) = runnable("sweep", sweep.plan.clone());
    sweep.plan = plan;
    check_output("sweep", args.output.output.as_deref());
    let env = Environment::read();
    for plan in sweep.plans() {
        if let Err(problem) = plan.check(&env) {
            // The sizes come from --from and --to: the error names them, not --size.
            usage_error(
                Some("sweep"),
                format!(
                    "--from {} --to {}: at {}: {problem}",
                    args.from,
                    args.to,
                    Size(plan.size)
                ),
            );
        }
    }
    let cancel = interrupt_flag()?;
    let mut executed = headless::execute_sweep(
        &sweep,
        Arc::clone(&cancel),
        headless::streams(&args.output, &sweep),
    )?;
    executed.output.skipped = skipped;
    headless::write(&executed, &args.output, None)?;
    Ok(exit_status(&executed))
}

fn compare(args: &CompareArgs) -> color_eyre::Result<ExitCode> {
    let files = args
        .files
        .iter()
        .map(|path| compare::load(path))
        .collect::<Result<Vec<_>, String>>()
        .unwrap_or_else(|problem| usage_error(Some("compare"), problem));
    check_output("compare", args.output.output.as_deref());
    let text = ipcscope::report::render_comparison(args.output.format, &compare::Comparison::of(files))?;
    headless::write_text(&text, args.output.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

fn explore(cli: &Cli) -> color_eyre::Result<ExitCode> {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        eprintln!(
            "error: the explorer needs a terminal on stdin and stdout; for scripts and pipes use `ipcscope run` (see `ipcscope run --help`)"
        );
        return Ok(ExitCode::from(2));
    }
    let plan = checked_plan(None, cli.settings.plan());
    // The terminal is restored before color-eyre reports a panic; the child guard stays
    // outermost so that a benchmark child that panics touches neither.
    ipcscope::tui::install_restore_hook();
    bench::driver::install_panic_guard();
    let face = ipcscope::tui::Face {
        ascii: cli.ascii || ipcscope::tui::theme::ascii_from_env(),
        mouse: !cli.no_mouse,
    };
    let status = ipcscope::tui::explore(plan, cli.baseline.as_deref(), face, cli.export_dir.as_deref())?;
    Ok(ExitCode::from(status))
}
