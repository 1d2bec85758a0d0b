//! Reading word lists (the built-in `lexicon.txt` and regional extras): one line a word with
//! its roles, units, packs and number values; a malformed line is named.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::*;

impl Lexicon {
    /// Reads word lists in the format of the built-in `lexicon.txt` (e.g. regional extras),
    /// rejecting the whole text if any line is malformed.
    pub fn from_text(text: &str) -> Result<Self, LexiconError> {
        let (lexicon, mut errors) = Lexicon::read(text);
        match errors.is_empty() {
            true => Ok(lexicon),
            false => Err(errors.swap_remove(0)),
        }
    }

    /// Adds the words of `text` (same format) to this lexicon.
    pub fn extend_from_text(&mut self, text: &str) -> Result<(), LexiconError> {
        let errors = self.add_text(text);
        errors.into_iter().next().map_or(Ok(()), Err)
    }

    pub(super) fn read(text: &str) -> (Self, Vec<LexiconError>) {
        let mut lexicon = Lexicon {
            words: HashMap::with_capacity(1200),
            stems: Vec::new(),
            counting: Vec::new(),
            protected: HashMap::new(),
            glued: Default::default(),
        };
        let errors = lexicon.add_text(text);
        (lexicon, errors)
    }

    fn add_text(&mut self, text: &str) -> Vec<LexiconError> {
        let mut errors = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Err(reason) = self.add_line(line) {
                errors.push(LexiconError {
                    line: n + 1,
                    reason,
                });
            }
        }
        errors
    }

    fn add_line(&mut self, line: &str) -> Result<(), String> {
        let (header, words) = line
            .split_once(':')
            .ok_or_else(|| "expected 'header: words'".to_string())?;
        let words: Vec<&str> = words.split_whitespace().collect();
        let mut parts = header.split_whitespace();
        let kind = parts.next().unwrap_or_default();
        let args: Vec<&str> = parts.collect();
        match (kind, args.as_slice()) {
            ("unit", [name]) => {
                let unit = unit_named(name).ok_or_else(|| format!("unknown unit '{name}'"))?;
                words.iter().for_each(|w| self.entry(w).unit = Some(unit));
            }
            ("pack", [name]) => {
                let pack = pack_named(name).ok_or_else(|| format!("unknown pack '{name}'"))?;
                for w in &words {
                    let entry = self.entry(w);
                    if entry.unit.is_none() {
                        return Err(format!("pack word '{w}' has no unit"));
                    }
                    entry.pack = Some(pack);
                }
            }
            ("number", [v]) => self.set_numbers(&words, v, NumberKind::Value)?,
            ("scale", [v]) => self.set_numbers(&words, v, NumberKind::Scale)?,
            ("prefix", [v]) => self.set_numbers(&words, v, NumberKind::Prefix)?,
            ("ambiguous", []) => {
                for w in &words {
                    let number = self.entry(w).number.as_mut();
                    let number = number.ok_or_else(|| format!("'{w}' is not a number word"))?;
                    number.ambiguous = true;
                }
            }
            ("stems", []) => self.stems.extend(words.iter().map(|w| normalize(w))),
            ("counting", []) => self.counting.extend(words.iter().map(|w| normalize(w))),
            ("role", names) if !names.is_empty() => {
                let mut roles = 0;
                for name in names {
                    roles |= role_named(name).ok_or_else(|| format!("unknown role '{name}'"))?;
                }
                words.iter().for_each(|w| self.entry(w).roles |= roles);
            }
            _ => return Err(format!("unknown header '{header}'")),
        }
        Ok(())
    }

    fn set_numbers(&mut self, words: &[&str], value: &str, kind: NumberKind) -> Result<(), String> {
        let value = Decimal::from_str(value).map_err(|_| format!("'{value}' is not a number"))?;
        for w in words {
            self.entry(w).number = Some(NumberWord {
                value,
                kind,
                ambiguous: false,
            });
        }
        Ok(())
    }
}

fn unit_named(name: &str) -> Option<Unit> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

fn pack_named(name: &str) -> Option<Pack> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

fn role_named(name: &str) -> Option<u16> {
    Some(match name {
        "filler" => role::FILLER,
        "social" => role::SOCIAL,
        "honorific" => role::HONORIFIC,
        "split" => role::SPLIT,
        "split_soft" => role::SPLIT_SOFT,
        "connector" => role::CONNECTOR,
        "price_before" => role::PRICE_BEFORE,
        "price_after" => role::PRICE_AFTER,
        "marker" => role::MARKER,
        "question" => role::QUESTION,
        "question_strong" => role::QUESTION_STRONG,
        "time_after" => role::TIME_AFTER,
        "good" => role::GOOD,
        "daytime" => role::DAYTIME,
        "counted" => role::COUNTED,
        "also" => role::ALSO,
        _ => return None,
    })
}
