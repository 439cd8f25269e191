//! What every face says about results, decided once: which result is the fastest, how each
//! compares with it or with a baseline, and the tutorial's lesson from this machine's numbers.
//! The table, Markdown, CSV, JSON and the explorer's panels read these, so they never disagree.

use std::fmt;

use super::compare::{Comparison, Row};
use super::difference::Difference;
use super::{duration, ratio};
use crate::bench::method::{self, TutorialPart};
use crate::bench::plan::Size;
use crate::bench::python::PyVerify;
use crate::bench::result::MethodResult;
use crate::bench::tutorial::{self, Conclusion, PUBLISHED_LESSON};

/// The fastest of a group of results at one payload size: the first contender with the
/// smallest verified median. Every "N× slower" is to it. The floors are never it: they are
/// what the contenders are read against, not contenders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fastest<'a> {
    pub method: &'a str,
    pub median: u64,
}

impl<'a> Fastest<'a> {
    /// The fastest of `(method, median)` pairs; a floor, or a `None` median (no child
    /// verified), never is.
    pub fn among(medians: impl IntoIterator<Item = (&'a str, Option<u64>)>) -> Option<Fastest<'a>> {
        medians
            .into_iter()
            .filter(|&(method, _)| !is_floor(method))
            .filter_map(|(method, median)| {
                Some(Fastest {
                    method,
                    median: median?,
                })
            })
            .min_by_key(|fastest| fastest.median)
    }

    /// The fastest of `results`, which hold one payload size.
    pub fn of(results: &'a [MethodResult]) -> Option<Fastest<'a>> {
        Fastest::among(results.iter().map(|result| {
            (
                result.method.as_str(),
                result.summary().map(|summary| summary.median),
            )
        }))
    }

    /// `median` as a multiple of the fastest's; `None` when the fastest's is zero.
    pub fn ratio(&self, median: u64) -> Option<f64> {
        (self.median > 0).then(|| median as f64 / self.median as f64)
    }

    /// How `median` stands against the fastest's.
    pub fn standing(&self, median: u64) -> Option<Standing> {
        self.ratio(median).map(Standing::of)
    }
}

/// How a median stands against the fastest of its group.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Standing {
    /// The fastest, or within what a ratio shows (two decimals) of it: a tie.
    Fastest,
    /// This many times the fastest's median.
    Slower(f64),
}

impl Standing {
    /// A ratio that reads `1.00×` is a tie for the fastest, never "1.00× slower".
    pub fn of(ratio_to_fastest: f64) -> Standing {
        if ratio_to_fastest < 1.005 {
            Standing::Fastest
        } else {
            Standing::Slower(ratio_to_fastest)
        }
    }

    /// `fastest` or `1.82×`: a cell under a "vs fastest" heading.
    pub fn cell(self) -> String {
        match self {
            Standing::Fastest => "fastest".into(),
            Standing::Slower(r) => ratio(r),
        }
    }

    /// `fastest` or `1.82× slower than inherit`.
    pub fn against(self, fastest: &str) -> String {
        match self {
            Standing::Fastest => "fastest".into(),
            Standing::Slower(r) => format!("{} slower than {fastest}", ratio(r)),
        }
    }
}

impl fmt::Display for Standing {
    /// `fastest` or `1.82× slower`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Standing::Fastest => f.write_str("fastest"),
            Standing::Slower(r) => write!(f, "{} slower", ratio(*r)),
        }
    }
}

/// Whether `method` is a floor, which stands outside "vs fastest".
pub fn is_floor(method: &str) -> bool {
    method::find(method).is_some_and(|method| method.role().is_floor())
}

/// The ratio of a result to the fastest of its group, as JSON and CSV give it: the number,
/// unrounded; `None` without a verified child, and for a floor.
pub fn ratio_to_fastest(result: &MethodResult, fastest: Option<Fastest<'_>>) -> Option<f64> {
    if result.is_floor() {
        return None;
    }
    fastest?.ratio(result.summary()?.median)
}

/// What a result's "vs fastest" cell says: `fastest`, `1.82×`, `floor` for a floor (read
/// against it, not against the fastest), `—` without a verified child.
pub fn versus_fastest_cell(result: &MethodResult, fastest: Option<Fastest<'_>>) -> String {
    if result.is_floor() {
        return "floor".into();
    }
    ratio_to_fastest(result, fastest).map_or("—".into(), |r| Standing::of(r).cell())
}

