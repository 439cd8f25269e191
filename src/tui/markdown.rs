//! The teaching texts (`assets/methods/*.md`) rendered for the screen: headings, emphasis,
//! code and lists drawn as what they mean, not as Markdown source. The text is wrapped here, to
//! a given width, so that a list item's later lines hang under its first word and a caller
//! knows exactly how many lines there are to scroll.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};

use super::theme::Theme;

/// Spaces before each line of a code block.
const CODE_INDENT: usize = 4;

/// `markdown` as lines at most `width` cells wide (a word longer than that is cut).
pub fn render(markdown: &str, width: u16, theme: Theme) -> Text<'static> {
    let mut renderer = Renderer {
        theme,
        width: usize::from(width.max(1)),
        lines: Vec::new(),
        words: Words::default(),
        styles: Vec::new(),
        lists: Vec::new(),
        item_prefix: None,
        code_block: false,
        block_gap: false,
    };
    for event in Parser::new(markdown) {
        renderer.event(event);
    }
    renderer.flush();
    Text::from(renderer.lines)
}

/// The words of the block being read, each made of pieces in their own styles
/// (`` `mmap`s `` is one word of two pieces).
#[derive(Default)]
struct Words {
    words: Vec<Vec<Span<'static>>>,
    /// The next text continues the last word (no space came between).
    joined: bool,
}

impl Words {
    fn push(&mut self, text: &str, style: Style) {
        let mut first = true;
        for piece in text.split(char::is_whitespace) {
            if !first {
                self.joined = false;
            }
            first = false;
            if piece.is_empty() {
                continue;
            }
            let span = Span::styled(piece.to_string(), style);
            match self.words.last_mut() {
                Some(word) if self.joined => word.push(span),
                _ => self.words.push(vec![span]),
            }
            self.joined = true;
        }
    }

    fn space(&mut self) {
        self.joined = false;
    }
}

struct Renderer {
    theme: Theme,
    width: usize,
    lines: Vec<Line<'static>>,
    words: Words,
    /// Emphasis, strong and heading styles in force, innermost last.
    styles: Vec<Style>,
    /// The lists the text is in, innermost last: the next number, or `None` for bullets.
    lists: Vec<Option<u64>>,
    /// The marker of an item whose first line is still to come.
    item_prefix: Option<String>,
    code_block: bool,
    /// A blank line is due before the next block.
    block_gap: bool,
}

impl Renderer {
    fn style(&self) -> Style {
        self.styles
            .iter()
            .fold(Style::new(), |style, inner| style.patch(*inner))
    }

    /// Spaces that put a line under the text of the innermost list item.
    fn indent(&self) -> usize {
        self.lists
            .iter()
            .map(|list| marker_width(*list, self.theme))
            .sum()
    }

