//! `--mode`: a fresh child per payload, one living worker, or round trips (see `bench::mode`).

use super::Setting;
use crate::bench::plan::{self, Plan};

pub struct Mode;

impl Setting for Mode {
    fn id(&self) -> &'static str {
        "mode"
    }
    fn value_name(&self) -> &'static str {
        "fresh|worker|roundtrip"
    }
    fn help(&self) -> &'static str {
        "fresh: a new child per payload (fork and exit in every figure); worker: one child made once, handed every payload in turn; roundtrip: --message bytes to a living child and back, each round trip a sample [default: fresh]"
    }
    fn about(&self) -> &'static str {
        "fresh: a child per payload; worker: one living child; roundtrip: echoes."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.mode = plan::Mode::parse(text)?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan.mode.name().into()
    }
    fn choices(&self) -> &'static [&'static str] {
        &["fresh", "worker", "roundtrip"]
    }
    fn identifies(&self) -> bool {
        true
    }
    /// Said only when it is not today's fresh children.
    fn brief(&self, plan: &Plan) -> Option<String> {
        (plan.mode != plan::Mode::Fresh).then(|| self.show(plan))
    }
}
