//! The lexer: splits a program's source into tokens, each with its line and column.
//!
//! Whitespace (spaces, tabs, `\r`) and comments (`#` to the end of the line) are skipped; a newline
//! and `;` both end a statement and become [`TokenKind::Newline`]. Numbers are checked here, so
//! `1.2.3` or `1e` is reported as one malformed number rather than as a puzzling sequence of tokens.

use super::error::{ErrorKind, ExprError, Pos};

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A number: `12`, `1.5`, `.5`, `1e-3`.
    Number,
    /// A name or a function name: `[A-Za-z_][A-Za-z0-9_]*`.
    Name,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `**`
    StarStar,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `=`
    Assign,
    /// `+=`
    PlusAssign,
    /// `-=`
    MinusAssign,
    /// `*=`
    StarAssign,
    /// `/=`
    SlashAssign,
    /// The end of a statement: a newline or `;`.
    Newline,
    /// The end of the source.
    End,
}

/// One token: its kind, its text in the source and where it starts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Token<'s> {
    /// What the token is.
    pub kind: TokenKind,
    /// The token's text (empty for [`TokenKind::End`], `"\n"` or `";"` for [`TokenKind::Newline`]).
    pub text: &'s str,
    /// Where the token starts.
    pub pos: Pos,
    /// The number's value, for [`TokenKind::Number`] (0 otherwise).
    pub number: f64,
}

impl Token<'_> {
    /// The token as an error message names it: ``number `1.5` ``, ``name `x` ``, `` `+` ``, `end of line`.
    pub fn describe(&self) -> String {
        match self.kind {
            TokenKind::Number => format!("number `{}`", self.text),
            TokenKind::Name => format!("name `{}`", self.text),
            TokenKind::Newline if self.text == ";" => "`;`".to_string(),
            TokenKind::Newline => "end of line".to_string(),
            TokenKind::End => "end of input".to_string(),
            _ => format!("`{}`", self.text),
        }
    }
}

/// Splits `source` into tokens, ending with one [`TokenKind::End`].
///
/// ```
/// use micrograd::expr::{tokenize, TokenKind};
///
/// let tokens = tokenize("y = x**2  # square").unwrap();
/// let kinds: Vec<TokenKind> = tokens.iter().map(|t| t.kind).collect();
/// assert_eq!(kinds, [TokenKind::Name, TokenKind::Assign, TokenKind::Name, TokenKind::StarStar,
///                    TokenKind::Number, TokenKind::End]);
/// assert_eq!((tokens[3].pos.line, tokens[3].pos.col), (1, 6));
/// ```
///
/// # Errors
/// A character outside the language, or a malformed number.
pub fn tokenize(source: &str) -> Result<Vec<Token<'_>>, ExprError> {
    let mut lexer = Lexer {
        source,
        offset: 0,
        pos: Pos { line: 1, col: 1 },
    };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token()?;
        tokens.push(token);
        if token.kind == TokenKind::End {
            return Ok(tokens);
        }
    }
}

struct Lexer<'s> {
    source: &'s str,
    /// Byte offset of the next character.
    offset: usize,
    /// Line and column of the next character.
    pos: Pos,
}

impl<'s> Lexer<'s> {
    fn peek(&self) -> Option<char> {
        self.source[self.offset..].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        let mut chars = self.source[self.offset..].chars();
        chars.next();
        chars.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.offset += c.len_utf8();
        if c == '\n' {
            self.pos.line += 1;
            self.pos.col = 1;
        } else {
            self.pos.col += 1;
        }
        Some(c)
    }

    fn bump_while(&mut self, keep: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&keep) {
            self.bump();
        }
    }

    fn next_token(&mut self) -> Result<Token<'s>, ExprError> {
        // Skip blanks and comments; a comment runs up to, not including, its newline.
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\r') => {
                    self.bump();
                }
                Some('#') => self.bump_while(|c| c != '\n'),
                _ => break,
            }
        }
        let start = self.offset;
        let pos = self.pos;
        let Some(c) = self.bump() else {
            return Ok(Token {
                kind: TokenKind::End,
                text: "",
                pos,
                number: 0.0,
            });
        };
        let next_is_eq = self.peek() == Some('=');
        let kind = match c {
            '\n' | ';' => TokenKind::Newline,
            '(' => TokenKind::LParen,
            ')' => TokenKind::RParen,
            '=' => TokenKind::Assign,
            '+' | '-' | '/' if next_is_eq => {
                self.bump();
                match c {
                    '+' => TokenKind::PlusAssign,
                    '-' => TokenKind::MinusAssign,
                    _ => TokenKind::SlashAssign,
                }
            }
            '+' => TokenKind::Plus,
            '-' => TokenKind::Minus,
            '/' => TokenKind::Slash,
            '*' => match self.peek() {
                Some('*') => {
                    self.bump();
                    TokenKind::StarStar
                }
                Some('=') => {
                    self.bump();
                    TokenKind::StarAssign
                }
                _ => TokenKind::Star,
            },
            'A'..='Z' | 'a'..='z' | '_' => {
                self.bump_while(|c| c.is_ascii_alphanumeric() || c == '_');
                TokenKind::Name
            }
            '0'..='9' => return self.number(start, pos),
            '.' if self.peek().is_some_and(|c| c.is_ascii_digit()) => return self.number(start, pos),
            other => {
                return Err(ExprError::new(
                    ErrorKind::UnexpectedCharacter,
                    pos,
                    1,
                    format!(
                        "unexpected character `{}`: the language has names, numbers, `+ - * / **`, `( )`, \
                         assignments (`= += -= *= /=`), `;`, newlines and `#` comments",
                        other.escape_debug()
                    ),
                ))
            }
        };
        Ok(Token {
            kind,
            text: &self.source[start..self.offset],
            pos,
            number: 0.0,
        })
    }

    /// Lexes a number whose first character (a digit, or a `.` before a digit) was just consumed.
    fn number(&mut self, start: usize, pos: Pos) -> Result<Token<'s>, ExprError> {
        let is_digit = |c: char| c.is_ascii_digit();
        let started_with_dot = self.source[start..].starts_with('.');
        self.bump_while(is_digit);
        if !started_with_dot && self.peek() == Some('.') {
            self.bump();
            self.bump_while(is_digit);
        }
        let mut exponent_ok = true;
        if matches!(self.peek(), Some('e' | 'E')) {
            let sign = matches!(self.peek_second(), Some('+' | '-'));
            self.bump();
            if sign {
                self.bump();
            }
            exponent_ok = self.peek().is_some_and(is_digit);
            self.bump_while(is_digit);
        }
        let glued = self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !exponent_ok || glued {
            // Take the whole run of number-like characters, so the error shows all of `1.2.3`.
            self.bump_while(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            let text = &self.source[start..self.offset];
            let hint = if !exponent_ok && !glued {
                "; an exponent needs digits, as in 1e-3"
            } else if text.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E') {
                "; a product needs `*`, as in `2 * x`"
            } else {
                ""
            };
            return Err(ExprError::new(
                ErrorKind::MalformedNumber,
                pos,
                text.chars().count(),
                format!("malformed number `{text}`: expected a number such as 12, 1.5, .5 or 1e-3{hint}"),
            ));
        }
        let text = &self.source[start..self.offset];
        let number = text.parse::<f64>().map_err(|_| {
            ExprError::new(
                ErrorKind::MalformedNumber,
                pos,
                text.len(),
                format!("malformed number `{text}`"),
            )
        })?;
        Ok(Token {
            kind: TokenKind::Number,
            text,
            pos,
            number,
        })
    }
}
