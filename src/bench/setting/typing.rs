//! The kinds of value one can type into a setting: how far a partly typed value may
//! go, what a refusal says is allowed, and what the text reads as so far.

use crate::bench::plan::Size;

/// What a typed value is: how far a partly typed one may go and what it reads as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Typing {
    /// A size with an optional unit: `12MiB`, `1.5MB`, `4096`.
    Size,
    /// A factor greater than 1: `2`, `1.5`.
    Factor,
    /// A whole number.
    Count,
}

impl Typing {
    /// Whether `text` can still become a valid value as one types on.
    pub fn plausible(self, text: &str) -> bool {
        match self {
            Typing::Factor => {
                text.chars().all(|c| c.is_ascii_digit() || c == '.') && text.matches('.').count() <= 1
            }
            Typing::Size => {
                let split = text
                    .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .unwrap_or(text.len());
                let (number, unit) = text.split_at(split);
                let unit = unit.trim_start().to_ascii_lowercase();
                !number.is_empty()
                    && number.matches('.').count() <= 1
                    && ["b", "kb", "mb", "gb", "kib", "mib", "gib"]
                        .iter()
                        .any(|known| known.starts_with(&unit))
            }
            Typing::Count => text.chars().all(|c| c.is_ascii_digit()),
        }
    }

    /// What may be typed, for a refusal.
    pub fn allowed(self) -> &'static str {
        match self {
            Typing::Size => Size::ALLOWED,
            Typing::Factor => "a number greater than 1, e.g. 2 or 1.5",
            Typing::Count => "digits",
        }
    }

    /// What `text` reads as so far: `= 12 MiB`, or that it is not a value yet.
    pub fn reading(self, text: &str) -> String {
        match self {
            Typing::Size => Size::parse(text).map_or("not a size yet".into(), |size| format!("= {size}")),
            Typing::Factor => text
                .parse::<f64>()
                .map_or("not a number yet".into(), |factor| format!("= ×{factor}")),
            Typing::Count => text
                .parse::<u64>()
                .map_or("not a number yet".into(), |n| format!("= {n}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partly_typed_value_is_plausible_until_it_cannot_become_one() {
        assert!(Typing::Size.plausible("12Mi"));
        assert!(Typing::Size.plausible("1.5 g"));
        assert!(!Typing::Size.plausible("12Mx"));
        assert!(!Typing::Size.plausible("1.5."));
        assert!(!Typing::Size.plausible("MiB"));
        assert!(Typing::Factor.plausible("1.5"));
        assert!(!Typing::Factor.plausible("1.5."));
        assert!(Typing::Count.plausible("250"));
        assert!(!Typing::Count.plausible("-1"));
    }

    #[test]
    fn the_text_so_far_reads_as_its_value_or_says_it_is_none_yet() {
        assert_eq!(Typing::Size.reading("12MiB"), "= 12 MiB");
        assert_eq!(Typing::Size.reading("12Mi"), "not a size yet");
        assert_eq!(Typing::Factor.reading("1.5"), "= ×1.5");
        assert_eq!(Typing::Count.reading("x"), "not a number yet");
        assert_eq!(Typing::Count.allowed(), "digits");
    }
}
