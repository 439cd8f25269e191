//! The tutorial that `--preset seed` reproduces: its published figures, kept here and nowhere
//! else, and its conclusion recomputed from this machine's numbers (the numbers only; the
//! words are `report::facts`').

use super::method::{self, TutorialPart};
use super::result::MethodResult;

/// One of the tutorial's published figures: a method (by its part) and its time per child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Published {
    pub part: TutorialPart,
    pub per_child_ns: u64,
}

impl Published {
    /// The id of the method that plays this part.
    pub fn method(&self) -> &'static str {
        method::in_tutorial(self.part).map_or("", |method| method.id())
    }
}

/// The tutorial's time per child for each of its four methods, as published.
pub const PUBLISHED: [Published; 4] = [
    Published {
        part: TutorialPart::Inherit,
        per_child_ns: 2_400_000,
    },
    Published {
        part: TutorialPart::Argument,
        per_child_ns: 2_200_000,
    },
    Published {
        part: TutorialPart::Queue,
        per_child_ns: 82_800_000,
    },
    Published {
        part: TutorialPart::Pipe,
        per_child_ns: 86_700_000,
    },
];

/// The payload the tutorial handed each child: 1,000,000 integers.
pub const PUBLISHED_PAYLOAD_BYTES: u64 = 8_000_000;

/// How many children the tutorial timed per method.
pub const PUBLISHED_CHILDREN: u32 = 1000;

/// The tutorial's lesson as it states it: inheriting is about this many times faster than
/// sending through a queue.
pub const PUBLISHED_LESSON: f64 = 34.0;

/// The tutorial's published time per child for the method playing `part`.
pub fn published(part: TutorialPart) -> Option<u64> {
    PUBLISHED
        .iter()
        .find(|published| published.part == part)
        .map(|published| published.per_child_ns)
}

/// The tutorial's conclusion from this machine's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Conclusion {
    /// The payload size of this machine's results.
    pub payload_bytes: u64,
    /// Each published figure beside this machine's median time per child for the same method
    /// and size, where it ran and a child verified.
    pub figures: Vec<(Published, Option<u64>)>,
    /// The same for the py-* method playing each part (the tutorial's own Python code, run
    /// here), where it ran and a child verified.
    pub python: Vec<(Published, Option<u64>)>,
    pub inherit_ns: u64,
    pub queue_ns: u64,
}

impl Conclusion {
    /// The N of the lesson "Inheriting is N× faster than sending through a queue here", on
    /// this machine; below 1 when the queue won. The faces word it in one place
    /// (`report::facts::Lesson`).
    pub fn queue_over_inherit(&self) -> f64 {
        self.queue_ns as f64 / self.inherit_ns as f64
    }

    /// The same for a pipe, where the results have one.
    pub fn pipe_over_inherit(&self) -> Option<f64> {
        let pipe = self.measured(TutorialPart::Pipe)?;
        Some(pipe as f64 / self.inherit_ns as f64)
    }

    /// The lesson's N measured in Python here (py-queue over py-inherit), where both ran.
    pub fn python_queue_over_inherit(&self) -> Option<f64> {
        let python = |part| {
            self.python
                .iter()
                .find(|(published, _)| published.part == part)
                .and_then(|&(_, measured)| measured)
        };
        Some(python(TutorialPart::Queue)? as f64 / python(TutorialPart::Inherit)? as f64)
    }

    /// Whether any py-* method playing a part has a figure.
    pub fn has_python(&self) -> bool {
        self.python.iter().any(|(_, measured)| measured.is_some())
    }

    /// This machine's median for the method playing `part`.
    pub fn measured(&self, part: TutorialPart) -> Option<u64> {
        self.figures
            .iter()
            .find(|(published, _)| published.part == part)
            .and_then(|&(_, measured)| measured)
    }
}

/// The conclusion, if `results` hold a verified inherit and a verified queue at the same size
/// (the first inherit result's size); `None` otherwise.
pub fn conclude(results: &[MethodResult]) -> Option<Conclusion> {
    let points: Vec<Point<'_>> = results
        .iter()
        .map(|result| Point {
            method: &result.method,
            payload_bytes: result.payload_bytes,
            median: result.summary().map(|summary| summary.median),
        })
        .collect();
    conclude_from(&points)
}

/// One method's median per child at a payload size: all a conclusion needs, for callers that
/// already hold the medians (the explorer keeps them as results arrive).
pub struct Point<'a> {
    pub method: &'a str,
    pub payload_bytes: u64,
    pub median: Option<u64>,
}

