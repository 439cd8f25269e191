//! Page faults tell which children copy the payload into memory of their own.
//!
//! Alone in its binary on purpose: a fork by another test thread would share the parent's
//! pages copy-on-write, and pages the kernel must then unshare for `cma` add faults that
//! belong to no method.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use ipcscope::bench::memory::set_huge_buffers;
use ipcscope::bench::method;
use ipcscope::bench::plan::{Access, Codec, PayloadKind, Plan};
use ipcscope::bench::runner::run_plan;

#[test]
fn page_faults_show_which_children_copy_the_payload() {
    let size = 4_000_000;
    let pages = size / 4096;
    // 4 KiB pages, so that a page fault stands for 4 KiB copied into fresh memory.
    set_huge_buffers(false);
    let plan = Plan {
        methods: ["shm", "pipe", "cma"]
            .iter()
            .filter_map(|id| method::find(id))
            .collect(),
        payload: PayloadKind::Bytes,
        size,
        codec: Codec::Raw,
        access: Access::Read,
        repeats: 3,
        // One warm-up child each: cma's first child after other methods' forks finds the
        // parent's pages still marked shared, and the kernel re-marks them (faults, no copies).
        warmup: 1,
        timeout: None,
        ..Plan::default()
    };
    let results = run_plan(&plan, 1, &Arc::new(AtomicBool::new(false)), &mut |_| {});
    let faults: Vec<u64> = results
        .iter()
        .map(|result| {
            assert!(
                result.failures.is_empty(),
                "{}: {:?}",
                result.method,
                result.failures
            );
            assert_eq!(result.samples.len(), 3, "{}", result.method);
            result.usage_median().minor_faults
        })
        .collect();
    assert_eq!(faults.len(), 3, "one result per method");
    assert!(faults[0] < pages / 4, "shm reads in place: {faults:?}");
    assert!(faults[1] >= pages, "pipe copies into fresh pages: {faults:?}");
    assert!(
        faults[2] >= pages && faults[2] < pages * 3 / 2,
        "cma copies once, not twice: {faults:?}"
    );
}
