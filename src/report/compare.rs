//! `ipcscope compare`: saved JSON results side by side, matched by method, payload, codec and
//! size, with each one's ratio to the first (the baseline). This file loads and matches; each
//! format's `Exporter` renders the comparison. Loading and matching are pure, so the explorer
//! can load a saved result as its baseline too.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use serde::Serialize;

use super::difference::Difference;
use super::saved::{JsonReport, JsonResult};
use crate::bench::plan::{Codec, PayloadKind, Plan, Size};
use crate::bench::result::MethodResult;
use crate::bench::setting;

/// What makes two results the same experiment: method, payload, codec, size, and the value
/// of every setting that names an experiment (access, …; `setting::identifying`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Key {
    pub method: String,
    pub payload: PayloadKind,
    pub codec: Option<Codec>,
    pub payload_bytes: u64,
    /// Each identifying setting's value, by setting id (a key of its own in JSON).
    #[serde(flatten)]
    pub conditions: BTreeMap<&'static str, String>,
}

impl Key {
    /// The identifying settings' values as `value_of` gives them, or their defaults.
    fn conditions_of(value_of: impl Fn(&str) -> Option<String>) -> BTreeMap<&'static str, String> {
        setting::identifying()
            .map(|setting| {
                let value = value_of(setting.id()).unwrap_or_else(|| setting.show(&Plan::default()));
                (setting.id(), value)
            })
            .collect()
    }
}

impl From<&JsonResult> for Key {
    fn from(result: &JsonResult) -> Key {
        Key {
            method: result.method.clone(),
            payload: result.payload,
            codec: result.codec,
            payload_bytes: result.payload_bytes,
            conditions: Key::conditions_of(|id| {
                result.conditions.get(id).map(|value| match value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
            }),
        }
    }
}

impl From<&MethodResult> for Key {
    fn from(result: &MethodResult) -> Key {
        Key {
            method: result.method.clone(),
            payload: result.payload,
            codec: result.codec,
            payload_bytes: result.payload_bytes,
            conditions: Key::conditions_of(|id| result.conditions.get(id).cloned()),
        }
    }
}

impl fmt::Display for Key {
    /// `pipe · 8 MB ints · bincode`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} · {} {} · {}",
            self.method,
            Size(self.payload_bytes),
            self.payload.name(),
            self.codec.map_or("no codec", Codec::name)
        )?;
        // Only what differs from the defaults: most comparisons are of default conditions.
        let defaults = Key::conditions_of(|_| None);
        for ((_, value), (_, default)) in self.conditions.iter().zip(&defaults) {
            if value != default {
                write!(f, " · {value}")?;
            }
        }
        Ok(())
    }
}

/// A saved report and the file it came from.
#[derive(Clone, Debug)]
pub struct Saved {
    pub name: String,
    pub report: JsonReport,
}

/// Reads a report that `run -f json` or `sweep -f json` wrote; the error names the file and
/// what is wrong with it.
pub fn load(path: &Path) -> Result<Saved, String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| format!("cannot read {name}: {error}"))?;
    let report = serde_json::from_slice::<JsonReport>(&bytes).map_err(|error| {
        use serde_json::error::Category;
        match error.classify() {
            Category::Syntax | Category::Eof => format!("{name} is not JSON: {error}"),
            Category::Data => format!(
                "{name} is not an ipcscope result (what `ipcscope run -f json` or `ipcscope sweep -f json` writes): {error}"
            ),
            Category::Io => format!("cannot read {name}: {error}"),
        }
    })?;
    Ok(Saved { name, report })
}

/// The saved result that matches `result`, for a live run compared with a baseline.
pub fn baseline_for<'a>(baseline: &'a JsonReport, result: &MethodResult) -> Option<&'a JsonResult> {
    let key = Key::from(result);
    baseline.results.iter().find(|saved| Key::from(*saved) == key)
}

/// One experiment across the files: its result in each, where it has one.
#[derive(Clone, Debug)]
pub struct Row {
    pub key: Key,
    /// Index `i` holds file `i`'s result.
    pub results: Vec<Option<JsonResult>>,
}

