//! The loop's one input: keys and resizes from the terminal, ticks from the loop itself, and
//! the runner's events, all through one channel.

use std::sync::mpsc::Sender;
use std::time::Instant;

use ratatui::crossterm::event::{self as term, KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};

use crate::bench::event::Event;
use crate::bench::sweep::SweepEvent;

#[derive(Clone, Debug)]
pub enum Message {
    Key(KeyEvent),
    /// A click or the wheel (with mouse capture on).
    Mouse(MouseEvent),
    Resize,
    /// Time passes: the loop sends one when it has waited a frame with nothing to do, so the
    /// clocks on screen move while a long child runs. The app reads time only from here.
    Tick(Instant),
    Run(Event),
    Sweep(SweepEvent),
    /// The terminal can no longer be read, or a signal (SIGTERM, SIGHUP) asks the explorer
    /// to end: leave as on `q`.
    Stop,
}

impl Message {
    pub fn is_input(&self) -> bool {
        matches!(self, Message::Key(_) | Message::Mouse(_))
    }

    /// `q` or `Ctrl-C`: the keys that quit wherever the explorer is.
    pub fn quits(&self) -> bool {
        use ratatui::crossterm::event::{KeyCode, KeyModifiers};
        match self {
            Message::Key(key) => {
                key.code == KeyCode::Char('q')
                    || (key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL))
            }
            _ => false,
        }
    }
}

impl From<Event> for Message {
    fn from(event: Event) -> Message {
        Message::Run(event)
    }
}

impl From<SweepEvent> for Message {
    fn from(event: SweepEvent) -> Message {
        Message::Sweep(event)
    }
}

/// Reads the terminal on its own thread until the channel closes or the terminal goes.
/// The thread blocks in `read`, so it is left running when the loop ends; the process exit
/// takes it.
pub fn spawn_input(sender: Sender<Message>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("ipcscope-input".into())
        .spawn(move || loop {
            let message = match term::read() {
                // Key releases and repeats arrive only where the keyboard protocol asks for
                // them; presses are what count.
                Ok(term::Event::Key(key)) if key.kind == KeyEventKind::Press => Message::Key(key),
                Ok(term::Event::Resize(..)) => Message::Resize,
                // Presses and the wheel; moves, drags and releases mean nothing here.
                Ok(term::Event::Mouse(mouse))
                    if matches!(
                        mouse.kind,
                        MouseEventKind::Down(_) | MouseEventKind::ScrollUp | MouseEventKind::ScrollDown
                    ) =>
                {
                    Message::Mouse(mouse)
                }
                Ok(_) => continue,
                Err(_) => Message::Stop,
            };
            let closed = matches!(message, Message::Stop);
            if sender.send(message).is_err() || closed {
                return;
            }
        })
        .map(drop)
}
