//! `--parallel`: how many children work at once, each with its own payload (see `mode::pool`).

use super::{parse_count, Setting, Typing};
use crate::bench::mode::support;
use crate::bench::plan::Plan;

pub struct Parallel;

/// Where `+` and `-` go; any other count up to the machine's bound can be typed.
const STEPS: [u32; 6] = [1, 2, 4, 8, 16, 32];

impl Setting for Parallel {
    fn id(&self) -> &'static str {
        "parallel"
    }
    fn value_name(&self) -> &'static str {
        "P"
    }
    fn help(&self) -> &'static str {
        "Children at once, each with its own payload, up to 4 per CPU (--mode worker or roundtrip); each is handed --repeats payloads [default: 1]"
    }
    fn about(&self) -> &'static str {
        "Children at once, each with its own payload (worker, roundtrip)."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.parallel = parse_count(text, "parallel", 1, support::max_parallel())?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan.parallel.to_string()
    }
    fn typing(&self) -> Option<Typing> {
        Some(Typing::Count)
    }
    fn step(&self, plan: &mut Plan, up: bool) -> Result<(), String> {
        plan.parallel = super::next_step(&STEPS, plan.parallel, up)
            .filter(|&parallel| parallel <= support::max_parallel())
            .ok_or("no further step that way; type a number of children")?;
        Ok(())
    }
    fn identifies(&self) -> bool {
        true
    }
    fn brief(&self, plan: &Plan) -> Option<String> {
        (plan.parallel > 1).then(|| format!("×{}", plan.parallel))
    }
}
