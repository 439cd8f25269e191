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
