//! Living children, one lane each (`--parallel P` lanes at once): each lane makes its child,
//! talks to it item after item (a handover or a round trip, see `Conversation`), replaces it
//! when it dies, hangs or corrupts, and ends it when the run is done or cancelled. The
//! runner's thread gathers what the lanes find and emits it.

use std::os::fd::OwnedFd;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Sender};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use nix::fcntl::OFlag;
use nix::unistd::Pid;

use super::super::event::Event;
use super::super::kind::Mode;
use super::super::live::{LaneTotals, Latency, LiveRecord};
use super::super::receipt::now_ns;
use super::super::result::{Failure, MethodResult, Reason, Sample};
use super::super::watchdog::Watchdog;
use super::conversation::Conversation;
use super::link::{self, End};
use super::living::{self, fork_living, FORK_LOCK};
use super::support::link_of;
use super::{make_conversation, Context};

/// Items kept one by one in a result, across its lanes: the histogram is the record beyond.
pub const KEEP_SAMPLES: usize = 100_000;
/// How often, at most, a lane sends what it found.
const NEWS_INTERVAL: Duration = Duration::from_millis(50);
/// The histogram's range: 1 ns to an hour, at 3 significant digits (a fixed 200 KB or so).
const HISTOGRAM_MAX_NS: u64 = 3_600_000_000_000;

/// What a lane tells the runner's thread, a few times a second.
#[derive(Default)]
struct News {
    samples: Vec<Sample>,
    failures: Vec<Failure>,
    warmup_done: u32,
    done: u32,
}

/// What a lane found in all.
struct LaneOutcome {
    histogram: Histogram<u64>,
    spawn_ns: Vec<u64>,
    /// Nanoseconds from the lane's first child to its last item.
    busy_ns: u64,
}

pub fn run(context: &Context<'_>, emit: &mut dyn FnMut(Event)) -> MethodResult {
    let plan = context.plan;
    let bytes = match plan.mode {
        Mode::Roundtrip => plan.message,
        Mode::Fresh | Mode::Worker => context.payload.bytes,
    };
    let mut result = MethodResult::new(context.method, plan, bytes);
    let conversation = match make_conversation(context) {
        Ok(conversation) => conversation,
        Err(problem) => {
            result.failures = (0..plan.repeats)
                .map(|child| Failure {
                    child,
                    reason: Reason::Setup(problem.clone()),
                })
                .collect();
            return result;
        }
    };
    result.phases = conversation.phases();
    result.wire_bytes = Some(conversation.sizes().0 as u64);
    emit(Event::MethodStarted {
        run: context.run,
        method: context.index,
    });
    let lanes = plan.parallel.max(1);
    let keep = KEEP_SAMPLES / lanes as usize;
    let (sender, receiver) = mpsc::channel::<News>();
    let started = Instant::now();
    let outcomes: Vec<Option<LaneOutcome>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..lanes)
            .map(|lane| {
                let sender = sender.clone();
                // Each lane has a conversation of its own, with its own buffers.
                scope.spawn(move || {
                    let mut own = make_conversation(context).ok()?;
                    run_lane(context, lane, &mut *own, keep, &sender)
                })
            })
            .collect();
        drop(sender);
        let (mut warmup_done, mut done) = (0, 0);
        for news in receiver {
            warmup_done += news.warmup_done;
            done += news.done;
            result.samples.extend(news.samples.iter().cloned());
            result.failures.extend(news.failures.iter().cloned());
            emit(Event::Samples {
                run: context.run,
                method: context.index,
                samples: news.samples,
                failures: news.failures,
            });
            emit(Event::Progress {
                run: context.run,
                method: context.index,
                warmup_done,
                done,
            });
        }
        handles
            .into_iter()
            .map(|handle| handle.join().ok().flatten())
            .collect()
    });
    let wall_ns = started.elapsed().as_nanos().max(1) as u64;
    result.failures.sort_by_key(|failure| failure.child);
    result.partial = context.cancel.load(Ordering::Relaxed);
    result.live = Some(Box::new(record(
        context,
        &*conversation,
        &outcomes,
        &result,
        wall_ns,
    )));
    result
}

/// Sums the lanes up.
fn record(
    context: &Context<'_>,
    conversation: &dyn Conversation,
    outcomes: &[Option<LaneOutcome>],
    result: &MethodResult,
    wall_ns: u64,
) -> LiveRecord {
    let per_sec = |items: u64, nanos: u64| (items as u128 * 1_000_000_000 / u128::from(nanos.max(1))) as u64;
    let mut all = empty_histogram();
    let mut lanes = Vec::new();
    let mut spawn_ns = Vec::new();
    for (lane, outcome) in outcomes.iter().enumerate() {
        let Some(outcome) = outcome else { continue };
        // Same bounds, so adding cannot fail.
        let _ = all.add(&outcome.histogram);
        spawn_ns.extend(&outcome.spawn_ns);
        let verified = outcome.histogram.len();
        lanes.push(LaneTotals {
            lane: lane as u32,
            verified,
            median_ns: outcome.histogram.value_at_quantile(0.5),
            bytes_per_sec: per_sec(verified * conversation.item_bytes(), outcome.busy_ns),
        });
    }
    let total = all.len();
    let latency = (context.plan.mode == Mode::Roundtrip && total > 0).then(|| Latency {
        p50: all.value_at_quantile(0.5),
        p90: all.value_at_quantile(0.9),
        p99: all.value_at_quantile(0.99),
        p999: all.value_at_quantile(0.999),
        max: all.max(),
        messages_per_sec: total as f64 * 1e9 / wall_ns as f64,
    });
    LiveRecord {
        mode: context.plan.mode,
        parallel: context.plan.parallel,
        latency,
        worker_spawn_ns: spawn_ns,
        lanes,
        aggregate_bytes_per_sec: per_sec(total * conversation.item_bytes(), wall_ns),
        samples_total: total,
        samples_kept: result.samples.len() as u64,
    }
}

