//! The explorer: pick methods, size and repeats, watch the children run live.
//!
//! One loop takes every input from one channel (keys, resizes, the runner's events, and
//! ticks it makes itself while a run's clocks move), folds it into the `App`, performs the
//! `Effect`s the app asks for, and draws at most once a frame, only when something changed.

pub mod event;
pub mod keymap;
pub mod markdown;
pub mod median;
pub mod model;
pub mod panel;
pub mod theme;
pub mod ui;
#[cfg(test)]
mod view_tests;
pub mod widget;

use std::io::{self, Stdout};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use color_eyre::eyre::WrapErr;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::terminal::{
    self, BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::crossterm::{execute, queue};
use ratatui::Terminal;

use crate::bench::env::Environment;
use crate::bench::plan::Plan;
use crate::bench::runner::{self, RunHandle};
use crate::report::{self, Format};
use event::Message;
use model::app::{App, Effect};
use theme::Theme;

/// At most this many frames a second, so drawing takes little from what is measured.
const FRAME: Duration = Duration::from_millis(1000 / 15);

/// How the explorer draws and what it listens to: the explorer's own options, not settings
/// of an experiment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Face {
    /// Draw with ASCII only (`--ascii`, or a terminal that cannot be trusted with Unicode).
    pub ascii: bool,
    /// Capture the mouse: clicks and the wheel (`--no-mouse` turns it off).
    pub mouse: bool,
}

/// Puts the terminal back as it was: cooked mode, main screen, cursor shown, the mouse the
/// terminal's again (turning capture off where it was never on is harmless).
pub fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        EndSynchronizedUpdate,
        LeaveAlternateScreen,
        Show
    );
}

/// Restores the terminal before any other panic report is printed. Install it after
/// color-eyre's hook (so color-eyre's report lands on the restored screen) and before the
/// child guard (which must stay outermost).
pub fn install_restore_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

/// The terminal in raw mode on the alternate screen; dropping it restores the terminal,
/// whichever way the explorer leaves.
struct Screen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Screen {
    fn enter(face: Face) -> color_eyre::Result<Screen> {
        terminal::enable_raw_mode().wrap_err("switching the terminal to raw mode")?;
        let entered = execute!(io::stdout(), EnterAlternateScreen, Hide)
            .and_then(|()| {
                if face.mouse {
                    execute!(io::stdout(), EnableMouseCapture)
                } else {
                    Ok(())
                }
            })
            .and_then(|()| Terminal::new(CrosstermBackend::new(io::stdout())));
        match entered {
            Ok(terminal) => Ok(Screen { terminal }),
            Err(error) => {
                restore_terminal();
                Err(error).wrap_err("opening the explorer's screen")
            }
        }
    }

    /// Whether the terminal is below the size the panels need; the screen then only says how
    /// to enlarge it.
    fn too_small(&self) -> bool {
        self.terminal
            .size()
            .is_ok_and(|size| size.width < ui::MIN_WIDTH || size.height < ui::MIN_HEIGHT)
    }

