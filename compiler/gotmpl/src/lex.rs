//! The lexer: Go's text/template tokens, with Go's rules for delimiters, trim markers
//! (`{{- ` and ` -}}`), comments, and the error texts Go's lexer produces.

/// A token kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemType {
    Error,
    Bool,
    Char,
    CharConstant,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // Keywords (printed as `<word>` in errors).
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl ItemType {
    fn is_keyword(self) -> bool {
        matches!(
            self,
            ItemType::Block
                | ItemType::Break
                | ItemType::Continue
                | ItemType::Dot
                | ItemType::Define
                | ItemType::Else
                | ItemType::End
                | ItemType::If
                | ItemType::Nil
                | ItemType::Range
                | ItemType::Template
                | ItemType::With
        )
    }
}

/// One token: its kind, where it starts and its text. The text borrows the input, so tokens
/// are `Copy`: the parser copies every token it looks at. The line is not stored: it is only
/// needed for error messages, and counting lines for every token was a measurable share of
/// lexing ([`line_at`] computes it from the position when needed).
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub typ: ItemType,
    pub pos: usize,
    /// The token's text; empty for an `Error` item (its message is [`Lexed::error`]).
    pub val: &'a str,
}

impl Item<'_> {
    /// How Go prints a token in "unexpected X" messages; `error` is the lexer's message, which
    /// an `Error` item prints.
    pub fn describe(&self, error: &str) -> String {
        match self.typ {
            ItemType::Eof => "EOF".to_string(),
            ItemType::Error => error.to_string(),
            t if t.is_keyword() => format!("<{}>", self.val),
            _ => {
                if self.val.chars().count() > 10 {
                    let s: String = self.val.chars().take(10).collect();
                    format!("{}...", crate::fmt::quote(&s))
                } else {
                    crate::fmt::quote(self.val)
                }
            }
        }
    }
}

/// The tokens of a text: they end with an `Eof` item, or with an `Error` item whose message is
/// `error`.
#[derive(Debug)]
pub struct Lexed<'a> {
    pub items: Vec<Item<'a>>,
    pub error: String,
}

/// The 1-based line of byte offset `pos` in `text` (Go's item line: the line the item starts
/// on).
pub fn line_at(text: &str, pos: usize) -> usize {
    let b = text.as_bytes();
    1 + memchr::memchr_iter(b'\n', &b[..pos.min(b.len())]).count()
}

const LEFT: &[u8] = b"{{";
const RIGHT: &[u8] = b"}}";
const LEFT_COMMENT: &[u8] = b"/*";
const RIGHT_COMMENT: &[u8] = b"*/";

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

fn has_left_trim(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == b'-' && is_space(s[1])
}

fn has_right_trim(s: &[u8]) -> bool {
    s.len() >= 2 && is_space(s[0]) && s[1] == b'-'
}

/// Lexes the whole input; the result ends with an `Eof` or an `Error` item.
pub fn lex(input: &str) -> Lexed<'_> {
    let mut l = Lexer {
        input,
        b: input.as_bytes(),
        pos: 0,
        start: 0,
        // Templates average about one token per 6 bytes; reserving up front saves the
        // repeated growth of a large vector.
        items: Vec::with_capacity(input.len() / 6 + 8),
        error: String::new(),
        paren_depth: 0,
    };
    l.run();
    Lexed {
        items: l.items,
        error: l.error,
    }
}

struct Lexer<'a> {
    input: &'a str,
    b: &'a [u8],
    pos: usize,
    start: usize,
    items: Vec<Item<'a>>,
    error: String,
    paren_depth: i64,
}

enum State {
    Text,
    LeftDelim,
    InsideAction,
    Done,
}

/// The digits a number literal may use after its base prefix.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Base {
    Dec,
    Hex,
    Oct,
    Bin,
}

impl Base {
    fn digit(self, c: u8) -> bool {
        c == b'_'
            || match self {
                Base::Dec => c.is_ascii_digit(),
                Base::Hex => c.is_ascii_hexdigit(),
                Base::Oct => (b'0'..=b'7').contains(&c),
                Base::Bin => c == b'0' || c == b'1',
            }
    }
}

impl<'a> Lexer<'a> {
    fn emit(&mut self, typ: ItemType) {
        self.items.push(Item {
            typ,
            pos: self.start,
            val: &self.input[self.start..self.pos],
        });
        self.start = self.pos;
    }

    fn error(&mut self, msg: String) -> State {
        self.items.push(Item {
            typ: ItemType::Error,
            pos: self.start,
            val: "",
        });
        self.error = msg;
        State::Done
    }

