//! A plan whose py-* methods cannot run here: what is left of it, and what was left out.

use super::Availability;
use crate::bench::method::MethodRef;
use crate::bench::plan::Plan;

/// A method asked for that could not run here, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    pub method: String,
    pub reason: String,
}

/// `plan` with its py-* methods left out when no usable python3 is there, and what was left
/// out; an error (the reason) when only py-* methods were asked for.
pub fn without_unavailable(mut plan: Plan) -> Result<(Plan, Vec<Skipped>), String> {
    if plan.methods.iter().all(|method| method.python().is_none()) {
        return Ok((plan, Vec::new()));
    }
    let Availability::Unavailable(why) =
        Availability::check(plan.python.as_deref().map(|path| path.as_os_str()))
    else {
        return Ok((plan, Vec::new()));
    };
    let (python, rust): (Vec<MethodRef>, Vec<MethodRef>) =
        plan.methods.iter().partition(|method| method.python().is_some());
    if rust.is_empty() {
        return Err(format!("the py-* methods cannot run: {why}"));
    }
    plan.methods = rust;
    let reason = why.to_string();
    let skipped = python
        .iter()
        .map(|method| Skipped {
            method: method.id().to_string(),
            reason: reason.clone(),
        })
        .collect();
    Ok((plan, skipped))
}
