//! Predict, then reveal: a quiz for a class in teach mode. Before the run the class orders
//! the chosen methods from fastest to slowest and may guess how many times slower the slowest
//! is than the fastest; the run then reveals the truth method by method, and the prediction
//! is scored against it and its biggest surprise explained from the measured phases and
//! faults. State and scoring only; `panel::quiz` draws it.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::run::{LiveRun, MethodLive};
use crate::bench::event::RunId;
use crate::bench::method::MethodRef;
use crate::bench::result::Phase;
use crate::report;

/// The longest ratio one may type.
const MAX_RATIO: usize = 8;

#[derive(Clone, Debug, PartialEq)]
pub struct Quiz {
    /// The class's order, fastest first.
    pub order: Vec<MethodRef>,
    pub cursor: usize,
    /// The method under the cursor is picked up: ↑↓ carry it.
    pub held: bool,
    /// The guessed ratio of the slowest to the fastest, as typed.
    pub ratio: String,
    pub stage: Stage,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The class is ordering the methods.
    Predicting,
    /// Locked in; `r` runs it.
    Locked,
    /// The run that reveals the truth.
    Revealing(RunId),
}

/// What a key did to the prediction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuizKey {
    Done,
    /// The key means nothing here; why.
    Refused(&'static str),
    /// Esc: the quiz is dropped.
    Closed,
}

impl Quiz {
    pub fn new(methods: &[MethodRef]) -> Quiz {
        Quiz {
            order: methods.to_vec(),
            cursor: 0,
            held: false,
            ratio: String::new(),
            stage: Stage::Predicting,
        }
    }

    /// The guessed ratio, if one was typed that reads as a number of at least 1.
    pub fn guessed_ratio(&self) -> Option<f64> {
        self.ratio.parse::<f64>().ok().filter(|ratio| *ratio >= 1.0)
    }

    /// A key while the class predicts: ↑↓ move (carrying a picked-up method), Space picks up
    /// or drops, digits and `.` type the ratio, Backspace deletes, Enter locks it in.
    pub fn key(&mut self, key: KeyEvent) -> QuizKey {
        let last = self.order.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => return QuizKey::Closed,
            KeyCode::Up | KeyCode::Char('k') | KeyCode::Down | KeyCode::Char('j') => {
                let down = matches!(key.code, KeyCode::Down | KeyCode::Char('j'));
                let to = if down {
                    (self.cursor + 1).min(last)
                } else {
                    self.cursor.saturating_sub(1)
                };
                if self.held {
                    self.order.swap(self.cursor, to);
                }
                self.cursor = to;
            }
            KeyCode::Home => self.carry_to(0),
            KeyCode::End => self.carry_to(last),
            KeyCode::Char(' ') => self.held = !self.held,
            KeyCode::Char(c @ ('0'..='9' | '.')) if self.ratio.len() < MAX_RATIO => self.ratio.push(c),
            KeyCode::Char('0'..='9' | '.') => return QuizKey::Refused("a ratio of at most 8 characters"),
            KeyCode::Backspace => {
                self.ratio.pop();
            }
            KeyCode::Enter if !self.ratio.is_empty() && self.guessed_ratio().is_none() => {
                return QuizKey::Refused("the ratio is how many times slower: a number of at least 1");
            }
            KeyCode::Enter => {
                self.held = false;
                self.stage = Stage::Locked;
            }
            _ => {
                return QuizKey::Refused(
                    "predicting: ↑↓ move, Space picks up or drops, type the ratio, Enter locks it in, Esc drops the quiz",
                )
            }
        }
        QuizKey::Done
    }

    /// Moves the cursor to `to`, carrying the method held.
    fn carry_to(&mut self, to: usize) {
        if self.held {
            let method = self.order.remove(self.cursor);
            self.order.insert(to, method);
        }
        self.cursor = to;
    }

    /// The run this quiz reveals, if it is that run.
    pub fn reveals(&self, run: &LiveRun) -> bool {
        self.stage == Stage::Revealing(run.id)
    }
}

