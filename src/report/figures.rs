//! How a result's figures are shown honestly, in every face: the median with its 95% interval,
//! the noise warning, the p99 only where it is one, throughput only where a payload moves, the
//! kernel's figures only where there is a child, and one-time work spread over the children.

use super::{duration, rate};
use crate::bench::env::Environment;
use crate::bench::noise::MachineLoad;
use crate::bench::plan::Size;
use crate::bench::result::{MethodResult, Usage};

/// How many children a p99 of its own needs.
pub const P99_CHILDREN: u64 = 100;

/// Below this many verified children the median has no 95% interval.
pub const INTERVAL_CHILDREN: u64 = 6;

/// The machine's load during the run, where the run read it (`environment.load`).
pub fn machine_load(_environment: &Environment) -> Option<&MachineLoad> {
    // The run records no load yet: every verdict judges the children's times alone.
    None
}

/// The online CPUs, the scale of the load average.
pub fn machine_cpus(environment: &Environment) -> usize {
    environment.cores.max(1) as usize
}

/// The half-width of the median's 95% interval as a share of the median: `± 1.5%`, the form
/// every face shows, and the one `--precision` speaks. `None` below 6 children.
pub fn interval_share(result: &MethodResult) -> Option<f64> {
    let (low, high) = result.median_ci95()?;
    let median = result.summary()?.median;
    (median > 0).then(|| (high - low) as f64 / 2.0 / median as f64)
}

/// `± 1.5%`, `± 12%`.
pub fn plus_minus(share: f64) -> String {
    let percent = share * 100.0;
    if percent >= 10.0 {
        format!("± {percent:.0}%")
    } else {
        format!("± {percent:.1}%")
    }
}

/// `2.00 µs ± 1.5%`, or the median alone where it has no interval; `None` without a median.
pub fn median_with_interval(result: &MethodResult) -> Option<String> {
    let median = duration(result.summary()?.median);
    Some(match interval_share(result) {
        Some(share) => format!("{median} {}", plus_minus(share)),
        None => median,
    })
}

/// `1.97 µs … 2.03 µs`, or what it needs.
pub fn interval_ends(result: &MethodResult) -> String {
    match result.median_ci95() {
        Some((low, high)) => format!("{} … {}", duration(low), duration(high)),
        None => format!("needs {INTERVAL_CHILDREN} children"),
    }
}

/// The p99 where it is a figure of its own; `None` where it would be the maximum renamed.
pub fn p99(result: &MethodResult) -> Option<String> {
    let summary = result.summary()?;
    result.p99_exact().then(|| duration(summary.p99))
}

/// `p99 3.00 µs` or `p99 needs 100 children`.
pub fn p99_phrase(result: &MethodResult) -> String {
    p99(result).map_or(format!("p99 needs {P99_CHILDREN} children"), |p99| {
        format!("p99 {p99}")
    })
}

/// `2.0 GB/s`, or `None` where throughput does not apply (no payload moves) or no child
/// verified.
pub fn throughput(result: &MethodResult) -> Option<String> {
    result.summary()?;
    result.throughput_applies().then(|| rate(result.throughput()))
}

/// `0 minor faults · … · CPU ~782 µs user, ~0 ns system (sampled)`, or why there are none.
pub fn kernel(result: &MethodResult, usage: &Usage) -> String {
    if !result.has_child() {
        return format!("— ({} makes no child)", result.method);
    }
    format!(
        "{} minor faults · {} voluntary / {} involuntary switches · CPU {} (sampled)",
        usage.minor_faults,
        usage.voluntary_switches,
        usage.involuntary_switches,
        cpu_split(usage)
    )
}

/// `~782 µs user, ~0 ns system`: the kernel splits a child's CPU time by the tick that found
/// it running, so the split is a sample, not a measurement.
pub fn cpu_split(usage: &Usage) -> String {
    format!(
        "{} user, {} system",
        sampled(usage.user_ns),
        sampled(usage.system_ns)
    )
}

/// `~782 µs`: a tick-sampled CPU time.
pub fn sampled(nanos: u64) -> String {
    format!("~{}", duration(nanos))
}

/// One-time work spread over the children below this share of the median per child goes
/// unsaid (every method run opens something once; shm's encoding is what matters).
const SETUP_WORTH_SAYING: f64 = 0.01;