    fn start_block(&mut self) {
        if self.block_gap && !self.lines.is_empty() {
            self.lines.push(Line::default());
        }
        self.block_gap = false;
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) if self.code_block => self.code_lines(&text),
            Event::Text(text) => {
                let style = self.style();
                self.words.push(&text, style);
            }
            Event::Code(code) => {
                let style = self.style().patch(self.theme.code());
                self.words.push(&code, style);
            }
            Event::SoftBreak => self.words.space(),
            Event::HardBreak => self.flush(),
            Event::Rule => {
                self.flush();
                self.start_block();
                self.lines
                    .push(Line::styled("-".repeat(self.width.min(40)), self.theme.dim()));
                self.block_gap = true;
            }
            // HTML, footnotes, maths and task markers: the teaching texts have none; their text,
            // where there is any, reads as text.
            Event::Html(text)
            | Event::InlineHtml(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text) => {
                let style = self.style();
                self.words.push(&text, style);
            }
            Event::FootnoteReference(_) | Event::TaskListMarker(_) => {}
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            // An item's first paragraph starts on the item's line.
            Tag::Paragraph if self.item_prefix.is_none() => self.start_block(),
            Tag::Heading { level, .. } => {
                self.flush();
                self.block_gap = true;
                self.start_block();
                let style = self.theme.heading();
                self.styles.push(if level == HeadingLevel::H1 {
                    style.add_modifier(Modifier::UNDERLINED)
                } else {
                    style
                });
            }
            Tag::CodeBlock(_) => {
                self.flush();
                self.start_block();
                self.code_block = true;
            }
            Tag::List(start) => {
                // The text of an item before a list nested in it.
                self.flush();
                if self.lists.is_empty() {
                    self.start_block();
                }
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let theme = self.theme;
                let outer: usize = self
                    .lists
                    .iter()
                    .rev()
                    .skip(1)
                    .map(|list| marker_width(*list, theme))
                    .sum();
                let Some(list) = self.lists.last_mut() else {
                    return;
                };
                let width = marker_width(*list, theme);
                let marker = match list {
                    Some(number) => {
                        *number += 1;
                        format!("{}. ", *number - 1)
                    }
                    None => format!("{} ", theme.glyphs().bullet),
                };
                self.item_prefix = Some(format!("{}{marker:<width$}", " ".repeat(outer)));
            }
            Tag::Emphasis => self.styles.push(Style::new().add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.styles.push(Style::new().add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => self.styles.push(Style::new().add_modifier(Modifier::CROSSED_OUT)),
            // A link reads as its text; block quotes, tables and the rest as their text.
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                self.flush();
                self.block_gap = true;
            }
            TagEnd::Heading(_) => {
                self.flush();
                self.styles.pop();
            }
            TagEnd::CodeBlock => {
                self.code_block = false;
                self.block_gap = true;
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                self.block_gap = true;
            }
            TagEnd::Item => self.flush(),
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            _ => {}
        }
    }

    fn code_lines(&mut self, text: &str) {
        let indent = " ".repeat(self.indent() + CODE_INDENT);
        for line in text.lines() {
            self.lines.push(Line::from(vec![
                Span::raw(indent.clone()),
                Span::styled(line.to_string(), self.theme.code()),
            ]));
        }
    }

    /// Lays the words read so far out in lines, after the item's marker or under it.
    fn flush(&mut self) {
        let words = std::mem::take(&mut self.words).words;
        let prefix = self.item_prefix.take();
        if words.is_empty() {
            if let Some(prefix) = prefix {
                self.lines.push(Line::raw(prefix));
            }
            return;
        }
        let indent = " ".repeat(self.indent());
        let mut line: Vec<Span<'static>> = vec![Span::raw(prefix.unwrap_or_else(|| indent.clone()))];
        let mut used = line[0].width();
        let mut fresh = true;
        for word in words {
            let length: usize = word.iter().map(Span::width).sum();
            if !fresh && used + 1 + length > self.width {
                self.lines.push(Line::from(std::mem::take(&mut line)));
                line.push(Span::raw(indent.clone()));
                used = indent.len();
                fresh = true;
            }
            if !fresh {
                line.push(Span::raw(" "));
                used += 1;
            }
            for piece in word {
                for glyph in piece.content.chars() {
                    // A word longer than the line is cut where the line ends.
                    if used >= self.width && used > indent.len() {
                        self.lines.push(Line::from(std::mem::take(&mut line)));
                        line.push(Span::raw(indent.clone()));
                        used = indent.len();
                    }
                    push_glyph(&mut line, glyph, piece.style);
                    used += Span::raw(glyph.to_string()).width();
                }
            }
            fresh = false;
        }
        self.lines.push(Line::from(line));
    }
}

/// Adds `glyph` to the last span of `line` where it has `style`, else in a span of its own.
fn push_glyph(line: &mut Vec<Span<'static>>, glyph: char, style: Style) {
    match line.last_mut() {
        Some(span) if span.style == style && !span.content.trim().is_empty() => {
            span.content.to_mut().push(glyph);
        }
        _ => line.push(Span::styled(glyph.to_string(), style)),
    }
}

