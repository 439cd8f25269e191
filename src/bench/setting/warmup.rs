//! `-w, --warmup`: children per method run first and not counted.

use super::{parse_count, Setting, Typing};
use crate::bench::plan::Plan;

pub struct Warmup;

impl Setting for Warmup {
    fn id(&self) -> &'static str {
        "warmup"
    }
    fn label(&self) -> &'static str {
        "warm-up"
    }
    fn short(&self) -> Option<char> {
        Some('w')
    }
    fn value_name(&self) -> &'static str {
        "N"
    }
    fn help(&self) -> &'static str {
        "Children per method run first and not counted (N ≥ 0) [default: 3]"
    }
    fn about(&self) -> &'static str {
        "Children per method run first and not counted."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.warmup = parse_count(text, "warm-up", 0, u32::MAX)?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan.warmup.to_string()
    }
    fn typing(&self) -> Option<Typing> {
        Some(Typing::Count)
    }
    fn step(&self, plan: &mut Plan, up: bool) -> Result<(), String> {
        plan.warmup = if up {
            plan.warmup.saturating_add(1)
        } else {
            plan.warmup.checked_sub(1).ok_or("warm-up is already 0")?
        };
        Ok(())
    }
    /// Said with the repeats.
    fn brief(&self, _plan: &Plan) -> Option<String> {
        None
    }
}