/// The tutorial's lesson from this machine's numbers, as every face words it: a headline and
/// the figures behind it (the explorer styles them apart).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// `Inheriting is 29.0× faster than sending through a queue here`
    pub headline: String,
    /// ` (2.10 ms against 61.0 ms per child at 8 MB); the tutorial found ~34×.`
    pub figures: String,
}

impl Lesson {
    pub fn of(conclusion: &Conclusion) -> Lesson {
        let here = conclusion.queue_over_inherit();
        let headline = if here >= 1.0 {
            format!(
                "Inheriting is {} faster than sending through a queue here",
                ratio(here)
            )
        } else {
            format!(
                "Here sending through a queue is {} faster than inheriting, unlike in the tutorial",
                ratio(1.0 / here)
            )
        };
        let figures = format!(
            " ({} against {} per child at {}); the tutorial found ~{PUBLISHED_LESSON:.0}×.",
            duration(conclusion.inherit_ns),
            duration(conclusion.queue_ns),
            Size(conclusion.payload_bytes)
        );
        Lesson { headline, figures }
    }

    /// `Sending through a pipe takes 33.6× as long as inheriting here; in the tutorial, 36.1×.`,
    /// where the results have a pipe.
    pub fn pipe(conclusion: &Conclusion) -> Option<String> {
        let here = conclusion.pipe_over_inherit()?;
        let published = tutorial::published(TutorialPart::Pipe)? as f64
            / tutorial::published(TutorialPart::Inherit)? as f64;
        Some(format!(
            "Sending through a pipe takes {} as long as inheriting here; in the tutorial, {}.",
            ratio(here),
            ratio(published)
        ))
    }
}

impl Lesson {
    /// `Inheriting is 31.0× faster than a Queue in Python here (the tutorial found ~34×),
    /// 28.5× in Rust.`, where the results have py-inherit and py-queue.
    pub fn python(conclusion: &Conclusion) -> Option<String> {
        let python = conclusion.python_queue_over_inherit()?;
        Some(format!(
            "Inheriting is {} faster than a Queue in Python here (the tutorial found ~{PUBLISHED_LESSON:.0}×), {} in Rust.",
            ratio(python),
            ratio(conclusion.queue_over_inherit())
        ))
    }
}

impl fmt::Display for Lesson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.headline, self.figures)
    }
}

/// What a py-* result is, as the table says it under its figures: whether Python pickled
/// (the codec setting never applies to Python) and what each child checked. `None` for
/// ipcscope's own methods.
pub fn python_note(result: &MethodResult) -> Option<String> {
    method::find(&result.method)?.python()?;
    let pickled = match result.codec {
        Some(_) => "pickle, the parent's pickling timed beside the phases that add up",
        None => "nothing pickled",
    };
    let verify = result.conditions.get("py-verify").map(String::as_str);
    let checked = match verify.and_then(|name| PyVerify::parse(name).ok()) {
        Some(verify) => verify.checked(),
        None => "what --py-verify says",
    };
    Some(format!(
        "{pickled} (the codec setting does not apply); each child checked {checked}"
    ))
}

/// One file's figure for a compared experiment: `47.0 µs · 1.04×` (the ratio to the baseline,
/// which itself has none; marked ` (noise)` or ` (too few)` where it is not beyond noise), `no verified child · 2 failed`, or `—` where the file lacks it.
pub fn versus_baseline(row: &Row, file: usize) -> String {
    let Some(result) = &row.results[file] else {
        return "—".into();
    };
    let failed = match result.failures {
        0 => String::new(),
        failures => format!(" · {failures} failed"),
    };
    let Some(median) = row.median(file) else {
        return format!("no verified child{failed}");
    };
    let noise = row.difference(file).map_or("", Difference::mark);
    match row.ratio(file) {
        Some(r) if file > 0 => format!("{} · {}{noise}{failed}", duration(median), ratio(r)),
        _ => format!("{}{failed}", duration(median)),
    }
}

