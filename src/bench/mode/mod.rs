//! The modes beyond one fresh child per payload: a living worker handed payload after payload
//! (`worker`), small messages echoed by a living child (`roundtrip`), and several children at
//! once (`pool`, `--parallel`). The runner hands a method run here when its plan asks for one
//! of them (`takes_over`); a fresh run with one child at a time stays the runner's own.

use std::sync::atomic::AtomicBool;

use super::env::Environment;
use super::event::{Event, RunId};
use super::fault::Fault;
use super::kind::Mode;
use super::method::Method;
use super::payload::Payload;
use super::plan::Plan;
use super::result::MethodResult;
use super::watchdog::Watchdog;
use conversation::Conversation;
use support::link_of;

pub mod conversation;
pub mod link;
pub mod living;
pub mod pool;
pub mod roundtrip;
pub mod support;
pub mod worker;

/// What a mode measures and why, for the explorer's teaching panel and `--help` readers.
pub fn teaching(mode: Mode) -> &'static str {
    match mode {
        Mode::Fresh => include_str!("../../../assets/modes/fresh.md"),
        Mode::Worker => include_str!("../../../assets/modes/worker.md"),
        Mode::Roundtrip => include_str!("../../../assets/modes/roundtrip.md"),
    }
}

/// What `--parallel` does, in the same voice.
pub const PARALLEL_TEACHING: &str = include_str!("../../../assets/modes/parallel.md");

/// Whether this plan's method runs go through `run` rather than the runner's fresh children.
pub fn takes_over(plan: &Plan) -> bool {
    plan.mode != Mode::Fresh
}

/// What a method run in a mode needs of the runner.
pub struct Context<'a> {
    pub run: RunId,
    /// The method's place in the plan.
    pub index: usize,
    pub method: &'a dyn Method,
    pub plan: &'a Plan,
    pub payload: &'a Payload,
    pub env: &'a Environment,
    /// The runner's watchdog: its cancel flag is the run's, which every lane's watchdog obeys.
    pub watchdog: &'a Watchdog,
    pub cancel: &'a AtomicBool,
    pub fault: Option<Fault>,
}

/// Runs one method in the plan's mode; the result carries a `live::LiveRecord`.
pub fn run(context: &Context<'_>, emit: &mut dyn FnMut(Event)) -> MethodResult {
    pool::run(context, emit)
}

/// The plan's conversation, checked once on the runner's thread.
pub fn make_conversation<'a>(context: &Context<'a>) -> Result<Box<dyn Conversation + 'a>, String> {
    link_of(context.method)
        .ok_or_else(|| format!("{} has no link for a living child", context.method.id()))?;
    match context.plan.mode {
        Mode::Roundtrip => Ok(Box::new(roundtrip::Echo::new(context.plan.message as usize))),
        Mode::Worker => worker::Handing::new(context).map(|handing| Box::new(handing) as Box<_>),
        Mode::Fresh => Err("fresh children are the runner's own".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_teaches_what_it_measures_and_the_worker_says_why_inheriting_is_refused() {
        for mode in Mode::ALL {
            let text = teaching(mode);
            assert!(text.starts_with(&format!("# {}: ", mode.name())), "{mode:?}");
            assert!(text.len() > 300, "{mode:?}");
        }
        let worker = teaching(Mode::Worker);
        assert!(worker.contains("Inheriting happens once, when the child is made"));
        assert!(
            worker.contains("fork") && worker.contains("exit"),
            "why fresh and worker differ"
        );
        assert!(PARALLEL_TEACHING.starts_with("# parallel: "));
    }
}
