//! `--message`: the bytes of one round-trip message (`--mode roundtrip`). Apart from `--size`,
//! whose payload a round trip does not carry: lmbench's classic figure is a 64 B round trip,
//! and the payload's default is 8 MB.

use super::size::step_size;
use super::{Setting, Typing};
use crate::bench::mode::support;
use crate::bench::plan::{self, Plan};

pub struct Message;

impl Setting for Message {
    fn id(&self) -> &'static str {
        "message"
    }
    fn value_name(&self) -> &'static str {
        "SIZE"
    }
    fn help(&self) -> &'static str {
        "Round-trip message size (--mode roundtrip), from 1 B to 4 MiB, units as for --size [default: 64B]"
    }
    fn about(&self) -> &'static str {
        "Bytes of one round-trip message (roundtrip mode), 1 B to 4 MiB."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        let bytes = plan::Size::parse(text)?.0;
        if bytes == 0 || bytes > support::MAX_MESSAGE {
            return Err(format!(
                "a round-trip message must be from 1 B to {}, got {}",
                plan::Size(support::MAX_MESSAGE),
                plan::Size(bytes)
            ));
        }
        plan.message = bytes;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan::Size(plan.message).to_string()
    }
    fn typing(&self) -> Option<Typing> {
        Some(Typing::Size)
    }
    fn step(&self, plan: &mut Plan, up: bool) -> Result<(), String> {
        plan.message = step_size(plan.message, up)?.min(support::MAX_MESSAGE);
        Ok(())
    }
    fn identifies(&self) -> bool {
        true
    }
    fn brief(&self, plan: &Plan) -> Option<String> {
        (plan.mode == plan::Mode::Roundtrip).then(|| format!("{} messages", self.show(plan)))
    }
}
