//! `--py-verify`: what a py-* child checks of the payload it got.

use super::Setting;
use crate::bench::plan::Plan;
use crate::bench::python::PyVerify as Verify;

pub struct PyVerify;

impl Setting for PyVerify {
    fn id(&self) -> &'static str {
        "py-verify"
    }
    fn value_name(&self) -> &'static str {
        "light|full"
    }
    fn help(&self) -> &'static str {
        "What a py-* child checks: light (length, first and last element, as cheap as the tutorial's own child) or full (every element against the parent's checksum, timed as the verify phase: reading each object writes its reference count, so copy-on-write copies an inherited list) [default: light]"
    }
    fn about(&self) -> &'static str {
        "py-* children: light checks length, first, last; full every element (CoW copies)."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.py_verify = Verify::parse(text)?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan.py_verify.name().into()
    }
    fn choices(&self) -> &'static [&'static str] {
        &["light", "full"]
    }
    /// Set from the command line (`ipcscope --py-verify full`), not among the explorer's rows.
    fn in_explorer(&self) -> bool {
        false
    }
    fn identifies(&self) -> bool {
        true
    }
    /// Said only where a py-* method runs.
    fn brief(&self, plan: &Plan) -> Option<String> {
        plan.methods
            .iter()
            .any(|method| method.python().is_some())
            .then(|| format!("py-verify {}", plan.py_verify.name()))
    }
}
