//! One description per setting: its flag, how it parses and shows, where `+`/`-` move it,
//! whether a sweep has it, and whether it names the experiment. The command line's options,
//! the explorer's settings rows, the run's one-line description, the report columns and
//! `compare`'s matching key all read these descriptions, so a new setting is one file here,
//! one line in [`ALL`], its field in the plan and what it changes in the core.

use super::plan::Plan;

mod access;
mod codec;
mod message;
mod methods;
mod mode;
mod parallel;
mod payload;
mod repeats;
mod size;
mod timeout;
mod typing;
mod wake;
mod warmup;

pub use size::step_size;
pub use typing::Typing;

/// One setting of a plan.
pub trait Setting: Sync {
    /// The long flag (`--access`), the explorer's row label and the report column.
    fn id(&self) -> &'static str;
    fn short(&self) -> Option<char> {
        None
    }
    /// The placeholder in `--help`: `SIZE`, `N`, `read|write`.
    fn value_name(&self) -> &'static str;
    /// The explorer's row label.
    fn label(&self) -> &'static str {
        self.id()
    }
    /// The `--help` line, ending with the default.
    fn help(&self) -> &'static str;
    /// The explorer's line under the rows: what the setting means and how to change it.
    fn about(&self) -> &'static str;
    /// Sets the value `text` names, or says what is wrong and what is allowed.
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String>;
    /// The value as a person reads it (and as `parse` takes it back).
    fn show(&self, plan: &Plan) -> String;
    /// The values a choice cycles through, in order; empty where the value is typed.
    fn choices(&self) -> &'static [&'static str] {
        &[]
    }
    /// How a typed value is checked while typed; `None` for a choice.
    fn typing(&self) -> Option<Typing> {
        None
    }
    /// Moves the value one step up or down (`+`/`-`), or says why it cannot.
    fn step(&self, plan: &mut Plan, up: bool) -> Result<(), String> {
        cycle(self, plan, up)
    }
    /// Whether a sweep takes this setting (a sweep's sizes come from its range instead).
    fn in_sweep(&self) -> bool {
        true
    }
    /// Whether the explorer shows it among the value rows (the methods have rows of their own).
    fn in_explorer(&self) -> bool {
        true
    }
    /// Whether the option may be given more than once (its values then add up).
    fn repeatable(&self) -> bool {
        false
    }
    /// Whether results measured under different values are different experiments: such a
    /// setting is a column of every report and part of `compare`'s matching key.
    fn identifies(&self) -> bool {
        false
    }
    /// Its part of the run's one-line description, where it has one.
    fn brief(&self, plan: &Plan) -> Option<String> {
        Some(self.show(plan))
    }
}

impl std::fmt::Debug for dyn Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// Every setting, in the order of `--help` and of the explorer's rows.
pub static ALL: &[&dyn Setting] = &[
    &methods::Methods,
    &size::Size,
    &repeats::Repeats,
    &warmup::Warmup,
    &payload::Payload,
    &codec::Codec,
    &access::Access,
    &timeout::Timeout,
    &mode::Mode,
    &parallel::Parallel,
    &message::Message,
    &wake::Wake,
];

pub fn find(id: &str) -> Option<&'static dyn Setting> {
    ALL.iter().copied().find(|setting| setting.id() == id)
}

/// The next choice up or down from the current one, wrapping around.
fn cycle<S: Setting + ?Sized>(setting: &S, plan: &mut Plan, up: bool) -> Result<(), String> {
    let choices = setting.choices();
    if choices.is_empty() {
        return Err(format!("type a value for {}", setting.id()));
    }
    let current = setting.show(plan);
    let at = choices.iter().position(|&choice| choice == current).unwrap_or(0);
    let next = if up { at + 1 } else { at + choices.len() - 1 } % choices.len();
    setting.parse(choices[next], plan)
}