    /// The character at `pos`; ASCII (almost all of a template) without UTF-8 decoding.
    fn peek_char(&self) -> Option<char> {
        match self.b.get(self.pos) {
            None => None,
            Some(&c) if c.is_ascii() => Some(c as char),
            Some(_) => self.input[self.pos..].chars().next(),
        }
    }

    fn next_char(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Consumes one byte of `valid` (all ASCII).
    fn accept(&mut self, valid: &[u8]) -> bool {
        match self.b.get(self.pos) {
            Some(c) if valid.contains(c) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    fn accept_digits(&mut self, base: Base) {
        while self.pos < self.b.len() && base.digit(self.b[self.pos]) {
            self.pos += 1;
        }
    }

    /// Consumes a run of letters, digits and underscores.
    fn accept_alnum(&mut self) {
        while let Some(&c) = self.b.get(self.pos) {
            if c.is_ascii() {
                if c != b'_' && !c.is_ascii_alphanumeric() {
                    break;
                }
                self.pos += 1;
            } else {
                match self.peek_char() {
                    Some(ch) if is_alnum(ch) => self.pos += ch.len_utf8(),
                    _ => break,
                }
            }
        }
    }

    fn run(&mut self) {
        let mut state = State::Text;
        loop {
            state = match state {
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim(),
                State::InsideAction => self.lex_inside_action(),
                State::Done => return,
            }
        }
    }

    /// Offset from `pos` of the next `{{`.
    fn find_left(&self) -> Option<usize> {
        let rest = &self.b[self.pos..];
        let mut i = 0;
        while let Some(x) = memchr::memchr(b'{', &rest[i..]) {
            let j = i + x;
            if rest.get(j + 1) == Some(&b'{') {
                return Some(j);
            }
            i = j + 1;
        }
        None
    }

    fn lex_text(&mut self) -> State {
        if let Some(x) = self.find_left() {
            if x > 0 {
                self.pos += x;
                let delim_end = self.pos + LEFT.len();
                let mut trim = 0;
                if has_left_trim(&self.b[delim_end..]) {
                    let text = &self.b[self.start..self.pos];
                    trim = text.len()
                        - text
                            .iter()
                            .rposition(|&c| !is_space(c))
                            .map_or(0, |i| i + 1);
                }
                self.pos -= trim;
                if self.pos > self.start {
                    self.emit(ItemType::Text);
                }
                self.pos += trim;
                self.start = self.pos;
            }
            return State::LeftDelim;
        }
        self.pos = self.b.len();
        if self.pos > self.start {
            self.emit(ItemType::Text);
        }
        self.emit(ItemType::Eof);
        State::Done
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = &self.b[self.pos..];
        if has_right_trim(rest) && rest[2..].starts_with(RIGHT) {
            return (true, true);
        }
        (rest.starts_with(RIGHT), false)
    }

    fn skip_left_trim(&mut self) {
        while self.pos < self.b.len() && is_space(self.b[self.pos]) {
            self.pos += 1;
        }
    }

    fn lex_left_delim(&mut self) -> State {
        self.pos += LEFT.len();
        let trim = has_left_trim(&self.b[self.pos..]);
        let after = if trim { 2 } else { 0 };
        if self.b[self.pos + after..].starts_with(LEFT_COMMENT) {
            self.pos += after;
            self.start = self.pos;
            return self.lex_comment();
        }
        self.emit(ItemType::LeftDelim);
        self.pos += after;
        self.start = self.pos;
        self.paren_depth = 0;
        State::InsideAction
    }

    fn lex_comment(&mut self) -> State {
        self.pos += LEFT_COMMENT.len();
        let Some(x) = memchr::memmem::find(&self.b[self.pos..], RIGHT_COMMENT) else {
            return self.error("unclosed comment".to_string());
        };
        self.pos += x + RIGHT_COMMENT.len();
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.error("comment ends before closing delimiter".to_string());
        }
        if trim {
            self.pos += 2;
        }
        self.pos += RIGHT.len();
        if trim {
            self.skip_left_trim();
        }
        self.start = self.pos;
        State::Text
    }

    fn lex_right_delim(&mut self) -> State {
        let (_, trim) = self.at_right_delim();
        if trim {
            self.pos += 2;
            self.start = self.pos;
        }
        self.pos += RIGHT.len();
        self.emit(ItemType::RightDelim);
        if trim {
            self.skip_left_trim();
            self.start = self.pos;
        }
        State::Text
    }

    fn at_terminator(&self) -> bool {
        match self.b.get(self.pos) {
            None => true,
            Some(&c) if is_space(c) => true,
            Some(b'.' | b',' | b'|' | b':' | b')' | b'(') => true,
            _ => self.b[self.pos..].starts_with(RIGHT),
        }
    }

    fn lex_inside_action(&mut self) -> State {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return self.lex_right_delim();
            }
            return self.error("unclosed left paren".to_string());
        }
        let Some(&c) = self.b.get(self.pos) else {
            return self.error("unclosed action".to_string());
        };
        if !c.is_ascii() {
            // Outside ASCII only letters and digits (identifiers) are allowed.
            return match self.peek_char() {
                Some(ch) if is_alnum(ch) => self.lex_identifier(),
                Some(ch) => {
                    self.pos += ch.len_utf8();
                    self.error(format!("unrecognized character in action: {}", go_u(ch)))
                }
                None => self.error("unclosed action".to_string()),
            };
        }
        self.pos += 1;
        match c {
            c if is_space(c) => {
                self.pos -= 1;
                self.lex_space()
            }
            b'=' => {
                self.emit(ItemType::Assign);
                State::InsideAction
            }
            b':' => {
                if self.next_char() != Some('=') {
                    return self.error("expected :=".to_string());
                }
                self.emit(ItemType::Declare);
                State::InsideAction
            }
            b'|' => {
                self.emit(ItemType::Pipe);
                State::InsideAction
            }
            b'"' => self.lex_quote(),
            b'`' => self.lex_raw_quote(),
            b'$' => self.lex_field_or_variable(ItemType::Variable),
            b'\'' => self.lex_char(),
            b'.' if !matches!(self.b.get(self.pos), Some(b'0'..=b'9')) => {
                self.lex_field_or_variable(ItemType::Field)
            }
            b'.' | b'+' | b'-' | b'0'..=b'9' => {
                self.pos -= 1;
                self.lex_number()
            }
            c if c == b'_' || c.is_ascii_alphabetic() => {
                self.pos -= 1;
                self.lex_identifier()
            }
            b'(' => {
                self.paren_depth += 1;
                self.emit(ItemType::LeftParen);
                State::InsideAction
            }
            b')' => {
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.error("unexpected right paren".to_string());
                }
                self.emit(ItemType::RightParen);
                State::InsideAction
            }
            c if !c.is_ascii_control() => {
                self.emit(ItemType::Char);
                State::InsideAction
            }
            c => self.error(format!(
                "unrecognized character in action: {}",
                go_u(c as char)
            )),
        }
    }

    fn lex_space(&mut self) -> State {
        let mut n = 0;
        while self.pos < self.b.len() && is_space(self.b[self.pos]) {
            self.pos += 1;
            n += 1;
        }
        let rest = &self.b[self.pos - 1..];
        if has_right_trim(rest) && rest[2..].starts_with(RIGHT) {
            self.pos -= 1;
            if n == 1 {
                return self.lex_right_delim();
            }
        }
        self.emit(ItemType::Space);
        State::InsideAction
    }

    fn lex_identifier(&mut self) -> State {
        self.accept_alnum();
        if !self.at_terminator() {
            let c = self.peek_char().unwrap_or('\0');
            return self.error(format!("bad character {}", go_u(c)));
        }
        let typ = match &self.input[self.start..self.pos] {
            "block" => ItemType::Block,
            "break" => ItemType::Break,
            "continue" => ItemType::Continue,
            "define" => ItemType::Define,
            "else" => ItemType::Else,
            "end" => ItemType::End,
            "if" => ItemType::If,
            "range" => ItemType::Range,
            "nil" => ItemType::Nil,
            "template" => ItemType::Template,
            "with" => ItemType::With,
            "true" | "false" => ItemType::Bool,
            _ => ItemType::Identifier,
        };
        self.emit(typ);
        State::InsideAction
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) -> State {
        if self.at_terminator() {
            self.emit(if typ == ItemType::Variable {
                ItemType::Variable
            } else {
                ItemType::Dot
            });
            return State::InsideAction;
        }
        self.accept_alnum();
        if !self.at_terminator() {
            let c = self.peek_char().unwrap_or('\0');
            return self.error(format!("bad character {}", go_u(c)));
        }
        self.emit(typ);
        State::InsideAction
    }

    /// Scans to the closing `quote` of a string or character constant, past backslash escapes;
    /// false if a newline or the end of the input comes first. Only ASCII bytes are looked
    /// for, so bytes of other characters are skipped as wholes, as Go's rune loop does.
    fn scan_quoted(&mut self, quote: u8) -> bool {
        loop {
            let Some(x) = memchr::memchr3(quote, b'\\', b'\n', &self.b[self.pos..]) else {
                self.pos = self.b.len();
                return false;
            };
            let c = self.b[self.pos + x];
            self.pos += x + 1;
            match c {
                b'\\' => match self.b.get(self.pos) {
                    Some(b'\n') | None => return false,
                    // The escaped character is never one of the bytes searched for, so
                    // stepping over its first byte is enough.
                    Some(_) => self.pos += 1,
                },
                b'\n' => return false,
                _ => return true,
            }
        }
    }

    fn lex_char(&mut self) -> State {
        if !self.scan_quoted(b'\'') {
            return self.error("unterminated character constant".to_string());
        }
        self.emit(ItemType::CharConstant);
        State::InsideAction
    }

    fn lex_quote(&mut self) -> State {
        if !self.scan_quoted(b'"') {
            return self.error("unterminated quoted string".to_string());
        }
        self.emit(ItemType::String);
        State::InsideAction
    }

    fn lex_raw_quote(&mut self) -> State {
        match memchr::memchr(b'`', &self.b[self.pos..]) {
            Some(x) => {
                self.pos += x + 1;
                self.emit(ItemType::RawString);
                State::InsideAction
            }
            None => self.error("unterminated raw quoted string".to_string()),
        }
    }

    fn scan_number(&mut self) -> bool {
        self.accept(b"+-");
        let mut base = Base::Dec;
        if self.accept(b"0") {
            if self.accept(b"xX") {
                base = Base::Hex;
            } else if self.accept(b"oO") {
                base = Base::Oct;
            } else if self.accept(b"bB") {
                base = Base::Bin;
            }
        }
        self.accept_digits(base);
        if self.accept(b".") {
            self.accept_digits(base);
        }
        if base == Base::Dec && self.accept(b"eE") {
            self.accept(b"+-");
            self.accept_digits(Base::Dec);
        }
        if base == Base::Hex && self.accept(b"pP") {
            self.accept(b"+-");
            self.accept_digits(Base::Dec);
        }
        self.accept(b"i");
        if let Some(c) = self.peek_char() {
            if is_alnum(c) {
                self.pos += c.len_utf8();
                return false;
            }
        }
        true
    }

    fn lex_number(&mut self) -> State {
        if !self.scan_number() {
            let s = self.input[self.start..self.pos].to_string();
            return self.error(format!("bad number syntax: {}", crate::fmt::quote(&s)));
        }
        if matches!(self.b.get(self.pos), Some(b'+' | b'-')) {
            if !self.scan_number() || !self.input[..self.pos].ends_with('i') {
                let s = self.input[self.start..self.pos].to_string();
                return self.error(format!("bad number syntax: {}", crate::fmt::quote(&s)));
            }
            self.emit(ItemType::Complex);
            return State::InsideAction;
        }
        self.emit(ItemType::Number);
        State::InsideAction
    }
}

