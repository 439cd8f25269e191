//! `-p, --payload`: the kind of data handed over.

use super::Setting;
use crate::bench::plan::{PayloadKind, Plan};

pub struct Payload;

impl Setting for Payload {
    fn id(&self) -> &'static str {
        "payload"
    }
    fn short(&self) -> Option<char> {
        Some('p')
    }
    fn value_name(&self) -> &'static str {
        "KIND"
    }
    fn help(&self) -> &'static str {
        "Payload: ints (size / 8 unsigned 64-bit integers), bytes, or records (small structs with a string and numbers) [default: ints]"
    }
    fn about(&self) -> &'static str {
        "ints: 64-bit integers; bytes: random bytes; records: small structs."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.payload = PayloadKind::parse(text)?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan.payload.name().into()
    }
    fn choices(&self) -> &'static [&'static str] {
        &["ints", "bytes", "records"]
    }
    /// Said with the size.
    fn brief(&self, _plan: &Plan) -> Option<String> {
        None
    }
}