    /// One frame, inside a synchronized update so the terminal shows it whole.
    fn draw(&mut self, app: &App, theme: Theme) -> io::Result<()> {
        queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        self.terminal.draw(|frame| ui::draw(frame, app, theme))?;
        execute!(self.terminal.backend_mut(), EndSynchronizedUpdate)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Runs the explorer until the user quits, starting from `settings`, compared with the saved
/// result at `baseline` if one is given, drawn and listening as `face` says.
pub fn explore(settings: Plan, baseline: Option<&Path>, face: Face) -> color_eyre::Result<()> {
    let (sender, messages) = mpsc::channel::<Message>();
    watch_signals(sender.clone())?;
    let mut screen = Screen::enter(face)?;
    event::spawn_input(sender.clone()).wrap_err("starting the input thread")?;
    let theme = Theme::from_env().with_ascii(face.ascii);
    let mut app = App::new(settings, Environment::read(), Instant::now());
    if let Some(path) = baseline {
        // A bad file is said on the status line; the explorer opens all the same.
        app.baseline_loaded(report::compare::load(path));
    }
    let mut runner: Option<RunHandle> = None;
    let mut next_frame = Instant::now();

    while !app.quitting {
        let now = Instant::now();
        let message = if app.dirty || app.wants_ticks() {
            match messages.recv_timeout(next_frame.saturating_duration_since(now)) {
                Ok(message) => Some(message),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            // Nothing moves on screen: sleep until something happens.
            match messages.recv() {
                Ok(message) => Some(message),
                Err(_) => break,
            }
        };
        let now = Instant::now();
        app.update(Message::Tick(now));
        // Below the minimum size nothing but how to enlarge the terminal is on screen: keys
        // other than those that quit would act unseen.
        let message =
            message.filter(|message| !(message.is_input() && screen.too_small()) || message.quits());
        if let Some(effect) = message.and_then(|message| app.update(message)) {
            perform(effect, &mut app, &mut runner, &sender);
        }
        if now >= next_frame {
            if app.dirty && !app.quitting {
                screen.draw(&app, theme).wrap_err("drawing the explorer")?;
                app.dirty = false;
            }
            next_frame = now + FRAME;
        }
    }
    // Cancel the run and reap its children before the terminal is given back.
    drop(runner);
    drop(screen);
    Ok(())
}

fn perform(effect: Effect, app: &mut App, runner: &mut Option<RunHandle>, sender: &Sender<Message>) {
    match effect {
        Effect::StartRun { plan, run } => {
            // The run before is cancelled and reaped first; its late events carry its id
            // and the app ignores them.
            drop(runner.take());
            match runner::spawn(plan, run, sender.clone(), Arc::new(AtomicBool::new(false))) {
                Ok(handle) => *runner = Some(handle),
                Err(error) => app.start_failed(format!("starting the runner thread: {error}")),
            }
        }
        Effect::StartSweep { sweep, run } => {
            drop(runner.take());
            match crate::bench::sweep::spawn(sweep, run, sender.clone(), Arc::new(AtomicBool::new(false))) {
                Ok(handle) => *runner = Some(handle),
                Err(error) => app.start_failed(format!("starting the runner thread: {error}")),
            }
        }
        Effect::LoadBaseline(path) => app.baseline_loaded(report::compare::load(&path)),
        Effect::CancelRun => {
            if let Some(handle) = runner {
                handle.cancel();
            }
        }
        Effect::Export => {
            let outcome = export(app);
            app.exported(outcome);
        }
        Effect::Handout => {
            let outcome = write_handout(app);
            app.exported(outcome);
        }
        Effect::Quit => {}
    }
}

/// Writes the latest results as JSON, CSV and Markdown in the current directory.
fn export(app: &App) -> Result<String, String> {
    let (run, output) = app.export_output().ok_or("nothing to export")?;
    let directory =
        std::env::current_dir().map_err(|error| format!("finding the current directory: {error}"))?;
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let stem = format!("ipcscope-run{run}-{stamp}");
    for (format, extension) in [
        (Format::Json, "json"),
        (Format::Csv, "csv"),
        (Format::Markdown, "md"),
    ] {
        let path = directory.join(format!("{stem}.{extension}"));
        let text = report::render(format, &output).map_err(|error| error.to_string())?;
        std::fs::write(&path, text).map_err(|error| format!("writing {}: {error}", path.display()))?;
    }
    Ok(format!("{}/{stem}.json, .csv and .md", directory.display()))
}

/// Writes teach mode's lesson as a Markdown handout in the current directory.
fn write_handout(app: &App) -> Result<String, String> {
    let (run, output) = app.export_output().ok_or("nothing to export")?;
    let directory =
        std::env::current_dir().map_err(|error| format!("finding the current directory: {error}"))?;
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let path = directory.join(format!("ipcscope-handout-run{run}-{stamp}.md"));
    std::fs::write(&path, report::handout::handout(&output))
        .map_err(|error| format!("writing {}: {error}", path.display()))?;
    Ok(format!("the handout, {}", path.display()))
}

/// SIGTERM, SIGHUP (the SSH session went) and SIGINT end the explorer as `q` does.
fn watch_signals(sender: Sender<Message>) -> color_eyre::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT])
        .wrap_err("installing the signal handlers")?;
    std::thread::Builder::new()
        .name("ipcscope-signals".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                let _ = sender.send(Message::Stop);
            }
        })
        .wrap_err("starting the signal thread")?;
    Ok(())
}