impl Row {
    pub fn median(&self, file: usize) -> Option<u64> {
        self.results
            .get(file)?
            .as_ref()?
            .per_child_ns
            .map(|per_child| per_child.summary.median)
    }

    /// File `file`'s median over the baseline's (file 0's): above 1 is slower than the baseline.
    pub fn ratio(&self, file: usize) -> Option<f64> {
        let baseline = self.median(0).filter(|&median| median > 0)?;
        Some(self.median(file)? as f64 / baseline as f64)
    }

    /// Whether file `file`'s children differ from the baseline's beyond noise (Mann–Whitney
    /// on their saved times); `None` for the baseline itself or where either lacks the experiment.
    pub fn difference(&self, file: usize) -> Option<Difference> {
        if file == 0 {
            return None;
        }
        let baseline = self.results.first()?.as_ref()?;
        let this = self.results.get(file)?.as_ref()?;
        Some(Difference::between(&baseline.samples_ns, &this.samples_ns))
    }

    /// Whether any file differs from the baseline beyond noise.
    pub fn significant(&self) -> bool {
        (1..self.results.len()).any(|file| self.difference(file).is_some_and(Difference::is_significant))
    }

    /// Found in more than one file.
    pub fn is_matched(&self) -> bool {
        self.results.iter().flatten().count() > 1
    }
}

/// Every experiment of every file, in the order first seen (the baseline's first).
#[derive(Clone, Debug)]
pub struct Comparison {
    pub files: Vec<Saved>,
    pub rows: Vec<Row>,
}

impl Comparison {
    /// Matches the results of `files` by `Key`. A file that has one experiment twice (a method
    /// listed twice) matches its first with the other files' first, its second with their second.
    pub fn of(files: Vec<Saved>) -> Comparison {
        let mut rows: Vec<(Row, usize)> = Vec::new();
        for (file, saved) in files.iter().enumerate() {
            let mut seen: HashMap<Key, usize> = HashMap::new();
            for result in &saved.report.results {
                let key = Key::from(result);
                let occurrence = seen.entry(key.clone()).or_default();
                let existing = rows
                    .iter_mut()
                    .find(|(row, nth)| row.key == key && nth == occurrence);
                match existing {
                    Some((row, _)) => row.results[file] = Some(result.clone()),
                    None => {
                        let mut results = vec![None; files.len()];
                        results[file] = Some(result.clone());
                        rows.push((Row { key, results }, *occurrence));
                    }
                }
                *occurrence += 1;
            }
        }
        Comparison {
            files,
            rows: rows.into_iter().map(|(row, _)| row).collect(),
        }
    }

