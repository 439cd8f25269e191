//! `-n, --repeats`: counted children per method.

use super::{parse_count, Setting, Typing};
use crate::bench::plan::{Plan, Precision};

/// What `--repeats` takes (and shows) for a count chosen by precision.
const AUTO: &str = "auto";

pub struct Repeats;

/// Where `+` and `-` go; any other count can be typed.
const STEPS: [u32; 13] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

impl Setting for Repeats {
    fn id(&self) -> &'static str {
        "repeats"
    }
    fn short(&self) -> Option<char> {
        Some('n')
    }
    fn value_name(&self) -> &'static str {
        "N"
    }
    fn help(&self) -> &'static str {
        "Children per method that are counted (N ≥ 1), or auto: as many as --precision needs, within --max-time [default: 100]"
    }
    fn about(&self) -> &'static str {
        "Children per method that are counted."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        if text.trim().eq_ignore_ascii_case(AUTO) {
            plan.auto_repeats = true;
            plan.repeats = Precision::MAX_CHILDREN;
            return Ok(());
        }
        plan.repeats = parse_count(text, "repeats", 1, Plan::MAX_REPEATS)?;
        plan.auto_repeats = false;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        if plan.auto_repeats {
            AUTO.into()
        } else {
            plan.repeats.to_string()
        }
    }
    fn typing(&self) -> Option<Typing> {
        Some(Typing::Count)
    }
    fn step(&self, plan: &mut Plan, up: bool) -> Result<(), String> {
        plan.repeats = super::next_step(&STEPS, plan.repeats, up)
            .ok_or("no further step that way; type a number of repeats")?;
        plan.auto_repeats = false;
        Ok(())
    }
    fn brief(&self, plan: &Plan) -> Option<String> {
        Some(format!("n={} w={}", self.show(plan), plan.warmup))
    }
}
