//! Headless output, one file per format. Every format renders the same `RunOutput`.

use crate::bench::env::Environment;
use crate::bench::plan::Size;
use crate::bench::result::MethodResult;
use crate::cli::Format;

pub mod csv;
pub mod json;
pub mod markdown;
pub mod table;

/// What a run measured, ready to be written out.
#[derive(Clone, Debug)]
pub struct RunOutput {
    pub environment: Environment,
    pub results: Vec<MethodResult>,
    /// The run was interrupted: not every child ran.
    pub partial: bool,
}

impl RunOutput {
    /// Counted children that failed, over every method.
    pub fn failures(&self) -> usize {
        self.results.iter().map(|result| result.failures.len()).sum()
    }
}

pub fn render(format: Format, output: &RunOutput) -> color_eyre::Result<String> {
    Ok(match format {
        Format::Table => table::render(output),
        Format::Json => json::render(output)?,
        Format::Csv => csv::render(output)?,
        Format::Markdown => markdown::render(output),
    })
}

/// A duration in the unit that reads best: `412 ns`, `12.3 µs`, `4.56 ms`, `1.23 s`.
pub fn duration(nanos: u64) -> String {
    let value = nanos as f64;
    let (scaled, unit) = match nanos {
        0..=999 => return format!("{nanos} ns"),
        1_000..=999_999 => (value / 1e3, "µs"),
        1_000_000..=999_999_999 => (value / 1e6, "ms"),
        _ => (value / 1e9, "s"),
    };
    if scaled >= 100.0 {
        format!("{scaled:.0} {unit}")
    } else if scaled >= 10.0 {
        format!("{scaled:.1} {unit}")
    } else {
        format!("{scaled:.2} {unit}")
    }
}

/// Bytes per second in decimal units: `812 MB/s`, `19.4 GB/s`.
pub fn rate(bytes_per_second: u64) -> String {
    let value = bytes_per_second as f64;
    let (scaled, unit) = match bytes_per_second {
        0..=999_999 => (value / 1e3, "KB/s"),
        1_000_000..=999_999_999 => (value / 1e6, "MB/s"),
        _ => (value / 1e9, "GB/s"),
    };
    format!("{scaled:.1} {unit}")
}

/// `29.3×`, `1.01×`.
pub fn ratio(ratio: f64) -> String {
    if ratio >= 10.0 {
        format!("{ratio:.1}×")
    } else {
        format!("{ratio:.2}×")
    }
}

/// A result's title line: `pipe · 8 MB ints · bincode`.
pub fn describe(result: &MethodResult) -> String {
    let codec = result
        .codec
        .map_or("no codec".to_string(), |codec| codec.name().to_string());
    format!(
        "{} · {} {} · {}",
        result.method,
        Size(result.payload_bytes),
        result.payload.name(),
        codec
    )
}

/// `ipcscope methods`: every method's id and one-line explanation.
pub fn methods() -> String {
    let width = crate::bench::method::ALL
        .iter()
        .map(|method| method.id().len())
        .max()
        .unwrap_or(0);
    crate::bench::method::ALL
        .iter()
        .map(|method| format!("{:<width$}  {}\n", method.id(), method.summary()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(412), "412 ns");
        assert_eq!(duration(12_345), "12.3 µs");
        assert_eq!(duration(4_561_000), "4.56 ms");
        assert_eq!(duration(123_000_000), "123 ms");
        assert_eq!(duration(1_230_000_000), "1.23 s");
    }

    #[test]
    fn rates_and_ratios_read_well() {
        assert_eq!(rate(19_400_000_000), "19.4 GB/s");
        assert_eq!(rate(812_000_000), "812.0 MB/s");
        assert_eq!(ratio(29.26), "29.3×");
        assert_eq!(ratio(1.012), "1.01×");
    }
}