    pub fn matched(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|row| row.is_matched())
    }

    pub fn unmatched(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|row| !row.is_matched())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::env::Environment;
    use crate::report::facts::only_in;
    use crate::report::{render_comparison, Format, RunOutput};

    fn saved(name: &str, results: Vec<MethodResult>) -> Saved {
        let output = RunOutput {
            environment: Environment::default(),
            results,
            partial: false,
            in_progress: None,
            skipped: Vec::new(),
        };
        Saved {
            name: name.into(),
            report: JsonReport::of(&output),
        }
    }

    #[test]
    fn results_match_by_method_payload_codec_and_size_with_ratios_to_the_baseline() {
        let a = saved(
            "a.json",
            vec![
                MethodResult::made_up("pipe", 4096, &[100]),
                MethodResult::made_up("inherit", 4096, &[50]),
                MethodResult::made_up("queue", 4096, &[300]),
            ],
        );
        let mut raw_pipe = MethodResult::made_up("pipe", 4096, &[90]);
        raw_pipe.codec = Some(Codec::Raw);
        let b = saved(
            "b.json",
            vec![
                MethodResult::made_up("inherit", 4096, &[75]),
                MethodResult::made_up("pipe", 4096, &[250]),
                // Same method, other size or codec: not the same experiment.
                MethodResult::made_up("pipe", 8192, &[400]),
                raw_pipe,
            ],
        );
        let comparison = Comparison::of(vec![a, b]);
        let matched: Vec<String> = comparison
            .matched()
            .map(|row| {
                format!(
                    "{}: {:?} {:?} {:?}",
                    row.key,
                    row.median(0),
                    row.median(1),
                    row.ratio(1)
                )
            })
            .collect();
        assert_eq!(
            matched,
            [
                "pipe · 4 KiB ints · bincode: Some(100) Some(250) Some(2.5)",
                "inherit · 4 KiB ints · no codec: Some(50) Some(75) Some(1.5)",
            ]
        );
        let unmatched: Vec<String> = comparison
            .unmatched()
            .map(|row| only_in(&comparison, row))
            .collect();
        assert_eq!(
            unmatched,
            [
                "queue · 4 KiB ints · bincode: only in a.json (300 ns)",
                "pipe · 8 KiB ints · bincode: only in b.json (400 ns)",
                "pipe · 4 KiB ints · raw: only in b.json (90 ns)",
            ]
        );
        let table = render_comparison(Format::Table, &comparison).unwrap();
        assert!(table.contains("250 ns · 2.50×"), "{table}");
        assert!(table.contains("Unmatched (in one file only)"), "{table}");
    }

    #[test]
    fn each_file_is_said_to_differ_from_the_baseline_beyond_noise_or_not() {
        let times = |base: u64| -> Vec<u64> { (0..20).map(|i| base + i * 10).collect() };
        let comparison = Comparison::of(vec![
            saved(
                "a",
                vec![
                    MethodResult::made_up("pipe", 8, &times(1000)),
                    MethodResult::made_up("inherit", 8, &times(1000)),
                    MethodResult::made_up("queue", 8, &[10, 20, 30]),
                ],
            ),
            saved(
                "b",
                vec![
                    // Slower by half the spread: beyond noise at twenty children each.
                    MethodResult::made_up("pipe", 8, &times(1100)),
                    // The same times in another order.
                    MethodResult::made_up("inherit", 8, &times(1000).into_iter().rev().collect::<Vec<_>>()),
                    MethodResult::made_up("queue", 8, &[100, 200, 300]),
                ],
            ),
        ]);
        let verdicts: Vec<(Option<Difference>, Option<Difference>, bool)> = comparison
            .matched()
            .map(|row| (row.difference(0), row.difference(1), row.significant()))
            .collect();
        assert_eq!(
            verdicts,
            [
                (None, Some(Difference::Significant), true),
                (None, Some(Difference::Noise), false),
                (None, Some(Difference::TooFew), false),
            ]
        );
        let table = render_comparison(Format::Table, &comparison).unwrap();
        for cell in [
            "1.20 µs · 1.09×\n",
            "1.09 µs · 1.00× (noise)",
            "200 ns · 10.0× (too few)",
        ] {
            assert!(table.contains(cell), "{cell}: {table}");
        }
        let json: serde_json::Value =
            serde_json::from_str(&render_comparison(Format::Json, &comparison).unwrap()).unwrap();
        let significant: Vec<(&serde_json::Value, &serde_json::Value)> = json["matched"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| (&row["significant"], &row["runs"][1]["significant"]))
            .collect();
        let (yes, no) = (serde_json::json!(true), serde_json::json!(false));
        assert_eq!(significant, [(&yes, &yes), (&no, &no), (&no, &no)]);
    }

    #[test]
    fn a_repeated_method_matches_in_order_and_a_failed_baseline_has_no_ratio() {
        let a = saved(
            "a",
            vec![
                MethodResult::made_up("pipe", 8, &[10]),
                MethodResult::made_up("pipe", 8, &[20]),
                MethodResult::made_up("inherit", 8, &[]),
            ],
        );
        let b = saved(
            "b",
            vec![
                MethodResult::made_up("pipe", 8, &[30]),
                MethodResult::made_up("pipe", 8, &[80]),
                MethodResult::made_up("inherit", 8, &[5]),
            ],
        );
        let comparison = Comparison::of(vec![a, b]);
        let ratios: Vec<Option<f64>> = comparison.matched().map(|row| row.ratio(1)).collect();
        assert_eq!(ratios, [Some(3.0), Some(4.0), None]);
        assert_eq!(comparison.unmatched().count(), 0);
    }

    #[test]
    fn a_read_run_never_matches_a_write_run_and_an_older_file_counts_as_the_defaults() {
        let mut written = MethodResult::made_up("pipe", 8, &[30]);
        written.conditions.insert("access".into(), "write".into());
        let read = saved("read", vec![MethodResult::made_up("pipe", 8, &[10])]);
        let write = saved("write", vec![written]);
        let comparison = Comparison::of(vec![read.clone(), write]);
        assert_eq!(
            comparison.matched().count(),
            0,
            "read and write are two experiments"
        );
        assert_eq!(comparison.unmatched().count(), 2);
        let shown: Vec<String> = comparison.unmatched().map(|row| row.key.to_string()).collect();
        assert!(shown.iter().any(|key| key.ends_with("· write")), "{shown:?}");

        // A file saved before `access` was a key of its own was measured reading.
        let mut older = read.clone();
        older.report.results[0].conditions.clear();
        let comparison = Comparison::of(vec![read, older]);
        assert_eq!(comparison.matched().count(), 1);
    }

    #[test]
    fn the_baseline_for_a_live_result_is_its_saved_twin() {
        let live = MethodResult::made_up("pipe", 4096, &[1]);
        let file = saved(
            "base",
            vec![
                MethodResult::made_up("pipe", 8192, &[7]),
                MethodResult::made_up("pipe", 4096, &[9]),
            ],
        );
        let twin = baseline_for(&file.report, &live).unwrap();
        assert_eq!(twin.samples_ns, [9]);
        assert!(baseline_for(&file.report, &MethodResult::made_up("queue", 4096, &[1])).is_none());
    }

    #[test]
    fn bad_files_name_the_file_and_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.json");
        assert!(load(&missing)
            .unwrap_err()
            .starts_with(&format!("cannot read {}", missing.display())));
        let garbage = dir.path().join("garbage.json");
        std::fs::write(&garbage, "pipe 12 ms").unwrap();
        let error = load(&garbage).unwrap_err();
        assert!(error.contains("garbage.json is not JSON"), "{error}");
        let shape = dir.path().join("shape.json");
        std::fs::write(&shape, r#"{"ipcscope": "0.1.0", "rows": []}"#).unwrap();
        let error = load(&shape).unwrap_err();
        assert!(
            error.contains("shape.json is not an ipcscope result") && error.contains("missing field"),
            "{error}"
        );
    }

    #[test]
    fn every_format_renders_a_comparison() {
        let comparison = Comparison::of(vec![
            saved("a", vec![MethodResult::made_up("pipe", 8, &[10])]),
            saved("b", vec![MethodResult::made_up("pipe", 8, &[15])]),
        ]);
        let json: serde_json::Value =
            serde_json::from_str(&render_comparison(Format::Json, &comparison).unwrap()).unwrap();
        assert_eq!(json["matched"][0]["method"], "pipe");
        assert_eq!(json["matched"][0]["runs"][1]["ratio_to_baseline"], 1.5);
        assert_eq!(json["unmatched"].as_array().map(Vec::len), Some(0));
        let csv = render_comparison(Format::Csv, &comparison).unwrap();
        assert_eq!(csv.lines().count(), 3, "{csv}");
        assert!(csv.lines().nth(2).unwrap().contains(",b,15,1.500,"), "{csv}");
        let markdown = render_comparison(Format::Markdown, &comparison).unwrap();
        assert!(
            markdown.contains("| pipe · 8 B ints · bincode | 10 ns | 15 ns · 1.50× (too few) |"),
            "{markdown}"
        );
    }
}