/// The plan `base` with every value given (setting, text) applied in order: the command
/// line's options over a preset or the defaults.
pub fn apply(base: Plan, given: &[(&'static dyn Setting, String)]) -> Result<Plan, String> {
    given.iter().try_fold(base, |mut plan, (setting, text)| {
        setting
            .parse(text, &mut plan)
            .map_err(|problem| format!("--{}: {problem}", setting.id()))?;
        Ok(plan)
    })
}

/// The run's one-line description, in the order of the rows: `8 MB ints · n=100 w=3 · bincode · read`.
pub fn describe(plan: &Plan) -> String {
    ALL.iter()
        .filter(|setting| setting.in_explorer())
        .filter_map(|setting| setting.brief(plan))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The values of the settings that name an experiment, by setting id: a result's
/// conditions beyond method, payload, codec and size (report columns, `compare`'s key).
pub type Conditions = std::collections::BTreeMap<String, String>;

/// The settings that name an experiment, in the order of [`ALL`].
pub fn identifying() -> impl Iterator<Item = &'static dyn Setting> {
    ALL.iter().copied().filter(|setting| setting.identifies())
}

/// What `plan` runs under, as its identifying settings show it.
pub fn conditions(plan: &Plan) -> Conditions {
    identifying()
        .map(|setting| (setting.id().to_string(), setting.show(plan)))
        .collect()
}

/// The value of the identifying setting `id` in `conditions`, or its default where a result
/// saved before the setting existed does not say (it was measured under the default then).
pub fn condition<'a>(conditions: &'a Conditions, setting: &dyn Setting) -> std::borrow::Cow<'a, str> {
    conditions.get(setting.id()).map_or_else(
        || std::borrow::Cow::Owned(setting.show(&Plan::default())),
        |value| std::borrow::Cow::Borrowed(value.as_str()),
    )
}

/// Parses a whole number from `least` to `most` for `what`, saying the range when it is not.
pub(crate) fn parse_count(text: &str, what: &str, least: u32, most: u32) -> Result<u32, String> {
    let value: i64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{what} must be a whole number from {least} to {most}, got '{text}'"))?;
    if value < i64::from(least) {
        return Err(format!("{what} must be at least {least}, got {value}"));
    }
    u32::try_from(value)
        .ok()
        .filter(|&value| value <= most)
        .ok_or_else(|| format!("{what} must be at most {most}, got {value}"))
}

/// The next of `steps` (ascending) above `at`, or below it: where `+` and `-` go.
pub fn next_step<T: PartialOrd + Copy>(steps: &[T], at: T, up: bool) -> Option<T> {
    if up {
        steps.iter().copied().find(|&step| step > at)
    } else {
        steps.iter().rev().copied().find(|&step| step < at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_shows_what_it_parses() {
        let plan = Plan::default();
        for setting in ALL {
            let mut parsed = Plan::default();
            let shown = setting.show(&plan);
            setting.parse(&shown, &mut parsed).unwrap_or_else(|problem| {
                panic!("{}: '{shown}' does not parse back: {problem}", setting.id())
            });
            assert_eq!(parsed, plan, "{}", setting.id());
        }
    }

    #[test]
    fn ids_are_unique_and_flags_are_lower_case() {
        for (at, setting) in ALL.iter().enumerate() {
            assert!(
                ALL[..at].iter().all(|other| other.id() != setting.id()),
                "{}",
                setting.id()
            );
            assert!(setting.id().chars().all(|c| c.is_ascii_lowercase() || c == '-'));
        }
    }

    #[test]
    fn choices_cycle_both_ways_and_wrap() {
        let access = find("access").unwrap();
        let mut plan = Plan::default();
        access.step(&mut plan, true).unwrap();
        assert_eq!(access.show(&plan), "write");
        access.step(&mut plan, true).unwrap();
        assert_eq!(access.show(&plan), "read");
        access.step(&mut plan, false).unwrap();
        assert_eq!(access.show(&plan), "write");
    }

    #[test]
    fn given_values_apply_in_order_and_name_the_flag_when_wrong() {
        let size = find("size").unwrap();
        let repeats = find("repeats").unwrap();
        let plan = apply(Plan::default(), &[(size, "1KiB".into()), (repeats, "7".into())]).unwrap();
        assert_eq!((plan.size, plan.repeats), (1024, 7));
        let wrong = apply(Plan::default(), &[(repeats, "0".into())]).unwrap_err();
        assert_eq!(wrong, "--repeats: repeats must be at least 1, got 0");
    }

    #[test]
    fn the_description_names_every_explorer_setting() {
        assert_eq!(
            describe(&Plan::default()),
            "8 MB ints · n=100 w=3 · bincode · read"
        );
    }
}
