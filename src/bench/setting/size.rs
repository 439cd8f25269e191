//! `-s, --size`: the bytes handed to each child.

use super::{Setting, Typing};
use crate::bench::plan::{self, Plan};

pub struct Size;

impl Setting for Size {
    fn id(&self) -> &'static str {
        "size"
    }
    fn short(&self) -> Option<char> {
        Some('s')
    }
    fn value_name(&self) -> &'static str {
        "SIZE"
    }
    fn help(&self) -> &'static str {
        "Payload size: a number with an optional unit B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), case-insensitive [default: 8MB]"
    }
    fn about(&self) -> &'static str {
        "Bytes handed to each child. +/- step; type e.g. 12MiB, 1.5MB, 4096."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.size = parse_payload_size(text)?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan::Size(plan.size).to_string()
    }
    fn typing(&self) -> Option<Typing> {
        Some(Typing::Size)
    }
    fn step(&self, plan: &mut Plan, up: bool) -> Result<(), String> {
        plan.size = step_size(plan.size, up)?;
        Ok(())
    }
    fn in_sweep(&self) -> bool {
        false
    }
    /// `64 KiB ints`: the size names what it is a size of.
    fn brief(&self, plan: &Plan) -> Option<String> {
        Some(format!("{} {}", self.show(plan), plan.payload.name()))
    }
}

/// A size of at least one byte: a payload of none hands nothing over.
pub fn parse_payload_size(text: &str) -> Result<u64, String> {
    match plan::Size::parse(text)?.0 {
        0 => Err("a payload of 0 bytes hands nothing over; the size must be at least 1 byte".into()),
        bytes => Ok(bytes),
    }
}

/// The next size up or down in the unit family `bytes` is written in: powers of two for a
/// binary size (`4 KiB`, `8 KiB`, …), 1-2-5 steps for a decimal one (`5 MB`, `10 MB`, …), so
/// that `+` from 8 MB never lands on 8 MiB.
pub fn step_size(bytes: u64, up: bool) -> Result<u64, String> {
    let binary = plan::Size(bytes).to_string().contains("iB");
    let steps: Vec<u64> = if binary {
        (10..=32).map(|power| 1u64 << power).collect()
    } else {
        (0..=9)
            .flat_map(|power| [1, 2, 5].map(|mantissa| mantissa * 10u64.pow(power)))
            .collect()
    };
    super::next_step(&steps, bytes, up)
        .ok_or_else(|| "no further step that way; type a size, e.g. 12MiB".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_stay_in_the_unit_family_of_the_size() {
        assert_eq!(step_size(8_000_000, true), Ok(10_000_000));
        assert_eq!(step_size(8_000_000, false), Ok(5_000_000));
        assert_eq!(step_size(8 << 20, true), Ok(16 << 20));
        assert_eq!(step_size(12 << 20, false), Ok(8 << 20));
        assert_eq!(step_size(1000, false), Ok(500));
        assert_eq!(
            step_size(1, false).unwrap_err(),
            "no further step that way; type a size, e.g. 12MiB"
        );
        for bytes in [1_000, 8_000_000, 4 << 10, 64 << 20] {
            let family = |b: u64| plan::Size(b).to_string().contains("iB");
            for up in [true, false] {
                let next = step_size(bytes, up).unwrap();
                assert_eq!(family(next), family(bytes), "{bytes} {up}: {}", plan::Size(next));
            }
        }
    }

    #[test]
    fn a_size_of_nothing_is_refused() {
        assert!(parse_payload_size("0").unwrap_err().contains("at least 1 byte"));
        assert_eq!(parse_payload_size("1KB"), Ok(1000));
    }
}