/// The measured order of the methods finished so far, fastest first, with their medians.
pub fn measured_order(run: &LiveRun) -> Vec<(MethodRef, u64)> {
    let mut order: Vec<(MethodRef, u64)> = run
        .methods
        .iter()
        .filter(|live| live.completed.is_some())
        .filter_map(|live| Some((live.method, live.median()?)))
        .collect();
    order.sort_by_key(|&(_, median)| median);
    order
}

/// How well a prediction did against the full measured order.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    /// Methods in the place the class gave them.
    pub right_places: usize,
    pub methods: usize,
    /// Kendall tau distance: pairs the class ordered the other way round.
    pub swapped_pairs: usize,
    pub pairs: usize,
    /// The slowest over the fastest, measured.
    pub measured_ratio: f64,
    /// The class's guess of it and how many times off it was (≥ 1).
    pub ratio_guess: Option<(f64, f64)>,
}

/// The score, once every method of the prediction has a result.
pub fn score(quiz: &Quiz, run: &LiveRun) -> Option<Score> {
    let measured: Vec<MethodRef> = measured_order(run)
        .into_iter()
        .map(|(method, _)| method)
        .collect();
    if measured.len() != quiz.order.len() || quiz.order.iter().any(|method| !measured.contains(method)) {
        return None;
    }
    let rank = |method: &MethodRef| measured.iter().position(|m| m == method);
    let right_places = quiz
        .order
        .iter()
        .enumerate()
        .filter(|&(at, method)| rank(method) == Some(at))
        .count();
    let ranks: Vec<usize> = quiz.order.iter().filter_map(rank).collect();
    let swapped_pairs = kendall_distance(&ranks);
    let medians = measured_order(run);
    let fastest = medians.first()?.1.max(1) as f64;
    let measured_ratio = medians.last()?.1 as f64 / fastest;
    let ratio_guess = quiz.guessed_ratio().map(|guess| {
        let off = if guess > measured_ratio {
            guess / measured_ratio
        } else {
            measured_ratio / guess
        };
        (guess, off)
    });
    let methods = quiz.order.len();
    Some(Score {
        right_places,
        methods,
        swapped_pairs,
        pairs: methods * methods.saturating_sub(1) / 2,
        measured_ratio,
        ratio_guess,
    })
}

/// Pairs out of order in `ranks` (the measured rank of each method, in the predicted order).
pub fn kendall_distance(ranks: &[usize]) -> usize {
    ranks
        .iter()
        .enumerate()
        .map(|(at, rank)| ranks[at + 1..].iter().filter(|later| *later < rank).count())
        .sum()
}

/// The method whose measured place is furthest from the predicted one, and why, in a
/// sentence: "queue was slower than you guessed: 71% of its time is encode + decode".
pub fn surprise(quiz: &Quiz, run: &LiveRun) -> Option<String> {
    let measured: Vec<MethodRef> = measured_order(run)
        .into_iter()
        .map(|(method, _)| method)
        .collect();
    let (predicted_at, measured_at, live) = quiz
        .order
        .iter()
        .enumerate()
        .filter_map(|(predicted_at, method)| {
            let measured_at = measured.iter().position(|m| m == method)?;
            let live = run.methods.iter().find(|live| live.method == *method)?;
            Some((predicted_at, measured_at, live))
        })
        .filter(|(predicted_at, measured_at, _)| predicted_at != measured_at)
        // The furthest off; of two as far, the one slower than guessed.
        .max_by_key(|(predicted_at, measured_at, _)| {
            (predicted_at.abs_diff(*measured_at), measured_at > predicted_at)
        })?;
    let direction = if measured_at > predicted_at {
        "slower"
    } else {
        "faster"
    };
    let mut sentence = format!(
        "{} was {direction} than you guessed: {}",
        live.method.id(),
        where_time_goes(live)?
    );
    let faults = live.faults().unwrap_or(0);
    if faults > 0 {
        sentence += &format!("; each child took {} page faults", report::count(faults));
    }
    Some(sentence)
}

