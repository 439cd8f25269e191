//! `ipcscope placement`: each method's median per child for every placement class the machine
//! has, with each column's ratio to the first (the same CPU), as a table or as JSON.

use serde::Serialize;

use super::duration;
use crate::bench::matrix::Column;
use crate::bench::result::MethodResult;

/// What the placement command measured: the columns and, per column, the results of its run.
pub struct Matrix {
    pub columns: Vec<(Column, Vec<MethodResult>)>,
}

#[derive(Serialize)]
struct JsonMatrix<'a> {
    ipcscope: &'static str,
    columns: Vec<&'a Column>,
    /// Per method: its median per child in each column (`null` where no child verified), and
    /// each column's median over the first column's.
    rows: Vec<JsonRow>,
}

#[derive(Serialize)]
struct JsonRow {
    method: String,
    median_ns: Vec<Option<u64>>,
    ratio_to_first: Vec<Option<f64>>,
    failures: Vec<usize>,
}

impl Matrix {
    /// The methods in the order the first column ran them.
    fn methods(&self) -> Vec<&str> {
        self.columns
            .first()
            .map(|(_, results)| results.iter().map(|result| result.method.as_str()).collect())
            .unwrap_or_default()
    }

    fn find(&self, column: usize, method: &str) -> Option<&MethodResult> {
        self.columns[column]
            .1
            .iter()
            .find(|result| result.method == method)
    }

    fn rows(&self) -> Vec<JsonRow> {
        self.methods()
            .into_iter()
            .map(|method| {
                let medians: Vec<Option<u64>> = (0..self.columns.len())
                    .map(|column| Some(self.find(column, method)?.summary()?.median))
                    .collect();
                let first = medians.first().copied().flatten().filter(|&median| median > 0);
                JsonRow {
                    method: method.to_string(),
                    ratio_to_first: medians
                        .iter()
                        .map(|median| Some(median.as_ref().copied()? as f64 / first? as f64))
                        .collect(),
                    failures: (0..self.columns.len())
                        .map(|column| {
                            self.find(column, method)
                                .map_or(0, |result| result.failures.len())
                        })
                        .collect(),
                    median_ns: medians,
                }
            })
            .collect()
    }

    pub fn json(&self) -> serde_json::Result<String> {
        let matrix = JsonMatrix {
            ipcscope: env!("CARGO_PKG_VERSION"),
            columns: self.columns.iter().map(|(column, _)| column).collect(),
            rows: self.rows(),
        };
        let mut text = serde_json::to_string_pretty(&matrix)?;
        text.push('\n');
        Ok(text)
    }

    /// One line per method: its median in each column, and beside every column after the first
    /// its ratio to the first.
    pub fn table(&self) -> String {
        let headers: Vec<String> = std::iter::once("Method".to_string())
            .chain(self.columns.iter().map(|(column, _)| {
                format!("{} ({},{})", column.class, column.cpus.parent, column.cpus.child)
            }))
            .collect();
        let mut lines = vec![headers];
        for row in self.rows() {
            let mut cells = vec![row.method.clone()];
            for (at, median) in row.median_ns.iter().enumerate() {
                let figure = median.map_or_else(|| "—".to_string(), duration);
                cells.push(match (at, row.ratio_to_first[at]) {
                    (0, _) | (_, None) => figure,
                    (_, Some(ratio)) => format!("{figure} ({ratio:.2}×)"),
                });
            }
            lines.push(cells);
        }
        let widths: Vec<usize> = (0..lines[0].len())
            .map(|cell| {
                lines
                    .iter()
                    .map(|line| line[cell].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut text = String::new();
        for line in &lines {
            let cells: Vec<String> = line
                .iter()
                .zip(&widths)
                .map(|(cell, &width)| format!("{cell:<width$}"))
                .collect();
            text.push_str(cells.join("  ").trim_end());
            text.push('\n');
        }
        text.push_str(
            "Median time per child; (N×): against the first column, parent and child on one CPU.\n",
        );
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::placement::CpuPair;
    use crate::bench::topology::PlacementClass;

    fn matrix() -> Matrix {
        let column = |class, parent, child| Column {
            class,
            cpus: CpuPair { parent, child },
        };
        Matrix {
            columns: vec![
                (
                    column(PlacementClass::Same, 0, 0),
                    vec![
                        MethodResult::made_up("pipe", 4096, &[3_000_000, 3_000_000, 3_000_000]),
                        MethodResult::made_up("inherit", 4096, &[1000, 1000, 1000]),
                    ],
                ),
                (
                    column(PlacementClass::OtherCore, 0, 1),
                    vec![
                        MethodResult::made_up("pipe", 4096, &[6_000_000, 6_000_000, 6_000_000]),
                        MethodResult::made_up("inherit", 4096, &[]),
                    ],
                ),
            ],
        }
    }

    #[test]
    fn the_table_has_a_column_per_class_with_ratios_to_the_first() {
        let table = matrix().table();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "Method   same CPU (0,0)  other core (0,1)");
        assert_eq!(lines[1], "pipe     3.00 ms         6.00 ms (2.00×)");
        assert_eq!(lines[2], "inherit  1.00 µs         —");
    }

    #[test]
    fn the_json_has_each_methods_medians_and_ratios() {
        let json: serde_json::Value = serde_json::from_str(&matrix().json().unwrap()).unwrap();
        assert_eq!(json["columns"][1]["class"], "other core");
        assert_eq!(json["columns"][1]["placement"], "0,1");
        assert_eq!(
            json["rows"][0]["median_ns"],
            serde_json::json!([3_000_000, 6_000_000])
        );
        assert_eq!(json["rows"][0]["ratio_to_first"], serde_json::json!([1.0, 2.0]));
        assert_eq!(json["rows"][1]["median_ns"], serde_json::json!([1000, null]));
    }
}
