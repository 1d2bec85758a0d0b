//! TwiML: the XML reply Twilio reads from a webhook's own response and sends on our behalf.
//!
//! Every part becomes one `<Message>`. Text is XML-escaped, and characters XML 1.0 forbids
//! (most C0 controls, U+FFFE, U+FFFF) are dropped, so any input gives a well-formed document.

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#;
const TAIL: &str = "</Response>";

/// `<?xml ...?><Response><Message>part</Message>...</Response>`; no parts gives an empty
/// `<Response></Response>`, which tells Twilio there is nothing to send.
pub fn twiml(parts: &[String]) -> String {
    let mut xml = String::with_capacity(
        HEAD.len() + TAIL.len() + parts.iter().map(|p| p.len() + 24).sum::<usize>(),
    );
    xml.push_str(HEAD);
    for part in parts {
        xml.push_str("<Message>");
        push_escaped(&mut xml, part);
        xml.push_str("</Message>");
    }
    xml.push_str(TAIL);
    xml
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if allowed_in_xml(c) => out.push(c),
            _ => {}
        }
    }
}

/// XML 1.0's `Char` production: tab, line feed, carriage return, and everything from U+0020
/// except U+FFFE and U+FFFF (surrogates cannot occur in a Rust `char`).
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_part_is_one_message_element() {
        let xml = twiml(&["Namaste!".to_owned()]);
        assert_eq!(
            xml,
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Message>Namaste!</Message></Response>"#
        );
    }

    #[test]
    fn a_split_text_is_several_message_elements_in_order() {
        let xml = twiml(&["one".to_owned(), "दुई".to_owned()]);
        assert!(xml.ends_with("<Response><Message>one</Message><Message>दुई</Message></Response>"));
    }

    #[test]
    fn markup_in_the_text_is_escaped() {
        let xml = twiml(&[r#"<b>"Tom" & 'Jerry'</b>"#.to_owned()]);
        assert!(xml.contains(
            "<Message>&lt;b&gt;&quot;Tom&quot; &amp; &apos;Jerry&apos;&lt;/b&gt;</Message>"
        ));
        assert!(!xml.contains("<b>"));
    }

    #[test]
    fn characters_xml_forbids_are_dropped_and_line_breaks_kept() {
        let xml = twiml(&["a\u{0}b\u{1B}c\u{FFFF}d\ne\tf".to_owned()]);
        assert!(xml.contains("<Message>abcd\ne\tf</Message>"));
    }

    #[test]
    fn no_parts_is_an_empty_response() {
        assert_eq!(
            twiml(&[]),
            r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#
        );
    }
}