/// Go's `%#U`: `U+0041 'A'`.
pub fn go_u(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} '{}'", c as u32, c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<ItemType> {
        lex(s).items.iter().map(|i| i.typ).collect()
    }

    fn last_error(s: &str) -> Option<String> {
        let l = lex(s);
        (l.items.last().map(|i| i.typ) == Some(ItemType::Error)).then_some(l.error)
    }

    #[test]
    fn trim_markers_remove_surrounding_space() {
        let items = lex("a \n {{- 1 -}} \n b").items;
        assert_eq!(items[0].val, "a");
        assert_eq!(items.last().map(|i| i.typ), Some(ItemType::Eof));
        let text: Vec<&str> = items
            .iter()
            .filter(|i| i.typ == ItemType::Text)
            .map(|i| i.val)
            .collect();
        assert_eq!(text, vec!["a", "b"]);
    }

    #[test]
    fn minus_without_space_is_a_number() {
        use ItemType::*;
        assert_eq!(kinds("{{-3}}"), vec![LeftDelim, Number, RightDelim, Eof]);
        assert_eq!(kinds("{{- 3}}"), vec![LeftDelim, Number, RightDelim, Eof]);
    }

    #[test]
    fn comments_are_skipped_and_errors_reported() {
        use ItemType::*;
        assert_eq!(kinds("a{{/* x */}}b"), vec![Text, Text, Eof]);
        assert_eq!(last_error("{{/* x "), Some("unclosed comment".into()));
        assert_eq!(
            last_error("{{/* x */ 1}}"),
            Some("comment ends before closing delimiter".into())
        );
        assert_eq!(last_error("{{ 1"), Some("unclosed action".into()));
    }

    #[test]
    fn items_know_their_line() {
        let text = "a\nb\n{{ .x }}";
        let items = lex(text).items;
        let field = items
            .iter()
            .find(|i| i.typ == ItemType::Field)
            .map(|i| line_at(text, i.pos));
        assert_eq!(field, Some(3));
    }
}
