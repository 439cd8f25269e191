//! `--max-time`: how long `--repeats auto` may run before it stops short of its precision.

use super::timeout::parse_duration;
use super::Setting;
use crate::bench::plan::Plan;

pub struct MaxTime;

impl Setting for MaxTime {
    fn id(&self) -> &'static str {
        "max-time"
    }
    fn value_name(&self) -> &'static str {
        "DURATION"
    }
    fn help(&self) -> &'static str {
        "With --repeats auto: stop after this long even where the precision is not reached (every method still gets 10 children), e.g. 30s or 2m [default: 30s]"
    }
    fn about(&self) -> &'static str {
        "With repeats auto: stop after this long, precise or not."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.precision.max_time = parse_duration(text)?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        humantime::format_duration(plan.precision.max_time).to_string()
    }
    fn in_explorer(&self) -> bool {
        false
    }
}