/// `queue · 4 KiB ints · bincode: only in a.json (245 µs)`
pub fn only_in(comparison: &Comparison, row: &Row) -> String {
    let file = row.results.iter().position(Option::is_some).unwrap_or(0);
    format!(
        "{}: only in {} ({})",
        row.key,
        comparison.files[file].name,
        versus_baseline(row, file)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_python_result_says_what_was_pickled_and_checked_and_a_rust_one_nothing() {
        let mut pipe = MethodResult::made_up("py-pipe", 8, &[5]);
        pipe.conditions.insert("py-verify".into(), "full".into());
        let note = python_note(&pipe).unwrap();
        assert!(note.starts_with("pickle, "), "{note}");
        assert!(
            note.contains("codec setting does not apply") && note.ends_with("against the parent's checksum")
        );
        let mut inherit = MethodResult::made_up("py-inherit", 8, &[5]);
        inherit.codec = None;
        inherit.conditions.insert("py-verify".into(), "light".into());
        let note = python_note(&inherit).unwrap();
        assert!(
            note.starts_with("nothing pickled") && note.ends_with("length, first and last element"),
            "{note}"
        );
        assert_eq!(python_note(&MethodResult::made_up("pipe", 8, &[5])), None);
    }

    #[test]
    fn the_fastest_is_the_first_smallest_verified_median() {
        let results = [
            MethodResult::made_up("queue", 8, &[]),
            MethodResult::made_up("pipe", 8, &[30]),
            MethodResult::made_up("shm", 8, &[20]),
            MethodResult::made_up("socket", 8, &[20]),
        ];
        let fastest = Fastest::of(&results).unwrap();
        assert_eq!((fastest.method, fastest.median), ("shm", 20));
        assert_eq!(Fastest::of(&results[..1]), None);
        // The floors are faster still, but they are floors.
        let mut with_floors = results.to_vec();
        with_floors.push(MethodResult::made_up("fork", 8, &[5]));
        with_floors.push(MethodResult::made_up("memcpy", 8, &[1]));
        assert_eq!(Fastest::of(&with_floors), Some(fastest));
        assert_eq!(ratio_to_fastest(&with_floors[4], Some(fastest)), None);
        assert_eq!(versus_fastest_cell(&with_floors[5], Some(fastest)), "floor");
        assert_eq!(versus_fastest_cell(&results[1], Some(fastest)), "1.50×");
        assert_eq!(versus_fastest_cell(&results[0], Some(fastest)), "—");
        assert_eq!(ratio_to_fastest(&results[1], Some(fastest)), Some(1.5));
        assert_eq!(ratio_to_fastest(&results[0], Some(fastest)), None);
        assert_eq!(
            Fastest {
                method: "x",
                median: 0
            }
            .ratio(5),
            None
        );
    }

    #[test]
    fn a_ratio_that_reads_one_is_a_tie_for_the_fastest() {
        let fastest = Fastest {
            method: "inherit",
            median: 1000,
        };
        assert_eq!(fastest.standing(1004), Some(Standing::Fastest));
        let slower = fastest.standing(1820).unwrap();
        assert_eq!(slower, Standing::Slower(1.82));
        assert_eq!(slower.to_string(), "1.82× slower");
        assert_eq!(slower.against("inherit"), "1.82× slower than inherit");
        assert_eq!(slower.cell(), "1.82×");
        assert_eq!(Standing::Fastest.to_string(), "fastest");
        assert_eq!(Standing::Fastest.against("inherit"), "fastest");
        assert_eq!(Standing::Fastest.cell(), "fastest");
    }

    #[test]
    fn the_lesson_reads_both_ways() {
        let lesson = |queue_ns| {
            let results = [
                MethodResult::made_up("inherit", 8_000_000, &[2_100_000]),
                MethodResult::made_up("queue", 8_000_000, &[queue_ns]),
            ];
            Lesson::of(&tutorial::conclude(&results).unwrap()).to_string()
        };
        assert_eq!(
            lesson(61_000_000),
            "Inheriting is 29.0× faster than sending through a queue here (2.10 ms against 61.0 ms per child at 8 MB); the tutorial found ~34×."
        );
        assert_eq!(
            lesson(1_050_000),
            "Here sending through a queue is 2.00× faster than inheriting, unlike in the tutorial (2.10 ms against 1.05 ms per child at 8 MB); the tutorial found ~34×."
        );
    }
}
