//! Where a method's time goes, as one bar: each phase (spawn, encode, transfer, decode,
//! verify, reap; pickle and unpickle for the Python methods) a segment as long as its share,
//! filled with its letter so it reads without colour and in ASCII, and a legend under it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::report;
use crate::tui::theme::Theme;

/// A stacked bar of phases given as (label, nanoseconds), in the order they happen.
#[derive(Clone, Debug)]
pub struct PhaseBar {
    phases: Vec<(String, u64)>,
    letters: Vec<char>,
    theme: Theme,
}

impl PhaseBar {
    pub fn new<S: AsRef<str>>(phases: &[(S, u64)], theme: Theme) -> PhaseBar {
        let phases: Vec<(String, u64)> = phases
            .iter()
            .map(|(label, nanos)| (label.as_ref().to_string(), *nanos))
            .collect();
        let letters = letters(&phases);
        PhaseBar {
            phases,
            letters,
            theme,
        }
    }

    /// The cells of each phase in a bar `width` cells wide (see [`segments`]).
    pub fn cells(&self, width: u16) -> Vec<u16> {
        let nanos: Vec<u64> = self.phases.iter().map(|&(_, nanos)| nanos).collect();
        segments(&nanos, width)
    }

    /// The bar alone, `width` cells of letters.
    pub fn bar(&self, width: u16) -> Line<'static> {
        let spans = self
            .cells(width)
            .into_iter()
            .enumerate()
            .filter(|&(_, cells)| cells > 0)
            .map(|(index, cells)| {
                Span::styled(
                    self.letters[index].to_string().repeat(usize::from(cells)),
                    self.theme.phase(index),
                )
            });
        Line::from(spans.collect::<Vec<_>>())
    }

    /// `s spawn 200 µs 4%  e encode 1.10 ms 22%  …`: the phases that took any time, in
    /// lines at most `width` cells wide (an item is never split; one too long for a line is
    /// cut by the line).
    pub fn legend(&self, width: u16) -> Vec<Line<'static>> {
        let total: u64 = self.phases.iter().map(|&(_, nanos)| nanos).sum();
        let mut lines: Vec<Line<'static>> = Vec::new();
        let mut line: Vec<Span<'static>> = Vec::new();
        let mut used = 0;
        for (index, (label, nanos)) in self.phases.iter().enumerate() {
            if *nanos == 0 {
                continue;
            }
            let share = (*nanos as f64 / total as f64 * 100.0).round();
            let figure = self.theme.text(&report::duration(*nanos)).into_owned();
            let item = Span::raw(format!(" {label} {figure} {share}%"));
            let length = 1 + item.width();
            if !line.is_empty() && used + 2 + length > usize::from(width) {
                lines.push(Line::from(std::mem::take(&mut line)));
                used = 0;
            }
            if !line.is_empty() {
                line.push(Span::raw("  "));
                used += 2;
            }
            line.push(Span::styled(
                self.letters[index].to_string(),
                self.theme.phase(index),
            ));
            line.push(item);
            used += length;
        }
        if !line.is_empty() {
            lines.push(Line::from(line));
        }
        lines
    }

    /// Rows the bar and its legend take at `width`: one for the bar, the rest the legend's.
    pub fn height(&self, width: u16) -> u16 {
        1 + self.legend(width).len() as u16
    }
}

impl Widget for &PhaseBar {
    /// The bar on the first row of `area`, the legend on the rows below, as many as fit.
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let [bar, legend] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
        self.bar(area.width).render(bar, buf);
        Paragraph::new(self.legend(area.width)).render(legend, buf);
    }
}

/// Cells for each of `nanos` in `width` cells: proportional, the rounding handed to the
/// largest remainders so the cells add up to `width` exactly, and every phase that took any
/// time at least one cell wherever there are enough cells for all of them (taken from the
/// segments rounding favoured most). All zero: no cells.
pub fn segments(nanos: &[u64], width: u16) -> Vec<u16> {
    let total: u128 = nanos.iter().map(|&nanos| u128::from(nanos)).sum();
    if total == 0 {
        return vec![0; nanos.len()];
    }
    let width = u128::from(width);
    let mut cells: Vec<u128> = nanos.iter().map(|&n| u128::from(n) * width / total).collect();
    let left = width - cells.iter().sum::<u128>();
    let mut by_remainder: Vec<usize> = (0..nanos.len()).collect();
    by_remainder.sort_by_key(|&at| std::cmp::Reverse(u128::from(nanos[at]) * width % total));
    for &at in by_remainder.iter().cycle().take(left as usize) {
        cells[at] += 1;
    }
    let shown = nanos.iter().filter(|&&nanos| nanos > 0).count() as u128;
    if shown <= width {
        for at in 0..nanos.len() {
            if nanos[at] > 0 && cells[at] == 0 {
                // From the segment that rounding favoured most and can spare a cell.
                let excess = |other: usize| {
                    (cells[other] * total) as i128 - (u128::from(nanos[other]) * width) as i128
                };
                let Some(donor) = (0..cells.len())
                    .filter(|&other| cells[other] > 1)
                    .max_by_key(|&other| excess(other))
                else {
                    break;
                };
                cells[donor] -= 1;
                cells[at] = 1;
            }
        }
    }
    cells.into_iter().map(|cells| cells as u16).collect()
}

