//! `--python`: the interpreter that runs the py-* methods.

use super::Setting;
use crate::bench::plan::Plan;

pub struct Python;

/// What `show` says when no interpreter is named: `python3` looked up on `PATH`.
const DEFAULT: &str = "python3";

impl Setting for Python {
    fn id(&self) -> &'static str {
        "python"
    }
    fn value_name(&self) -> &'static str {
        "PATH"
    }
    fn help(&self) -> &'static str {
        "The Python 3.8+ that runs the py-* methods: a path, or a name looked up on PATH [default: python3]"
    }
    fn about(&self) -> &'static str {
        "The interpreter of the py-* methods: a path, or a name looked up on PATH."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("name an interpreter, e.g. python3 or /usr/bin/python3".into());
        }
        plan.python = (text != DEFAULT).then(|| Box::new(text.into()));
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan.python
            .as_ref()
            .map_or_else(|| DEFAULT.into(), |path| path.display().to_string())
    }
    fn in_explorer(&self) -> bool {
        false
    }
    fn brief(&self, _plan: &Plan) -> Option<String> {
        None
    }
}
