//! How a run orders its children (`--schedule`), and when it stops (`--repeats auto`).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The order in which a run's methods get their children.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// Rounds of one child per method (the fork floor among them), the order rotated each
    /// round: a drift of the machine during the run reaches every method alike.
    #[default]
    Interleaved,
    /// Every child of one method, then every child of the next; the fork floor before all.
    Blocks,
}

impl Schedule {
    pub const ALL: [Schedule; 2] = [Schedule::Interleaved, Schedule::Blocks];

    pub fn name(self) -> &'static str {
        match self {
            Schedule::Interleaved => "interleaved",
            Schedule::Blocks => "blocks",
        }
    }

    pub fn parse(text: &str) -> Result<Schedule, String> {
        Schedule::ALL
            .into_iter()
            .find(|schedule| schedule.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| format!("unknown schedule '{text}'; allowed: interleaved, blocks"))
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `--repeats auto`: run rounds until every method's median is known to `target` (the
/// relative half-width of its 95% interval), or until `max_time` has passed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Precision {
    pub target: f64,
    pub max_time: Duration,
}

impl Precision {
    /// Counted children every method gets before its precision is judged.
    pub const MIN_CHILDREN: u32 = 10;
    /// The most counted children per method `--repeats auto` runs, however far the precision.
    pub const MAX_CHILDREN: u32 = 100_000;
    pub const DEFAULT_TARGET: f64 = 0.02;
    pub const DEFAULT_MAX_TIME: Duration = Duration::from_secs(30);
}

impl Default for Precision {
    fn default() -> Precision {
        Precision {
            target: Precision::DEFAULT_TARGET,
            max_time: Precision::DEFAULT_MAX_TIME,
        }
    }
}

/// A precision as a person writes it: `2%`, `0.5%`.
pub fn show_precision(share: f64) -> String {
    format!("{}%", (share * 100.0 * 1000.0).round() / 1000.0)
}

/// `2%`, `0.5%` or `0.02`: a precision from 0.01% to 50%, as a share.
pub fn parse_precision(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let (number, scale) = match trimmed.strip_suffix('%') {
        Some(percent) => (percent.trim(), 100.0),
        None => (trimmed, 1.0),
    };
    let share = number
        .parse::<f64>()
        .ok()
        .map(|value| value / scale)
        .filter(|share| (0.0001..=0.5).contains(share))
        .ok_or_else(|| format!("precision must be from 0.01% to 50%, e.g. 2% or 0.5%; got '{text}'"))?;
    Ok(share)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_round_trip_through_their_names() {
        for schedule in Schedule::ALL {
            assert_eq!(Schedule::parse(schedule.name()), Ok(schedule));
        }
        assert!(Schedule::parse("random")
            .unwrap_err()
            .contains("interleaved, blocks"));
        assert_eq!(serde_json::to_string(&Schedule::Blocks).unwrap(), "\"blocks\"");
    }

    #[test]
    fn precisions_parse_as_percentages_or_shares() {
        assert_eq!(parse_precision("2%"), Ok(0.02));
        assert_eq!(parse_precision(" 0.5 % "), Ok(0.005));
        assert_eq!(parse_precision("0.1"), Ok(0.1));
        for bad in ["0%", "-1%", "60%", "two", "%", "1e9"] {
            assert!(
                parse_precision(bad).unwrap_err().contains("0.01% to 50%"),
                "{bad}"
            );
        }
    }
}
