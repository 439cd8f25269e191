//! The command-line options of every setting, made from the settings' descriptions
//! (`bench::setting`): clap gets one argument per description, and the values given come
//! back as text for the descriptions to apply over a preset or the defaults.

use std::marker::PhantomData;

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

use ipcscope::bench::plan::Plan;
use ipcscope::bench::setting::{self, Setting};

/// Which command the options are for: a sweep leaves out the settings it has no place for.
pub trait Face {
    const SWEEP: bool;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ForRun;

#[derive(Debug, Clone, Copy, Default)]
pub struct ForSweep;

impl Face for ForRun {
    const SWEEP: bool = false;
}

impl Face for ForSweep {
    const SWEEP: bool = true;
}

/// The settings given on the command line, each with its text as typed (a repeatable
/// option's values joined by commas), in the order of `setting::ALL`.
#[derive(Debug, Clone)]
pub struct SettingArgs<F> {
    pub given: Vec<(&'static dyn Setting, String)>,
    face: PhantomData<F>,
}

impl<F> Default for SettingArgs<F> {
    fn default() -> Self {
        SettingArgs {
            given: Vec::new(),
            face: PhantomData,
        }
    }
}

impl<F> SettingArgs<F> {
    /// `base` (a preset or the defaults) with every option given applied over it.
    pub fn plan(&self, base: Plan) -> Result<Plan, String> {
        setting::apply(base, &self.given)
    }
}

/// One setting's option: its flags, help and a value parser that checks the text the way
/// the setting will take it, so that a bad value is clap's usage error (exit 2). A setting
/// that `face` has no place for stays known, hidden, so that giving it is refused as a
/// conflict rather than as an unknown option.
fn argument<F: Face>(setting: &'static dyn Setting) -> Arg {
    let arg = Arg::new(setting.id())
        .hide(F::SWEEP && !setting.in_sweep())
        .long(setting.id())
        .value_name(setting.value_name())
        .help(setting.help())
        .allow_negative_numbers(true)
        .action(if setting.repeatable() {
            ArgAction::Append
        } else {
            ArgAction::Set
        })
        .value_parser(move |text: &str| {
            setting
                .parse(text, &mut Plan::default())
                .map(|()| text.to_string())
        });
    match setting.short() {
        Some(short) => arg.short(short),
        None => arg,
    }
}

impl<F: Face> FromArgMatches for SettingArgs<F> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut args = SettingArgs::default();
        args.update_from_arg_matches(matches)?;
        Ok(args)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for &setting in setting::ALL {
            if let Some(values) = matches.get_many::<String>(setting.id()) {
                let text = values.map(String::as_str).collect::<Vec<_>>().join(",");
                self.given.retain(|(known, _)| known.id() != setting.id());
                self.given.push((setting, text));
            }
        }
        Ok(())
    }
}

impl<F: Face> Args for SettingArgs<F> {
    fn augment_args(command: Command) -> Command {
        setting::ALL
            .iter()
            .fold(command, |command, &setting| command.arg(argument::<F>(setting)))
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}
