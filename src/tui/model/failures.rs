//! Why a run's children failed, as the `f` overlay lists it: method by method, each reason
//! once with its kind, how many children it struck and which.

use crate::bench::result::Failure;
use crate::tui::model::run::LiveRun;

/// At most this many child numbers after a reason; more are counted, not listed.
const LISTED_CHILDREN: usize = 8;

/// One reason among a method's failures: the sentence, its kind, the children it struck.
struct Group<'a> {
    sentence: String,
    kind: &'static str,
    children: Vec<&'a Failure>,
}

/// The failures of `failed` grouped by reason, the most frequent first, in order of first
/// appearance among equals.
fn grouped(failed: &[Failure]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for failure in failed {
        let sentence = failure.reason.to_string();
        match groups.iter_mut().find(|group| group.sentence == sentence) {
            Some(group) => group.children.push(failure),
            None => groups.push(Group {
                sentence,
                kind: failure.reason.kind(),
                children: vec![failure],
            }),
        }
    }
    groups.sort_by_key(|group| std::cmp::Reverse(group.children.len()));
    groups
}

/// The overlay's text for `run`: a heading per method that had failures, then its reasons.
pub fn lines(run: &LiveRun) -> Vec<String> {
    let mut lines = Vec::new();
    for live in run.methods.iter().filter(|live| !live.failed.is_empty()) {
        lines.push(format!(
            "{}: {} of {} counted children failed",
            live.method.id(),
            live.failed.len(),
            live.done.max(live.failed.len() as u32)
        ));
        for group in grouped(&live.failed) {
            let mut numbers: Vec<String> = group
                .children
                .iter()
                .take(LISTED_CHILDREN)
                .map(|failure| failure.child.to_string())
                .collect();
            if group.children.len() > LISTED_CHILDREN {
                numbers.push("…".into());
            }
            lines.push(format!(
                "  {}× {} [{}] (children {})",
                group.children.len(),
                group.sentence,
                group.kind,
                numbers.join(", ")
            ));
        }
        lines.push(String::new());
    }
    if lines.is_empty() {
        lines.push(format!("No child of run {} has failed.", run.id));
    }
    lines
}

/// The overlay's text for the run on screen, if there is one.
pub fn text(run: Option<&LiveRun>) -> Vec<String> {
    run.map_or_else(|| vec!["Nothing has run yet: r runs the settings.".into()], lines)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::bench::event::Event;
    use crate::bench::result::Reason;
    use crate::tui::model::fake;

    #[test]
    fn failures_are_grouped_by_reason_with_their_kind_and_count() {
        let plan = fake::plan();
        let mut run = LiveRun::new(1, plan.clone(), Instant::now());
        let timeout = Reason::Timeout {
            limit: Duration::from_millis(30),
            send: None,
        };
        let failures: Vec<Failure> = (0..5)
            .map(|child| Failure {
                child,
                reason: if child == 3 {
                    Reason::Signal(libc::SIGKILL)
                } else {
                    timeout.clone()
                },
            })
            .collect();
        run.fold(Event::MethodStarted { run: 1, method: 0 }, Instant::now());
        run.fold(
            Event::Samples {
                run: 1,
                method: 0,
                samples: Vec::new(),
                failures,
            },
            Instant::now(),
        );
        let text = lines(&run).join("\n");
        assert!(text.contains("pipe: 5 of 5 counted children failed"), "{text}");
        assert!(
            text.contains("4× timed out after 30ms and was killed [timeout] (children 0, 1, 2, 4)"),
            "{text}"
        );
        assert!(
            text.contains("1× killed by SIGKILL [signal] (children 3)"),
            "{text}"
        );
        assert!(!text.contains("inherit"), "inherit had no failures: {text}");

        let clean = LiveRun::new(2, plan, Instant::now());
        assert_eq!(lines(&clean), ["No child of run 2 has failed."]);
    }
}
