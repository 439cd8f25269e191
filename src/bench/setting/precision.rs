//! `--precision`: how precisely `--repeats auto` measures each method's median.

use super::Setting;
use crate::bench::plan::Plan;
use crate::bench::schedule::{parse_precision, show_precision};

pub struct Precision;

impl Setting for Precision {
    fn id(&self) -> &'static str {
        "precision"
    }
    fn value_name(&self) -> &'static str {
        "PERCENT"
    }
    fn help(&self) -> &'static str {
        "With --repeats auto: run rounds until every method's median is known to within this (the half-width of its 95% interval), e.g. 2% or 0.5% [default: 2%]"
    }
    fn about(&self) -> &'static str {
        "With repeats auto: the half-width of each median's 95% interval to reach."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.precision.target = parse_precision(text)?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        show_precision(plan.precision.target)
    }
    fn in_explorer(&self) -> bool {
        false
    }
}
