//! The one key map: `update` looks keys up here, and both the key bar and the `?` overlay
//! are drawn from it, so what the screen says is what the keys do.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for; `model::input` gives each its meaning in the current state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Run,
    Cancel,
    Quit,
    Help,
    NextPanel,
    PreviousPanel,
    Up,
    Down,
    Decrease,
    Increase,
    Toggle,
    Type,
    Teach,
    Export,
    Sweep,
    Present,
    ResultsView,
    Baseline,
    PageUp,
    PageDown,
    First,
    Last,
    Predict,
}

/// One key, as crossterm reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

const fn key(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::NONE,
    }
}

const fn ch(c: char) -> Key {
    key(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
    }
}

pub struct Binding {
    pub action: Action,
    pub keys: &'static [Key],
    /// How the keys are written on screen.
    pub label: &'static str,
    /// One or two words for the key bar.
    pub short: &'static str,
    /// A sentence for the help overlay.
    pub help: &'static str,
    /// Shown on the key bar (the others only in the overlay).
    pub on_bar: bool,
    /// On teach mode's key bar, as (keys, what they do there), in this order.
    pub teach_bar: Option<(&'static str, &'static str)>,
}

/// Every key the explorer takes, in the order the help overlay lists them; the key bar
/// shows the `on_bar` ones in this order, as many as fit.
pub static BINDINGS: &[Binding] = &[
    Binding {
        action: Action::Help,
        keys: &[ch('?')],
        label: "?",
        short: "help",
        help: "open or close this help",
        on_bar: true,
        teach_bar: Some(("?", "help")),
    },
    Binding {
        action: Action::Run,
        keys: &[ch('r')],
        label: "r",
        short: "run",
        help: "run the current settings (cancels a run in progress first)",
        on_bar: true,
        teach_bar: Some(("r", "run")),
    },
    Binding {
        action: Action::Cancel,
        keys: &[key(KeyCode::Esc)],
        label: "Esc",
        short: "cancel",
        help: "cancel the run; close an overlay; drop a value being typed",
        on_bar: true,
        teach_bar: None,
    },
    Binding {
        action: Action::Quit,
        keys: &[ch('q'), ctrl('c')],
        label: "q Ctrl-C",
        short: "quit",
        help: "quit, cancelling the run and reaping its children first",
        on_bar: true,
        teach_bar: Some(("q", "quit")),
    },
    Binding {
        action: Action::Sweep,
        keys: &[ch('s')],
        label: "s",
        short: "sweep",
        help: "sweep view: r runs the methods over sizes; the lines and crossings",
        on_bar: true,
        teach_bar: None,
    },
    Binding {
        action: Action::Present,
        keys: &[ch('p')],
        label: "p",
        short: "teach",
        help: "teach mode for a class: large figures beside the teaching text",
        on_bar: true,
        teach_bar: Some(("p", "leave")),
    },
    Binding {
        action: Action::Predict,
        keys: &[ch('g')],
        label: "g",
        short: "guess",
        help: "teach mode: the class predicts the order (and a ratio), r reveals",
        on_bar: false,
        teach_bar: Some(("g", "predict")),
    },
    Binding {
        action: Action::NextPanel,
        keys: &[key(KeyCode::Tab)],
        label: "Tab",
        short: "panel",
        help: "next panel (settings, live, results)",
        on_bar: true,
        teach_bar: None,
    },
    Binding {
        action: Action::PreviousPanel,
        keys: &[key(KeyCode::BackTab)],
        label: "Shift-Tab",
        short: "back",
        help: "previous panel",
        on_bar: false,
        teach_bar: None,
    },
    Binding {
        action: Action::Up,
        keys: &[key(KeyCode::Up), ch('k')],
        label: "↑ k",
        short: "up",
        help: "previous row (settings), method (live, results, teach), or scroll",
        on_bar: false,
        teach_bar: Some(("↑↓", "method")),
    },
    Binding {
        action: Action::Down,
        keys: &[key(KeyCode::Down), ch('j')],
        label: "↓ j",
        short: "down",
        help: "next row (settings), method (live, results, teach), or scroll",
        on_bar: false,
        teach_bar: None,
    },
    Binding {
        action: Action::PageUp,
        keys: &[key(KeyCode::PageUp), ch('K')],
        label: "PgUp K",
        short: "page up",
        help: "a page up in a list or a text; teach mode: its teaching text",
        on_bar: false,
        teach_bar: None,
    },
    Binding {
        action: Action::PageDown,
        keys: &[key(KeyCode::PageDown), ch('J')],
        label: "PgDn J",
        short: "page down",
        help: "a page down in a list or a text; teach mode: its teaching text",
        on_bar: false,
        teach_bar: Some(("J K", "scroll")),
    },
    Binding {
        action: Action::First,
        keys: &[key(KeyCode::Home)],
        label: "Home",
        short: "top",
        help: "the first row, method or line",
        on_bar: false,
        teach_bar: None,
    },
    Binding {
        action: Action::Last,
        keys: &[key(KeyCode::End)],
        label: "End",
        short: "end",
        help: "the last row, method or line",
        on_bar: false,
        teach_bar: None,
    },
    Binding {
        action: Action::Toggle,
        keys: &[ch(' ')],
        label: "Space",
        short: "toggle",
        help: "choose or drop the method under the cursor",
        on_bar: true,
        teach_bar: None,
    },
    Binding {
        action: Action::Decrease,
        keys: &[ch('-'), key(KeyCode::Left), ch('h')],
        label: "- ← h",
        short: "less",
        help: "smaller value, or the previous payload, codec or access",
        on_bar: false,
        teach_bar: None,
    },
    Binding {
        action: Action::Increase,
        keys: &[ch('+'), ch('='), key(KeyCode::Right), ch('l')],
        label: "+ → l",
        short: "more",
        help: "larger value, or the next payload, codec or access",
        on_bar: false,
        teach_bar: None,
    },
    Binding {
        action: Action::Type,
        keys: &[key(KeyCode::Enter)],
        label: "0-9 Enter",
        short: "type",
        help: "type a size, range, repeats or warm-up; Enter applies, Esc drops",
        on_bar: false,
        teach_bar: None,
    },
    Binding {
        action: Action::Teach,
        keys: &[ch('t')],
        label: "t",
        short: "explain",
        help: "the method's teaching text: what happens, copies, limits",
        on_bar: true,
        teach_bar: None,
    },
    Binding {
        action: Action::ResultsView,
        keys: &[ch('v')],
        label: "v",
        short: "view",
        help: "results show time, throughput (with the floors) or kernel counts",
        on_bar: true,
        teach_bar: None,
    },
    Binding {
        action: Action::Baseline,
        keys: &[ch('o')],
        label: "o",
        short: "baseline",
        help: "open a saved JSON result as the baseline (empty path drops it)",
        on_bar: true,
        teach_bar: None,
    },
    Binding {
        action: Action::Export,
        keys: &[ch('x')],
        label: "x",
        short: "export",
        help: "write JSON, CSV and Markdown here; teach mode: the lesson handout",
        on_bar: true,
        teach_bar: Some(("x", "handout")),
    },
];

