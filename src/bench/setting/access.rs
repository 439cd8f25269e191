//! `--access`: what the child does with the data it got.

use super::Setting;
use crate::bench::plan::{self, Plan};

pub struct Access;

impl Setting for Access {
    fn id(&self) -> &'static str {
        "access"
    }
    fn value_name(&self) -> &'static str {
        "read|write"
    }
    fn help(&self) -> &'static str {
        "What the child does with the data: read all of it, or also write to every page (so copy-on-write must copy) [default: read]"
    }
    fn about(&self) -> &'static str {
        "read: the child reads it all; write: also writes every page (CoW copies)."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.access = plan::Access::parse(text)?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan.access.name().into()
    }
    fn choices(&self) -> &'static [&'static str] {
        &["read", "write"]
    }
    fn identifies(&self) -> bool {
        true
    }
}
