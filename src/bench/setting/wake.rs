//! `--wake`: how the side waiting on shared memory learns its turn (`shm` in the worker and
//! roundtrip modes): asleep in a futex, or spinning on the word. An option of `shm` rather than
//! a method of its own, because the channel is the same: only the waiting differs.

use super::Setting;
use crate::bench::plan::{self, Plan};

pub struct Wake;

impl Setting for Wake {
    fn id(&self) -> &'static str {
        "wake"
    }
    fn value_name(&self) -> &'static str {
        "futex|spin"
    }
    fn help(&self) -> &'static str {
        "How shm's waiting side learns its turn in --mode worker or roundtrip: futex (sleeps, woken by a system call) or spin (burns its core polling) [default: futex]"
    }
    fn about(&self) -> &'static str {
        "shm (worker, roundtrip): futex sleeps and is woken; spin burns a core."
    }
    fn parse(&self, text: &str, plan: &mut Plan) -> Result<(), String> {
        plan.wake = plan::Wake::parse(text)?;
        Ok(())
    }
    fn show(&self, plan: &Plan) -> String {
        plan.wake.name().into()
    }
    fn choices(&self) -> &'static [&'static str] {
        &["futex", "spin"]
    }
    fn identifies(&self) -> bool {
        true
    }
    fn brief(&self, plan: &Plan) -> Option<String> {
        (plan.wake != plan::Wake::Futex).then(|| format!("{} wake", self.show(plan)))
    }
}