/// A letter per phase: its first letter not taken by an earlier phase, else any of its
/// letters, else a digit.
fn letters(phases: &[(String, u64)]) -> Vec<char> {
    let mut taken: Vec<char> = Vec::new();
    for (label, _) in phases {
        let lower = label.to_lowercase();
        let candidates = lower.chars().filter(char::is_ascii_alphanumeric);
        let letter = candidates
            .chain('0'..='9')
            .find(|letter| !taken.contains(letter))
            .unwrap_or('?');
        taken.push(letter);
    }
    taken
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    use super::*;
    use crate::tui::theme::non_ascii_cells;

    const PHASES: [(&str, u64); 6] = [
        ("spawn", 100_000),
        ("encode", 300_000),
        ("transfer", 500_000),
        ("decode", 90_000),
        ("verify", 10_000),
        ("reap", 0),
    ];

    #[test]
    fn segments_are_proportional_and_add_up_to_the_width() {
        assert_eq!(segments(&[100, 300, 500, 100], 10), [1, 3, 5, 1]);
        assert_eq!(
            segments(&[1, 1, 1], 10),
            [4, 3, 3],
            "the rest to the first remainders"
        );
        assert_eq!(segments(&[0, 0], 10), [0, 0]);
        assert_eq!(
            segments(&[5, 0], 7),
            [7, 0],
            "a phase that took no time has no cell"
        );
        for width in 0..120 {
            let cells = segments(&PHASES.map(|(_, nanos)| nanos), width);
            assert_eq!(cells.iter().sum::<u16>(), width, "{cells:?}");
            if width >= 5 {
                assert!(cells[..5].iter().all(|&cells| cells >= 1), "{width}: {cells:?}");
            }
            assert_eq!(cells[5], 0);
        }
    }

    #[test]
    fn a_tiny_phase_keeps_a_cell_where_there_is_room() {
        assert_eq!(segments(&[1_000_000, 1, 1], 10), [8, 1, 1]);
        assert_eq!(
            segments(&[1_000_000, 1, 1], 2),
            [2, 0, 0],
            "no room for all three"
        );
        assert_eq!(segments(&[1_000_000, 1, 1], 1), [1, 0, 0]);
    }

    #[test]
    fn the_bar_is_lettered_and_the_legend_names_each_phase() {
        let bar = PhaseBar::new(&PHASES, Theme::plain());
        let text: String = bar
            .bar(20)
            .spans
            .iter()
            .map(|span| span.content.as_ref())
            .collect();
        assert_eq!(
            text, "sseeeeeettttttttttdv",
            "verify's cell from decode, rounded up"
        );
        let legend: Vec<String> = bar
            .legend(45)
            .iter()
            .map(|line| line.spans.iter().map(|span| span.content.as_ref()).collect())
            .collect();
        assert_eq!(
            legend,
            [
                "s spawn 100 µs 10%  e encode 300 µs 30%",
                "t transfer 500 µs 50%  d decode 90.0 µs 9%",
                "v verify 10.0 µs 1%"
            ]
        );
        assert_eq!(bar.height(45), 4);
        let python = PhaseBar::new(
            &[("pickle", 3), ("transfer", 1), ("unpickle", 2), ("spawn", 1)],
            Theme::plain(),
        );
        assert_eq!(python.letters, ['p', 't', 'u', 's']);
        let clash = PhaseBar::new(&[("send", 1), ("spawn", 1), ("s", 1)], Theme::plain());
        assert_eq!(clash.letters, ['s', 'p', '0']);
    }

    #[test]
    fn in_ascii_the_bar_and_legend_are_ascii_and_wrap_to_the_area() {
        let bar = PhaseBar::new(&PHASES, Theme::plain().with_ascii(true));
        let height = bar.height(40);
        assert!(height >= 3, "the legend wraps at 40 cells: {height}");
        let mut terminal = Terminal::new(TestBackend::new(40, height)).unwrap();
        terminal
            .draw(|frame| frame.render_widget(&bar, frame.area()))
            .unwrap();
        let buffer = terminal.backend().buffer();
        assert_eq!(non_ascii_cells(buffer), []);
        let first: String = (0..40).map(|x| buffer[(x, 0)].symbol().to_string()).collect();
        assert_eq!(first, "sssseeeeeeeeeeeettttttttttttttttttttdddv");
        let screen = terminal.backend().to_string();
        assert!(screen.contains("t transfer 500 us 50%"), "{screen}");
    }
}
