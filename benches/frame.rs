//! `cargo bench --bench frame`: how long the explorer takes to draw one frame (target: under
//! 2 ms at 200×60), with every method finished on a thousand children each and the last one
//! still running, onto ratatui's TestBackend (the terminal's own write is not counted).

use std::time::Instant;

use ipcscope::bench::env::Environment;
use ipcscope::bench::event::Event;
use ipcscope::bench::method;
use ipcscope::bench::plan::Plan;
use ipcscope::bench::result::{MethodResult, Phase, Sample, Usage};
use ipcscope::bench::stats::Summary;
use ipcscope::tui::event::Message;
use ipcscope::tui::model::app::App;
use ipcscope::tui::theme::Theme;
use ipcscope::tui::ui;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const CHILDREN: u32 = 1000;

fn main() {
    let plan = Plan {
        methods: method::ALL.to_vec(),
        repeats: CHILDREN,
        ..Plan::default()
    };
    let start = Instant::now();
    let mut app = App::new(plan.clone(), Environment::read(), start);
    app.update(Message::Run(Event::Started {
        run: 1,
        plan: plan.clone(),
        environment: Environment::read(),
    }));
    let last = plan.methods.len() - 1;
    for (index, method) in plan.methods.iter().enumerate() {
        app.update(Message::Run(Event::MethodStarted {
            run: 1,
            method: index,
        }));
        let samples: Vec<Sample> = (0..CHILDREN)
            .map(|child| Sample {
                total_ns: 1_000_000 * (index as u64 + 1) + u64::from(child % 97) * 1_000,
                phases: [None; Phase::ALL.len()],
                usage: Usage::default(),
            })
            .collect();
        let done = if index == last {
            samples.len() / 2
        } else {
            samples.len()
        };
        for batch in samples[..done].chunks(50) {
            app.update(Message::Run(Event::Samples {
                run: 1,
                method: index,
                samples: batch.to_vec(),
                failures: Vec::new(),
            }));
        }
        if index < last {
            let result = MethodResult {
                samples,
                fork_floor_ns: Some(500_000),
                ..MethodResult::new(*method, &plan, plan.size)
            };
            app.update(Message::Run(Event::MethodDone {
                run: 1,
                method: index,
                result,
            }));
        }
    }
    for (width, height) in [(200, 60), (120, 40), (80, 24)] {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
        let frames: Vec<u64> = (0..300)
            .map(|_| {
                let begin = Instant::now();
                terminal
                    .draw(|frame| ui::draw(frame, &app, Theme::colour()))
                    .expect("draw");
                begin.elapsed().as_nanos() as u64
            })
            .collect();
        let summary = Summary::of(&frames[20..]).expect("frames");
        println!(
            "frame at {width}×{height}: median {:.3} ms, p99 {:.3} ms (target: under 2 ms at 200×60)",
            summary.median as f64 / 1e6,
            summary.p99 as f64 / 1e6
        );
    }
}
