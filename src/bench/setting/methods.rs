//! `-m, --method`: which methods run, in this order.

use super::Setting;
use crate::bench::method;
use crate::bench::plan::Plan;

pub struct Methods;

impl Setting for Methods {
    fn id(&self) -> &'static str {
        "method"
    }
    fn short(&self) -> Option<char> {
        Some('m')
    }
    fn value_name(&self) -> &'static str {
        "NAME[,NAME…]"
    }
    fn help(&self) -> &'static str {
        "Methods to run, in this order; comma-separated and repeatable [default: inherit,argument,queue,pipe]"
    }
    fn about(&self) -> &'static str {
        "Space toggles a method; t tells what it does."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.methods = method::parse_list(text)?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan.method_ids().into_iter().collect::<Vec<_>>().join(",")
    }
    fn step(&self, _plan: &mut Plan, _up: bool) -> Result<(), String> {
        Err("Space toggles a method".into())
    }
    fn in_explorer(&self) -> bool {
        false
    }
    fn repeatable(&self) -> bool {
        true
    }
    fn brief(&self, _plan: &Plan) -> Option<String> {
        None
    }
}