fn empty_histogram() -> Histogram<u64> {
    // Fixed, valid bounds: this cannot fail.
    Histogram::new_with_bounds(1, HISTOGRAM_MAX_NS, 3).expect("valid histogram bounds")
}

/// One lane: its children, one after another, until every item ran or the run is cancelled.
fn run_lane(
    context: &Context<'_>,
    lane: u32,
    conversation: &mut dyn Conversation,
    keep: usize,
    sender: &Sender<News>,
) -> Option<LaneOutcome> {
    let plan = context.plan;
    let watchdog = Watchdog::start(context.watchdog.cancel_flag()).ok()?;
    let devnull = nix::fcntl::open(
        "/dev/null",
        OFlag::O_RDWR | OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .ok()?;
    let limit = plan.child_timeout();
    let (warmup, total) = (
        u64::from(plan.warmup),
        u64::from(plan.warmup) + u64::from(plan.repeats),
    );
    let cancelled = || context.cancel.load(Ordering::Relaxed);
    let mut outcome = LaneOutcome {
        histogram: empty_histogram(),
        spawn_ns: Vec::new(),
        busy_ns: 0,
    };
    let mut news = News::default();
    let mut last_news = Instant::now();
    let mut kept = 0;
    let mut seq = 0;
    let lane_start = now_ns();
    let mut count = |news: &mut News, seq: u64, item: Result<Sample, Reason>, outcome: &mut LaneOutcome| {
        if seq < warmup {
            news.warmup_done += 1;
            return;
        }
        news.done += 1;
        match item {
            Ok(sample) => {
                let _ = outcome.histogram.record(sample.total_ns.max(1));
                if kept < keep {
                    kept += 1;
                    news.samples.push(sample);
                }
            }
            // Numbered lane after lane: lane L's items are L × repeats and on.
            Err(reason) => news.failures.push(Failure {
                child: (u64::from(lane) * u64::from(plan.repeats) + seq - warmup) as u32,
                reason,
            }),
        }
    };
    while seq < total && !cancelled() {
        let (mut end, child) = match start_child(context, &*conversation, &devnull, seq) {
            Ok(started) => started,
            Err(reason) => {
                count(&mut news, seq, Err(reason), &mut outcome);
                seq += 1;
                continue;
            }
        };
        outcome.spawn_ns.push(child.1);
        let child = child.0;
        let mut armed_at = 0;
        let trouble = loop {
            if seq >= total || cancelled() {
                break None;
            }
            // Re-armed every half limit, not every item: a hung item is killed within one
            // limit of its start, and a fast round trip pays no lock.
            let now = now_ns();
            if now.saturating_sub(armed_at) > limit.as_nanos() as u64 / 2 {
                watchdog.watch(child, limit);
                armed_at = now;
            }
            match conversation.exchange(&mut end, seq, child) {
                Ok(sample) => count(&mut news, seq, Ok(sample), &mut outcome),
                Err(trouble) => break Some(trouble),
            }
            seq += 1;
            if last_news.elapsed() >= NEWS_INTERVAL {
                let _ = sender.send(std::mem::take(&mut news));
                last_news = Instant::now();
            }
        };
        drop(end);
        let failed = trouble.is_some();
        let reason = living::end(child, &watchdog, limit, trouble);
        if failed {
            // A child that dies because the run was cancelled is no failure of the method.
            if cancelled() {
                break;
            }
            let reason = reason.unwrap_or(Reason::Cancelled);
            count(&mut news, seq, Err(reason), &mut outcome);
            seq += 1;
        }
    }
    outcome.busy_ns = now_ns().saturating_sub(lane_start);
    let _ = sender.send(news);
    Some(outcome)
}

/// Opens a link and forks a child to serve it from item `first` on: the parent's end, the
/// child, and how long making it took.
fn start_child(
    context: &Context<'_>,
    conversation: &dyn Conversation,
    devnull: &OwnedFd,
    first: u64,
) -> Result<(End, (Pid, u64)), Reason> {
    let plan = context.plan;
    let (down, up) = conversation.sizes();
    let kind = link_of(context.method).ok_or(Reason::Setup("no link".into()))?;
    let started = now_ns();
    let fault = context
        .fault
        .map(|fault| (u64::from(plan.warmup) + u64::from(fault.child), fault.kind));
    let guard = FORK_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (parent_end, child_end) = link::open(kind, down, up, context.env, plan.wake, plan.parallel)
        .map_err(|error| Reason::Setup(format!("opening the link failed: {error}")))?;
    let child = fork_living(devnull, move || conversation.serve(child_end, first, fault))?;
    drop(guard);
    Ok((parent_end, (child, now_ns() - started)))
}