/// `shm: one-time setup 9.80 ms, 98.0 µs per child over its 100 children`, for a result whose
/// one-time work, spread over its children, is at least 1% of its median.
pub fn setup_note(result: &MethodResult) -> Option<String> {
    let per_child = result.setup_per_child_ns()?;
    let median = result.summary().map_or(0, |summary| summary.median);
    if (per_child as f64) < SETUP_WORTH_SAYING * median as f64 {
        return None;
    }
    let counted = result.samples.len() + result.failures.len();
    Some(format!(
        "{}: one-time setup {}, {} per child over its {counted} children",
        result.method,
        duration(result.setup_ns),
        duration(per_child)
    ))
}

/// `pipe at 4 KiB: 3 of 20 children were outliers …`: the noise warning of each result that
/// has one.
pub fn warnings(results: &[MethodResult], environment: &Environment) -> Vec<String> {
    results
        .iter()
        .filter_map(|result| {
            let warning = noise_warning(result, environment)?;
            Some(format!(
                "{} at {}: {warning}",
                result.method,
                Size(result.payload_bytes)
            ))
        })
        .collect()
}

/// What made this result's figures noisy, in a sentence; `None` when all was quiet or no
/// child verified.
pub fn noise_warning(result: &MethodResult, environment: &Environment) -> Option<String> {
    result.summary()?;
    result
        .noise(machine_load(environment), machine_cpus(environment))
        .warning()
}

/// The outliers in a phrase: `2 high (1 far out)`, `none`.
pub fn outliers_phrase(result: &MethodResult) -> String {
    let outliers = result.outliers();
    if outliers.count() == 0 {
        return "none".into();
    }
    let mut parts = Vec::new();
    if outliers.low > 0 {
        parts.push(format!("{} low", outliers.low));
    }
    if outliers.high > 0 {
        parts.push(format!("{} high", outliers.high));
    }
    let far = match outliers.far {
        0 => String::new(),
        far => format!(" ({far} far out)"),
    };
    format!("{}{far}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_median_carries_its_interval_once_there_are_six_children() {
        let six = MethodResult::made_up("pipe", 8, &[1000, 1010, 1020, 1030, 1040, 2000]);
        // Six children: the interval is the smallest to the largest.
        assert_eq!(median_with_interval(&six).as_deref(), Some("1.02 µs ± 49%"));
        assert_eq!(interval_ends(&six), "1.00 µs … 2.00 µs");
        let five = MethodResult::made_up("pipe", 8, &[1000, 1010, 1020, 1030, 1040]);
        assert_eq!(median_with_interval(&five).as_deref(), Some("1.02 µs"));
        assert_eq!(interval_ends(&five), "needs 6 children");
        assert_eq!(plus_minus(0.015), "± 1.5%");
    }

    #[test]
    fn labels_say_what_a_figure_is_not() {
        let fork = MethodResult::made_up("fork", 4096, &[1000, 2000]);
        assert_eq!(throughput(&fork), None);
        assert_eq!(p99_phrase(&fork), "p99 needs 100 children");
        let memcpy = MethodResult::made_up("memcpy", 4096, &[1000]);
        assert_eq!(kernel(&memcpy, &Usage::default()), "— (memcpy makes no child)");
        let usage = Usage {
            user_ns: 782_000,
            ..Usage::default()
        };
        assert_eq!(
            kernel(&fork, &usage),
            "0 minor faults · 0 voluntary / 0 involuntary switches · CPU ~782 µs user, ~0 ns system (sampled)"
        );
        let mut shm = MethodResult::made_up("shm", 4096, &[1000; 100]);
        shm.setup_ns = 9_800_000;
        assert_eq!(
            setup_note(&shm).as_deref(),
            Some("shm: one-time setup 9.80 ms, 98.0 µs per child over its 100 children")
        );
        assert_eq!(p99_phrase(&shm), "p99 1.00 µs");
        // A setup that is a sliver of each child's time goes unsaid.
        shm.setup_ns = 900;
        assert_eq!(setup_note(&shm), None);
        shm.setup_ns = 9_800_000;
        assert_eq!(throughput(&shm).as_deref(), Some("4.1 GB/s"));
    }

    #[test]
    fn a_noisy_result_is_named_with_what_was_seen() {
        let quiet = MethodResult::made_up("pipe", 4096, &[1000; 20]);
        let mut times = vec![1000; 18];
        times.extend([9000, 9500]);
        let noisy = MethodResult::made_up("socket", 4096, &times);
        assert_eq!(outliers_phrase(&noisy), "2 high (2 far out)");
        assert_eq!(outliers_phrase(&quiet), "none");
        assert_eq!(
            warnings(&[quiet, noisy], &Environment::default()),
            ["socket at 4 KiB: 2 of 20 children were outliers (Tukey fences). These figures may be off: rerun on a quieter machine or with more children."]
        );
    }
}
