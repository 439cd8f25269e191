//! `--timeout`: how long a child may take before it is killed and counted as failed.

use std::time::Duration;

use super::Setting;
use crate::bench::plan::Plan;

pub struct Timeout;

/// The shortest and longest per-child timeouts accepted.
const RANGE: (Duration, Duration) = (Duration::from_millis(1), Duration::from_secs(24 * 3600));

/// What `show` says when the limit is derived from the size.
const AUTO: &str = "auto";

impl Setting for Timeout {
    fn id(&self) -> &'static str {
        "timeout"
    }
    fn value_name(&self) -> &'static str {
        "DURATION"
    }
    fn help(&self) -> &'static str {
        "Kill and count as failed a child that takes longer than this, e.g. 500ms, 2s, 1m 30s, or auto [default: auto: 2s plus 1s per 64 MB]"
    }
    fn about(&self) -> &'static str {
        "A child slower than this is killed and counted as failed; auto: 2s + 1s per 64 MB."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.timeout = if text.trim().eq_ignore_ascii_case(AUTO) {
            None
        } else {
            Some(parse_duration(text)?)
        };
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan.timeout.map_or_else(
            || AUTO.into(),
            |limit| humantime::format_duration(limit).to_string(),
        )
    }
    fn choices(&self) -> &'static [&'static str] {
        &["auto", "10ms", "100ms", "1s", "10s", "1m"]
    }
    fn in_explorer(&self) -> bool {
        false
    }
}

/// `500ms`, `2s`, `1m 30s` (humantime's units; a bare number is seconds): from 1 ms to 24 hours.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let parsed = match trimmed.parse::<f64>() {
        Ok(seconds) => Duration::try_from_secs_f64(seconds).map_err(|_| ()),
        Err(_) => humantime::parse_duration(trimmed).map_err(|_| ()),
    };
    let (shortest, longest) = RANGE;
    match parsed {
        Ok(duration) if (shortest..=longest).contains(&duration) => Ok(duration),
        Ok(_) => Err(format!("duration '{text}' must be from 1ms to 24h")),
        Err(()) => Err(format!(
            "duration '{text}' is not a duration; write e.g. 500ms, 2s, 1m or 1m 30s (units: ms, s, m, h)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_and_refuse_what_is_outside_the_range() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("0s").unwrap_err().contains("from 1ms"));
        assert!(parse_duration("99999999999999999999999s").is_err());
        assert!(parse_duration("0.0000001s").is_err());
        assert!(parse_duration("25h").unwrap_err().contains("to 24h"));
        assert!(parse_duration("3 parsecs")
            .unwrap_err()
            .contains("units: ms, s, m, h"));
    }
}
