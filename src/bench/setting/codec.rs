//! `-c, --codec`: how a payload becomes bytes on the wire.

use super::Setting;
use crate::bench::plan::{self, Plan};

pub struct Codec;

impl Setting for Codec {
    fn id(&self) -> &'static str {
        "codec"
    }
    fn short(&self) -> Option<char> {
        Some('c')
    }
    fn value_name(&self) -> &'static str {
        "CODEC"
    }
    fn help(&self) -> &'static str {
        "Codec: bincode (serde through bincode 2, varint integers), bincode-fixed (fixed-width integers) or raw (the payload's bytes as they lie in memory) [default: bincode]"
    }
    fn about(&self) -> &'static str {
        "How the payload becomes bytes: bincode (varint), bincode-fixed, raw memory."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.codec = plan::Codec::parse(text)?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan.codec.name().into()
    }
    fn choices(&self) -> &'static [&'static str] {
        &["bincode", "bincode-fixed", "raw"]
    }
}
