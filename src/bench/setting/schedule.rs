//! `--schedule`: the order the methods' children run in.

use super::Setting;
use crate::bench::plan::Plan;
use crate::bench::schedule;

pub struct Schedule;

impl Setting for Schedule {
    fn id(&self) -> &'static str {
        "schedule"
    }
    fn value_name(&self) -> &'static str {
        "interleaved|blocks"
    }
    fn help(&self) -> &'static str {
        "interleaved: rounds of one child per method and one of the fork floor, the order rotated each round, so a drift of the machine reaches every method alike; blocks: each method's children together, the floor first [default: interleaved]"
    }
    fn about(&self) -> &'static str {
        "interleaved: one child per method a round, order rotated; blocks: method by method."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.schedule = schedule::Schedule::parse(text)?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan.schedule.name().into()
    }
    fn choices(&self) -> &'static [&'static str] {
        &["interleaved", "blocks"]
    }
    fn identifies(&self) -> bool {
        true
    }
    fn in_explorer(&self) -> bool {
        false
    }
}