/// The action bound to a key press, if any. Shift is ignored for characters, since
/// terminals report `?` and `+` with or without it.
pub fn action_for(event: &KeyEvent) -> Option<Action> {
    let modifiers = match event.code {
        KeyCode::Char(_) => event.modifiers - KeyModifiers::SHIFT,
        _ => event.modifiers,
    };
    BINDINGS
        .iter()
        .find(|binding| {
            binding
                .keys
                .iter()
                .any(|key| key.code == event.code && key.modifiers == modifiers)
        })
        .map(|binding| binding.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_exactly_one_binding_and_no_key_is_bound_twice() {
        let actions = [
            Action::Run,
            Action::Cancel,
            Action::Quit,
            Action::Help,
            Action::NextPanel,
            Action::PreviousPanel,
            Action::Up,
            Action::Down,
            Action::Decrease,
            Action::Increase,
            Action::Toggle,
            Action::Type,
            Action::Teach,
            Action::Export,
            Action::Sweep,
            Action::Present,
            Action::ResultsView,
            Action::Baseline,
            Action::PageUp,
            Action::PageDown,
            Action::First,
            Action::Last,
            Action::Predict,
        ];
        for action in actions {
            let count = BINDINGS.iter().filter(|b| b.action == action).count();
            assert_eq!(count, 1, "{action:?}");
        }
        let keys: Vec<Key> = BINDINGS.iter().flat_map(|b| b.keys.iter().copied()).collect();
        for (i, key) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(key), "{key:?} bound twice");
        }
        // The help overlay is 80 columns at the smallest: label, then the sentence.
        for binding in BINDINGS {
            assert!(binding.help.chars().count() <= 66, "{}", binding.help);
        }
    }

    #[test]
    fn the_contract_keys_are_bound() {
        let press = |code, modifiers| action_for(&KeyEvent::new(code, modifiers));
        assert_eq!(press(KeyCode::Char('r'), KeyModifiers::NONE), Some(Action::Run));
        assert_eq!(press(KeyCode::Esc, KeyModifiers::NONE), Some(Action::Cancel));
        assert_eq!(press(KeyCode::Char('q'), KeyModifiers::NONE), Some(Action::Quit));
        assert_eq!(
            press(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Action::Quit)
        );
        assert_eq!(press(KeyCode::Char('?'), KeyModifiers::SHIFT), Some(Action::Help));
        assert_eq!(press(KeyCode::Char('c'), KeyModifiers::NONE), None);
    }
}
