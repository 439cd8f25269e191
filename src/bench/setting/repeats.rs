//! `-n, --repeats`: counted children per method.

use super::{parse_count, Setting, Typing};
use crate::bench::plan::Plan;

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
        "Children per method that are counted (N ≥ 1) [default: 100]"
    }
    fn about(&self) -> &'static str {
        "Children per method that are counted."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.repeats = parse_count(text, "repeats", 1, Plan::MAX_REPEATS)?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan.repeats.to_string()
    }
    fn typing(&self) -> Option<Typing> {
        Some(Typing::Count)
    }
    fn step(&self, plan: &mut Plan, up: bool) -> Result<(), String> {
        plan.repeats = super::next_step(&STEPS, plan.repeats, up)
            .ok_or("no further step that way; type a number of repeats")?;
        Ok(())
    }
    fn brief(&self, plan: &Plan) -> Option<String> {
        Some(format!("n={} w={}", plan.repeats, plan.warmup))
    }
}
