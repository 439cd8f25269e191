//! Parses the command line, picks a face, nothing else.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::{CommandFactory, Parser};
use color_eyre::eyre::WrapErr;

use ipcscope::bench::{self, env::Environment, plan::Plan};
use ipcscope::cli::{Cli, Command, RunArgs};
use ipcscope::headless;

/// Exit status of a run interrupted by Ctrl-C or SIGTERM.
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> color_eyre::Result<ExitCode> {
    color_eyre::install()?;
    bench::child::install_panic_guard();
    bench::method::spawn::set_program("/proc/self/exe").map_err(color_eyre::eyre::Report::msg)?;
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Child(args)) => {
            bench::method::spawn::child_main(&args.expectation(), args.wire_bytes, args.report_fd)
        }
        None => explore(&cli),
        Some(Command::Run(args)) => run(&args),
        Some(Command::Methods) => {
            print!("{}", ipcscope::report::methods());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Checks a plan as the command line gave it; anything impossible is a usage error (exit 2).
fn checked_plan(plan: Plan) -> Plan {
    let env = Environment::read();
    if let Err(problem) = plan.validate().and_then(|()| plan.check_memory(&env)) {
        Cli::command()
            .error(clap::error::ErrorKind::ValueValidation, problem)
            .exit();
    }
    for method in &plan.methods {
        if let Err(problem) = method.check(&plan, &env) {
            let message = format!("method {} cannot run here: {problem}", method.id());
            Cli::command()
                .error(clap::error::ErrorKind::ValueValidation, message)
                .exit();
        }
    }
    plan
}

fn run(args: &RunArgs) -> color_eyre::Result<ExitCode> {
    let plan = checked_plan(args.settings.plan());
    let cancel = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&cancel)).wrap_err("installing the Ctrl-C handler")?;
    }
    let output = headless::execute(&plan, Arc::clone(&cancel))?;
    headless::write(&output, &args.output)?;
    Ok(if cancel.load(Ordering::Relaxed) || output.partial {
        ExitCode::from(EXIT_INTERRUPTED)
    } else if output.failures() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn explore(cli: &Cli) -> color_eyre::Result<ExitCode> {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        eprintln!(
            "error: the explorer needs a terminal on stdin and stdout; for scripts and pipes use `ipcscope run` (see `ipcscope run --help`)"
        );
        return Ok(ExitCode::from(2));
    }
    let _plan = checked_plan(cli.settings.plan());
    eprintln!("error: the explorer is not built yet; use `ipcscope run`");
    Ok(ExitCode::from(2))
}
