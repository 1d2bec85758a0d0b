//! Phone numbers at the provider edge: read the providers' forms (`whatsapp:+977...`, bare
//! `977...`) into E.164 with a `+`, and mask numbers before they can reach a log.
//!
//! Phone numbers are personal data: nothing in this module ever returns a full number in a
//! string meant for people or logs.

/// E.164 allows at most 15 digits; fewer than 7 is no real subscriber number.
const MIN_DIGITS: usize = 7;
const MAX_DIGITS: usize = 15;

/// Reads `whatsapp:+9779812345678`, `+9779812345678` or `9779812345678` as `+9779812345678`.
/// Anything else (letters, spaces, too short or too long) is `None`.
pub(crate) fn to_e164(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = strip_prefix_ignore_case(raw, "whatsapp:").unwrap_or(raw);
    let digits = raw.strip_prefix('+').unwrap_or(raw);
    let ok = (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then(|| format!("+{digits}"))
}

/// Reads a number the way [`to_e164`] does but also allows the spaces, dashes and brackets of
/// a display form such as Meta's `display_phone_number` (`+1 555-000-1111`).
pub(crate) fn display_to_e164(raw: &str) -> Option<String> {
    let compact: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    to_e164(&compact)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// A number safe to log: the first four and last three characters, e.g. `+977…678`.
/// Short inputs are hidden entirely.
pub fn mask_phone(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 8 {
        return "***".to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}…{tail}")
}

/// Masks every run of seven or more digits in free text (a provider's error message can quote
/// the number it refused), so the text can be stored and logged.
pub(crate) fn mask_digit_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
            continue;
        }
        flush_run(&mut out, &mut run);
        out.push(c);
    }
    flush_run(&mut out, &mut run);
    out
}

fn flush_run(out: &mut String, run: &mut String) {
    if run.len() >= MIN_DIGITS {
        out.push_str(&mask_phone(run));
    } else {
        out.push_str(run);
    }
    run.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_form_of_a_number_reads_as_e164() {
        for raw in ["whatsapp:+9779812345678", "+9779812345678", "9779812345678"] {
            assert_eq!(to_e164(raw).as_deref(), Some("+9779812345678"), "{raw}");
        }
        assert_eq!(
            to_e164("WhatsApp:+14155238886").as_deref(),
            Some("+14155238886")
        );
    }

    #[test]
    fn things_that_are_not_numbers_are_refused() {
        for raw in [
            "",
            "whatsapp:",
            "+",
            "+977 981",
            "abc",
            "+0123456789",
            "12345",
            "+1234567890123456",
        ] {
            assert_eq!(to_e164(raw), None, "{raw}");
        }
        assert_eq!(to_e164("whatsapp:+९७७९८१२३४५६७८"), None);
    }

    #[test]
    fn a_display_number_with_spaces_and_dashes_is_read() {
        assert_eq!(
            display_to_e164("+1 555-000-1111").as_deref(),
            Some("+15550001111")
        );
        assert_eq!(
            display_to_e164("15550001111").as_deref(),
            Some("+15550001111")
        );
    }

    #[test]
    fn a_masked_number_keeps_only_its_ends() {
        assert_eq!(mask_phone("+9779812345678"), "+977…678");
        assert_eq!(mask_phone("+97798"), "***");
        assert_eq!(mask_phone("९७७९८१२३४५६७८"), "९७७९…६७८");
    }

    #[test]
    fn numbers_inside_an_error_message_are_masked_and_short_codes_kept() {
        let masked =
            mask_digit_runs("The 'To' number whatsapp:+9779812345678 is not valid (21211)");
        assert_eq!(
            masked,
            "The 'To' number whatsapp:+9779…678 is not valid (21211)"
        );
    }
}