/// "71% of its time is encode + decode": the fewest phases that hold most of the time.
pub fn where_time_goes(live: &MethodLive) -> Option<String> {
    let mut phases: Vec<(Phase, u64)> = live.phase_medians();
    let total: u64 = phases.iter().map(|&(_, nanos)| nanos).sum();
    if total == 0 {
        return None;
    }
    phases.sort_by_key(|&(_, nanos)| std::cmp::Reverse(nanos));
    let mut names = Vec::new();
    let mut held = 0;
    for (phase, nanos) in phases {
        names.push(phase.name());
        held += nanos;
        if held * 2 > total {
            break;
        }
    }
    Some(format!(
        "{:.0}% of its time is {}",
        held as f64 / total as f64 * 100.0,
        names.join(" + ")
    ))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use ratatui::crossterm::event::KeyModifiers;

    use super::*;
    use crate::bench::plan::Plan;
    use crate::tui::model::fake;

    fn press(quiz: &mut Quiz, code: KeyCode) -> QuizKey {
        quiz.key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn space_picks_a_method_up_and_the_arrows_carry_it() {
        let methods: Vec<MethodRef> = ["pipe", "inherit", "queue"].map(fake::method).to_vec();
        let mut quiz = Quiz::new(&methods);
        press(&mut quiz, KeyCode::Down);
        press(&mut quiz, KeyCode::Char(' '));
        press(&mut quiz, KeyCode::Up);
        press(&mut quiz, KeyCode::Char(' '));
        press(&mut quiz, KeyCode::Down);
        press(&mut quiz, KeyCode::Down);
        let ids: Vec<&str> = quiz.order.iter().map(|m| m.id()).collect();
        assert_eq!(ids, ["inherit", "pipe", "queue"]);
        assert_eq!(quiz.cursor, 2);
        for c in "0.5".chars() {
            press(&mut quiz, KeyCode::Char(c));
        }
        assert!(matches!(press(&mut quiz, KeyCode::Enter), QuizKey::Refused(_)));
        press(&mut quiz, KeyCode::Backspace);
        press(&mut quiz, KeyCode::Backspace);
        press(&mut quiz, KeyCode::Backspace);
        press(&mut quiz, KeyCode::Char('3'));
        press(&mut quiz, KeyCode::Char('0'));
        assert_eq!(press(&mut quiz, KeyCode::Enter), QuizKey::Done);
        assert_eq!(quiz.stage, Stage::Locked);
        assert_eq!(quiz.guessed_ratio(), Some(30.0));
    }

    #[test]
    fn kendall_distance_counts_the_pairs_out_of_order() {
        assert_eq!(kendall_distance(&[0, 1, 2, 3]), 0);
        assert_eq!(kendall_distance(&[3, 2, 1, 0]), 6);
        assert_eq!(kendall_distance(&[1, 0, 2, 3]), 1);
        assert_eq!(kendall_distance(&[0, 3, 1, 2]), 2);
    }

    #[test]
    fn a_prediction_is_scored_and_its_surprise_explained_from_the_phases() {
        let plan = Plan {
            methods: ["inherit", "queue", "pipe"].map(fake::method).to_vec(),
            ..fake::plan()
        };
        let base = Instant::now();
        let mut run = LiveRun::new(1, plan.clone(), base);
        for event in fake::events(1, &plan, &[1_000_000, 40_000_000, 4_000_000], 3, 0) {
            run.fold(event, base);
        }
        // The class thought queue the fastest: it is the slowest.
        let mut quiz = Quiz::new(&["queue", "inherit", "pipe"].map(fake::method));
        quiz.ratio = "10".into();
        quiz.stage = Stage::Revealing(1);
        let score = score(&quiz, &run).expect("every method finished");
        assert_eq!(score.right_places, 0);
        assert_eq!((score.swapped_pairs, score.pairs), (2, 3));
        assert!((score.measured_ratio - 40.0).abs() < 1e-9, "{score:?}");
        let (guess, off) = score.ratio_guess.unwrap();
        assert_eq!(guess, 10.0);
        assert!((off - 4.0).abs() < 1e-9);
        let surprise = surprise(&quiz, &run).unwrap();
        assert!(
            surprise.starts_with("queue was slower than you guessed: "),
            "{surprise}"
        );
        assert!(surprise.contains("% of its time is "), "{surprise}");
        assert!(surprise.contains("page faults"), "{surprise}");
    }
}
