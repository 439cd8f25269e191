//! The placement matrix: the same methods measured with the parent and child pinned to one
//! pair of CPUs for every class of nearness the machine has (same CPU, SMT sibling, shared
//! cache, other core, other NUMA node).

use serde::Serialize;

use super::placement::{CpuPair, Placement};
use super::plan::Plan;
use super::topology::{allowed_cpus, PlacementClass, Topology};

/// One column of the matrix: a class of nearness and the CPUs that stand for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub class: PlacementClass,
    pub cpus: CpuPair,
}

impl Column {
    /// `base` pinned to this column's CPUs.
    pub fn plan(&self, base: &Plan) -> Plan {
        Plan {
            placement: Placement::Pinned {
                parent: self.cpus.parent,
                child: self.cpus.child,
            },
            ..base.clone()
        }
    }
}

impl Serialize for Column {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut column = serializer.serialize_struct("Column", 2)?;
        column.serialize_field("class", &self.class.to_string())?;
        column.serialize_field("placement", &format!("{},{}", self.cpus.parent, self.cpus.child))?;
        column.end()
    }
}

/// The columns this machine has, nearest first, from the CPUs this process may use.
pub fn columns() -> Result<Vec<Column>, String> {
    let topology = Topology::read_system().map_err(|error| error.to_string())?;
    let allowed = allowed_cpus().map_err(|errno| format!("reading the affinity mask: {errno}"))?;
    Ok(topology
        .representative_pairs(&allowed)
        .into_iter()
        .map(|(class, (parent, child))| Column {
            class,
            cpus: CpuPair { parent, child },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_has_a_same_cpu_column_first_and_each_column_pins_its_pair() {
        let columns = columns().unwrap();
        assert_eq!(columns[0].class, PlacementClass::Same);
        assert_eq!(columns[0].cpus.parent, columns[0].cpus.child);
        for column in &columns[1..] {
            assert_ne!(column.cpus.parent, column.cpus.child, "{column:?}");
        }
        let plan = columns[0].plan(&Plan::default());
        assert_eq!(
            plan.placement,
            Placement::Pinned {
                parent: columns[0].cpus.parent,
                child: columns[0].cpus.child
            }
        );
        assert_eq!(plan.cpu_pair(), Ok(Some(columns[0].cpus)));
    }
}