pub fn conclude_from(points: &[Point<'_>]) -> Option<Conclusion> {
    let id = |part| method::in_tutorial(part).map(|method| method.id());
    let inherit = id(TutorialPart::Inherit)?;
    let payload_bytes = points.iter().find(|point| point.method == inherit)?.payload_bytes;
    let median_of = |method: &str| {
        points
            .iter()
            .find(|point| point.method == method && point.payload_bytes == payload_bytes)
            .and_then(|point| point.median)
            .filter(|&median| median > 0)
    };
    let python = |part| median_of(method::py_in_tutorial(part)?.id());
    let median = |part| {
        let method = id(part)?;
        points
            .iter()
            .find(|point| point.method == method && point.payload_bytes == payload_bytes)
            .and_then(|point| point.median)
            .filter(|&median| median > 0)
    };
    Some(Conclusion {
        payload_bytes,
        inherit_ns: median(TutorialPart::Inherit)?,
        queue_ns: median(TutorialPart::Queue)?,
        figures: PUBLISHED
            .iter()
            .map(|&published| (published, median(published.part)))
            .collect(),
        python: PUBLISHED
            .iter()
            .map(|&published| (published, python(published.part)))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_figures_bear_out_the_published_lesson() {
        let lesson =
            published(TutorialPart::Queue).unwrap() as f64 / published(TutorialPart::Inherit).unwrap() as f64;
        assert!((lesson - PUBLISHED_LESSON).abs() < 1.0, "{lesson}");
        assert_eq!(PUBLISHED_PAYLOAD_BYTES, 1_000_000 * 8);
    }

    #[test]
    fn the_conclusion_comes_from_this_machines_medians() {
        let results = [
            MethodResult::made_up("inherit", 8_000_000, &[3_000_000, 2_000_000, 2_500_000]),
            MethodResult::made_up("queue", 8_000_000, &[80_000_000]),
            MethodResult::made_up("pipe", 8_000_000, &[90_000_000, 100_000_000]),
            // Another size's queue does not count.
            MethodResult::made_up("queue", 1_000, &[1]),
        ];
        let conclusion = conclude(&results).unwrap();
        assert_eq!(
            (conclusion.inherit_ns, conclusion.queue_ns),
            (2_500_000, 80_000_000)
        );
        assert_eq!(conclusion.queue_over_inherit(), 32.0);
        assert_eq!(conclusion.pipe_over_inherit(), Some(38.0));
        assert_eq!(conclusion.measured(TutorialPart::Argument), None);
        let published: Vec<&str> = conclusion.figures.iter().map(|(p, _)| p.method()).collect();
        assert_eq!(published, ["inherit", "argument", "queue", "pipe"]);
        assert!(!conclusion.has_python());
        assert_eq!(conclusion.python_queue_over_inherit(), None);
    }

    #[test]
    fn the_python_figures_are_the_py_methods_at_the_same_size() {
        let results = [
            MethodResult::made_up("inherit", 8_000_000, &[2_000_000]),
            MethodResult::made_up("queue", 8_000_000, &[60_000_000]),
            MethodResult::made_up("py-inherit", 8_000_000, &[4_000_000]),
            MethodResult::made_up("py-queue", 8_000_000, &[100_000_000]),
            MethodResult::made_up("py-pipe", 1_000, &[1]),
        ];
        let conclusion = conclude(&results).unwrap();
        assert!(conclusion.has_python());
        assert_eq!(conclusion.python_queue_over_inherit(), Some(25.0));
        let pipe = conclusion
            .python
            .iter()
            .find(|(p, _)| p.part == TutorialPart::Pipe);
        assert_eq!(pipe.map(|&(_, measured)| measured), Some(None));
    }

    #[test]
    fn no_conclusion_without_both_inherit_and_queue() {
        let inherit = MethodResult::made_up("inherit", 8, &[5]);
        let queue = MethodResult::made_up("queue", 8, &[50]);
        assert_eq!(conclude(std::slice::from_ref(&inherit)), None);
        assert_eq!(conclude(std::slice::from_ref(&queue)), None);
        let no_child_verified = MethodResult::made_up("queue", 8, &[]);
        assert_eq!(conclude(&[inherit.clone(), no_child_verified]), None);
        assert!(conclude(&[queue, inherit]).is_some());
    }
}
