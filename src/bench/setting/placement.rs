//! `--placement`: which CPUs the parent and its children run on.

use super::Setting;
use crate::bench::placement;
use crate::bench::plan::Plan;

pub struct Placement;

impl Setting for Placement {
    fn id(&self) -> &'static str {
        "placement"
    }
    fn value_name(&self) -> &'static str {
        "any|same|apart|P,C"
    }
    fn help(&self) -> &'static str {
        "Where the parent and its children run: any (the scheduler's choice), same (both pinned to one CPU), apart (to two CPUs, on different cores where possible) or P,C (the parent's and the child's CPU numbers, e.g. 0,1) [default: same]"
    }
    fn about(&self) -> &'static str {
        "any: the scheduler's choice; same: one CPU; apart: two (other cores first); P,C."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.placement = placement::Placement::parse(text).map_err(|error| error.to_string())?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan.placement.to_string()
    }
    fn choices(&self) -> &'static [&'static str] {
        &["any", "same", "apart"]
    }
    fn identifies(&self) -> bool {
        true
    }
    fn in_explorer(&self) -> bool {
        false
    }
}