/// Cells a list's marker takes: `• ` or `- `, `1. ` (a tenth item's `10. ` takes one more
/// on its first line).
fn marker_width(list: Option<u64>, theme: Theme) -> usize {
    match list {
        Some(_) => 3,
        None => Span::raw(theme.glyphs().bullet).width() + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(markdown: &str, width: u16, theme: Theme) -> Vec<String> {
        render(markdown, width, theme)
            .lines
            .iter()
            .map(|line| line.spans.iter().map(|span| span.content.as_ref()).collect())
            .collect()
    }

    fn plain(markdown: &str, width: u16) -> Vec<String> {
        lines(markdown, width, Theme::plain())
    }

    /// The style of the span that reads `needle`.
    fn style_of(text: &Text, needle: &str) -> Style {
        text.lines
            .iter()
            .flat_map(|line| &line.spans)
            .find(|span| span.content == needle)
            .map(|span| span.style)
            .unwrap_or_else(|| panic!("{needle} not found"))
    }

    #[test]
    fn headings_lose_their_hashes_and_are_bold_the_first_underlined() {
        let markdown = "# socket: a pair\n\n## What happens\nPer child, a pair.\n";
        assert_eq!(
            plain(markdown, 40),
            ["socket: a pair", "", "What happens", "Per child, a pair."]
        );
        let text = render(markdown, 40, Theme::plain());
        let title = style_of(&text, "socket:");
        assert!(title.add_modifier.contains(Modifier::BOLD | Modifier::UNDERLINED));
        let section = style_of(&text, "What");
        assert!(section.add_modifier.contains(Modifier::BOLD));
        assert!(!section.add_modifier.contains(Modifier::UNDERLINED));
        assert_eq!(style_of(&text, "Per"), Style::new());
    }

    #[test]
    fn emphasis_strong_and_code_are_styled_without_their_marks() {
        let markdown = "An *easy* and **strong** `mmap`s call.";
        assert_eq!(plain(markdown, 40), ["An easy and strong mmaps call."]);
        let text = render(markdown, 40, Theme::colour());
        assert!(style_of(&text, "easy").add_modifier.contains(Modifier::ITALIC));
        assert!(style_of(&text, "strong").add_modifier.contains(Modifier::BOLD));
        assert_eq!(style_of(&text, "mmap"), Theme::colour().code());
        assert_eq!(style_of(&text, "s").fg, None, "the code ends with its backtick");
    }

    #[test]
    fn paragraphs_wrap_at_the_width_and_are_separated_by_a_blank_line() {
        let markdown = "one two three\nfour five\n\nsix seven";
        assert_eq!(
            plain(markdown, 9),
            ["one two", "three", "four five", "", "six seven"]
        );
        assert_eq!(
            plain("abcdefghij", 4),
            ["abcd", "efgh", "ij"],
            "a long word is cut"
        );
    }

    #[test]
    fn bullet_items_hang_under_their_first_word() {
        let markdown = "Rules:\n- 0 (or no Yama): the classic rules only.\n- 3: nobody.\n\nAfter.";
        assert_eq!(
            plain(markdown, 20),
            [
                "Rules:",
                "",
                "• 0 (or no Yama):",
                "  the classic rules",
                "  only.",
                "• 3: nobody.",
                "",
                "After."
            ]
        );
        let ascii = lines("- one\n- two", 20, Theme::plain().with_ascii(true));
        assert_eq!(ascii, ["- one", "- two"]);
    }

    #[test]
    fn numbered_and_nested_lists_keep_their_numbers_and_indents() {
        let markdown = "3. first item here\n4. second\n   - inner point wraps\n";
        assert_eq!(
            plain(markdown, 16),
            [
                "3. first item",
                "   here",
                "4. second",
                "   • inner point",
                "     wraps"
            ]
        );
    }

    #[test]
    fn code_blocks_are_indented_and_styled_and_links_read_as_text() {
        let markdown = "See [the man page](https://man7.org/x) now.\n\n```\nsysctl -w a=1\n  b\n```\nEnd.";
        assert_eq!(
            plain(markdown, 40),
            [
                "See the man page now.",
                "",
                "    sysctl -w a=1",
                "      b",
                "",
                "End."
            ]
        );
        let text = render(markdown, 40, Theme::colour());
        assert_eq!(style_of(&text, "sysctl -w a=1"), Theme::colour().code());
    }

    #[test]
    fn every_teaching_text_renders_without_markdown_source() {
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/methods");
        let mut seen = 0;
        for entry in std::fs::read_dir(directory).expect("the teaching texts") {
            let path = entry.expect("a directory entry").path();
            let source = std::fs::read_to_string(&path).expect("a teaching text");
            for width in [30, 60, 100] {
                let rendered = lines(&source, width, Theme::plain());
                assert!(rendered.len() > 5, "{path:?}");
                for line in &rendered {
                    assert!(
                        !line.contains('#') && !line.contains('`') && !line.contains("**"),
                        "{path:?} at {width}: {line}"
                    );
                    assert!(
                        Span::raw(line.as_str()).width() <= usize::from(width),
                        "{path:?}: {line}"
                    );
                }
            }
            let ascii = lines(&source, 60, Theme::plain().with_ascii(true));
            assert!(ascii.iter().all(|line| !line.contains('•')), "{path:?}");
            seen += 1;
        }
        assert!(seen >= 11, "only {seen} teaching texts");
    }
}
