//! The live panel's side for a round-trip method: its percentiles and message rate, from the
//! HDR histogram the core kept of every round trip (fixed size, however many there were), once
//! the method is done; the running median of the kept round trips until then.

use ratatui::text::Line;

use super::fit;
use crate::report;
use crate::tui::model::run::MethodLive;
use crate::tui::theme::Theme;

/// The lines for `live` if it is a round-trip method, `None` otherwise.
pub fn lines(live: &MethodLive, width: usize, theme: Theme) -> Option<Vec<Line<'static>>> {
    let record = live
        .completed
        .as_ref()
        .and_then(|completed| completed.result.live.as_deref());
    let mut lines = vec![Line::styled(
        fit("round trip (every one)", width),
        theme.heading(),
    )];
    let Some(latency) = record.and_then(|record| record.latency) else {
        // Still running: the phases' panel has only transfer; the running median says more.
        let median = live.totals.median()?;
        if live.phases.len() != 1 {
            return None;
        }
        lines.push(Line::raw(fit(
            &format!("median so far {}", report::duration(median)),
            width,
        )));
        return Some(lines);
    };
    for (name, nanos) in [
        ("p50", latency.p50),
        ("p90", latency.p90),
        ("p99", latency.p99),
        ("p99.9", latency.p999),
        ("max", latency.max),
    ] {
        lines.push(Line::raw(fit(
            &format!("{name:<6} {:>10}", report::duration(nanos)),
            width,
        )));
    }
    lines.push(Line::raw(fit(
        &format!("{:.0} messages/s", latency.messages_per_sec),
        width,
    )));
    Some(lines)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::bench::kind::Mode;
    use crate::bench::live::{Latency, LiveRecord};
    use crate::bench::result::MethodResult;
    use crate::tui::model::fake;
    use crate::tui::model::run::{Completed, LiveRun};

    fn text(lines: &[Line<'_>]) -> String {
        lines.iter().map(|line| line.to_string() + "\n").collect()
    }

    #[test]
    fn a_finished_round_trip_shows_its_percentiles_and_rate_and_a_fresh_one_does_not() {
        let plan = fake::plan();
        let mut run = LiveRun::new(1, plan.clone(), Instant::now());
        let method = run.methods[0].method;
        let fresh = fake::result(method, &plan, vec![fake::sample(method, &plan, 1000)]);
        run.methods[0].completed = Some(Completed::of(fresh.clone()));
        assert!(
            lines(&run.methods[0], 40, Theme::colour()).is_none(),
            "fresh: the phases instead"
        );

        let latency = Latency {
            p50: 2_000,
            p90: 3_000,
            p99: 9_000,
            p999: 40_000,
            max: 2_000_000,
            messages_per_sec: 412_345.0,
        };
        let roundtrip = with_latency(fresh, latency);
        run.methods[0].completed = Some(Completed::of(roundtrip));
        let shown = text(&lines(&run.methods[0], 40, Theme::colour()).expect("round-trip lines"));
        for expected in [
            "p50       2.00 µs",
            "p99.9     40.0 µs",
            "max       2.00 ms",
            "412345 messages/s",
        ] {
            assert!(shown.contains(expected), "{expected}:\n{shown}");
        }
    }

    fn with_latency(mut result: MethodResult, latency: Latency) -> MethodResult {
        result.live = Some(Box::new(LiveRecord {
            mode: Mode::Roundtrip,
            parallel: 1,
            latency: Some(latency),
            ..LiveRecord::default()
        }));
        result
    }
}
