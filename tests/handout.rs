//! `run --preset seed -f markdown`: the tutorial's experiment on real children (fewer of
//! them), its table followed by the lesson's sections.

mod common;

#[test]
fn the_seed_presets_markdown_ends_with_the_lesson() {
    let ran = common::ipcscope(&["run", "--preset", "seed", "-n", "3", "-w", "0", "-f", "markdown"]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr);
    let text = &ran.stdout;
    let table = text.find("| method | payload |").expect("the table first");
    let lesson = text.find("## The setup").expect("then the lesson");
    assert!(table < lesson, "{text}");
    for expected in [
        "Python multiprocessing",
        "The machine: Linux ",
        "## This machine's numbers",
        "| tutorial (Python) |",
        "## The conclusion",
        "## Where the time goes",
        "## How each method works",
    ] {
        assert!(text[lesson..].contains(expected), "no {expected:?} in:\n{text}");
    }
    for method in ["inherit", "argument", "queue", "pipe"] {
        assert!(
            text[lesson..].contains(&format!("| {method} | ")),
            "{method}'s figure:\n{text}"
        );
        assert!(
            text[lesson..].contains(&format!("- **{method}**: ")),
            "{method}'s phases:\n{text}"
        );
    }
    // Whichever way round this machine has it, the conclusion compares the two.
    assert!(
        text.contains("Inheriting is") || text.contains("Here sending through a queue is"),
        "{text}"
    );
    assert!(
        !text.contains("not comparable"),
        "the seed is the tutorial's size:\n{text}"
    );
}
