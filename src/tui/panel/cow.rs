//! Copy-on-write made visible: under `--access write` each child writes every page it got,
//! and each page it writes costs a minor fault — a copy where the page was inherited through
//! `fork`, a fresh page where the bytes were sent. The median child's faults are drawn
//! against the payload's page count, live as samples arrive (teach mode, the kernel view).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::block;
use crate::bench::kind::Access;
use crate::bench::memory;
use crate::bench::method::Delivery;
use crate::report::count;
use crate::tui::model::run::{LiveRun, MethodLive};
use crate::tui::theme::Theme;

/// One method's pages written and faults taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pages {
    /// Pages of payload each child wrote.
    pub written: u64,
    /// The median child's minor faults.
    pub faults: u64,
    /// The payload was inherited: each fault on it is a page copied.
    pub inherited: bool,
}

impl Pages {
    /// The method's pages, where its run writes (`--access write`) and a child has reported.
    pub fn of(run: &LiveRun, live: &MethodLive) -> Option<Pages> {
        if run.plan.access != Access::Write {
            return None;
        }
        let page = match run.environment.page_size {
            0 => memory::page_size() as u64,
            page => page,
        };
        Some(Pages {
            written: run.plan.size.div_ceil(page.max(1)),
            faults: live.faults()?,
            inherited: live.method.delivery() == Delivery::Inherited,
        })
    }

    /// "the child wrote 1,954 pages; the kernel copied 1,954"
    pub fn sentence(self) -> String {
        format!("the child {}", self.clause())
    }

    /// "wrote 1,954 pages; the kernel copied 1,954"
    fn clause(self) -> String {
        let verb = if self.inherited { "copied" } else { "faulted in" };
        format!(
            "wrote {} pages; the kernel {verb} {}",
            count(self.written),
            count(self.faults)
        )
    }

    /// A gauge `width` cells wide of the faults against the pages written, and the share.
    pub fn gauge(self, width: usize, theme: Theme) -> Line<'static> {
        let share = self.faults as f64 / self.written.max(1) as f64;
        let text = format!(" {:.0}%", share * 100.0);
        let cells = width.saturating_sub(text.len());
        Line::from(vec![
            Span::styled(theme.glyphs().gauge(share, cells), theme.bar()),
            Span::raw(text),
        ])
    }

    /// The sentence, and the gauge under it after its name.
    pub fn lines(self, width: u16, theme: Theme) -> Vec<Line<'static>> {
        const LABEL: &str = "copy-on-write ";
        let mut gauge = vec![Span::styled(LABEL, theme.heading())];
        gauge.extend(
            self.gauge(usize::from(width).saturating_sub(LABEL.len()), theme)
                .spans,
        );
        vec![Line::raw(self.sentence()), Line::from(gauge)]
    }
}

/// Rows [`draw`] takes for `run`: a line per method with pages, and the borders; none where
/// the run reads its payload.
pub fn height(run: Option<&LiveRun>) -> u16 {
    match run {
        Some(run) if run.plan.access == Access::Write => run.methods.len() as u16 + 2,
        _ => 0,
    }
}

/// The kernel view's panel: each method's gauge and sentence on a line.
pub fn draw(frame: &mut Frame, area: Rect, run: &LiveRun, theme: Theme) {
    let outer = block(
        "Copy-on-write: page faults against the pages each child wrote",
        false,
        theme,
    );
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let gauge_width = (inner.width / 5).clamp(8, 30);
    let lines: Vec<Line> = run
        .methods
        .iter()
        .map(|live| {
            let name = Span::styled(format!("{:<9} ", live.method.id()), theme.heading());
            match Pages::of(run, live) {
                Some(pages) => {
                    let mut spans = vec![name];
                    spans.extend(pages.gauge(usize::from(gauge_width), theme).spans);
                    spans.push(Span::raw(format!("  {}", pages.clause())));
                    Line::from(spans)
                }
                None => Line::from(vec![name, Span::styled("no child yet", theme.dim())]),
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
