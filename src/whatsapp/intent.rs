//! What a message asks for. A command keyword counts only as the whole message or as its
//! first word: "order rice 10" is an order, "kati ho chamal ko rate?" is a question, not a
//! "ho" (yes). Commands that take no arguments allow only politeness after them.

use crate::orders::Action;
use crate::types::order_number::OrderNumber;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    Confirm,
    /// Drop the preview.
    Cancel,
    /// Cancel a placed order.
    CancelOrder(String),
    /// An answer to "did you mean 1) 2) 3)".
    Choose(usize),
    Help,
    Balance,
    Status(Option<String>),
    Reorder,
    Received(Option<String>),
    Issue(Option<String>, String),
    Remove(String),
    /// Vendor: accept, reject (with reason), pack, dispatch, deliver.
    Move(Action, Option<String>, String),
    Stock(String, String),
    Price(String, String),
    /// Anything else: order text, a greeting or a question.
    Text,
}

const POLITE: &[&str] = &[
    "please",
    "plz",
    "pls",
    "thanks",
    "thank",
    "you",
    "thankyou",
    "dhanyabad",
    "dhanyavad",
    "hai",
    "ji",
    "sir",
    "dai",
    "didi",
    "hajur",
    "la",
    "है",
    "हजुर",
    "धन्यवाद",
    "now",
    "go",
    "it",
    "order",
];

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

fn only_polite(rest: &[String]) -> bool {
    rest.iter().all(|w| POLITE.contains(&w.as_str()))
}

/// An order number in the words, e.g. `ORD2611260007`.
fn order_number(rest: &[String]) -> Option<String> {
    rest.iter()
        .find_map(|w| OrderNumber::parse(w))
        .map(OrderNumber::into_string)
}

fn without_number(rest: &[String]) -> String {
    rest.iter()
        .filter(|w| order_number(std::slice::from_ref(w)).is_none())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

fn digit_value(w: &str) -> Option<usize> {
    let ascii: String = w
        .chars()
        .map(|c| match c {
            '०'..='९' => char::from_digit(c as u32 - '०' as u32, 10).unwrap_or(c),
            _ => c,
        })
        .collect();
    ascii.parse().ok().filter(|n| (1..=9).contains(n))
}

/// Reads what the message asks for; `vendor` turns on the vendor's commands.
pub fn read(text: &str, vendor: bool) -> Intent {
    let w = words(text);
    let Some((first, rest)) = w.split_first() else {
        return Intent::Text;
    };
    if rest.is_empty()
        && let Some(n) = digit_value(first)
    {
        return Intent::Choose(n);
    }
    if vendor && let Some(i) = vendor_command(first, rest) {
        return i;
    }
    match first.as_str() {
        "confirm" | "confirmed" | "yes" | "y" | "ok" | "okay" | "ho" | "हो" | "hunchha"
        | "huncha" | "हुन्छ"
            if only_polite(rest) =>
        {
            Intent::Confirm
        }
        "cancel" | "radda" | "रद्द" if order_number(rest).is_some() => {
            Intent::CancelOrder(order_number(rest).unwrap_or_default())
        }
        "cancel" | "no" | "nah" | "hoina" | "होइन" | "radda" | "रद्द" if only_polite(rest) => {
            Intent::Cancel
        }
        "help" | "menu" | "madat" | "सहायता" | "मद्दत" if only_polite(rest) => {
            Intent::Help
        }
        "balance" | "baaki" | "baki" | "बाँकी" | "बाकी" | "hisab" | "हिसाब" if only_polite(rest) => {
            Intent::Balance
        }
        "status" | "स्थिति" => Intent::Status(order_number(rest)),
        "reorder" | "repeat" if only_polite(rest) => Intent::Reorder,
        "received" | "payo" | "paayo" | "पायो" => Intent::Received(order_number(rest)),
        "issue" | "problem" | "samasya" | "समस्या" => {
            Intent::Issue(order_number(rest), without_number(rest))
        }
        "remove" | "hatau" | "hataunus" | "hataidinus" | "हटाउ" | "हटाउनुहोस्" | "delete"
            if !rest.is_empty() =>
        {
            Intent::Remove(rest.join(" "))
        }
        _ => Intent::Text,
    }
}

fn vendor_command(first: &str, rest: &[String]) -> Option<Intent> {
    let num = order_number(rest);
    let note = without_number(rest);
    let action = match first {
        "accept" | "accepted" | "swikar" | "स्वीकार" => Action::Accept,
        "reject" | "rejected" | "asvikar" | "अस्वीकार" => Action::Reject,
        "packing" | "pack" | "packed" => Action::Pack,
        "dispatched" | "dispatch" | "sent" | "pathayo" | "पठायो" => Action::Dispatch,
        "delivered" | "deliver" | "pugyo" | "पुग्यो" => Action::Deliver,
        "stock" if rest.len() == 2 => return Some(Intent::Stock(rest[0].clone(), rest[1].clone())),
        "price" if rest.len() == 2 => return Some(Intent::Price(rest[0].clone(), rest[1].clone())),
        "help" | "menu" => return Some(Intent::Help),
        _ => return None,
    };
    Some(Intent::Move(action, num, note))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyword_counts_only_as_the_whole_message_or_its_first_word() {
        assert_eq!(read("CONFIRM", false), Intent::Confirm);
        assert_eq!(read("ok, thank you", false), Intent::Confirm);
        assert_eq!(read("हो", false), Intent::Confirm);
        assert_eq!(read("kati ho chamal ko rate?", false), Intent::Text);
        assert_eq!(read("order rice 10", false), Intent::Text);
        assert_eq!(
            read("ok 2 more rice", false),
            Intent::Text,
            "yes-words take no arguments"
        );
        assert_eq!(read("Okra 3", false), Intent::Text);
        assert_eq!(read("status", false), Intent::Status(None));
        assert_eq!(
            read("STATUS ORD2611260007", false),
            Intent::Status(Some("ORD2611260007".into()))
        );
    }

    #[test]
    fn answers_and_changes_are_recognised() {
        assert_eq!(read("2", false), Intent::Choose(2));
        assert_eq!(read("२", false), Intent::Choose(2));
        assert_eq!(read("remove oil", false), Intent::Remove("oil".into()));
        assert_eq!(read("baaki", false), Intent::Balance);
        assert_eq!(
            read("ISSUE ORD2611260001 two bags torn", false),
            Intent::Issue(Some("ORD2611260001".into()), "two bags torn".into())
        );
    }

    #[test]
    fn vendors_have_their_own_commands() {
        assert_eq!(
            read("ACCEPT ORD2611260001", true),
            Intent::Move(Action::Accept, Some("ORD2611260001".into()), String::new())
        );
        assert_eq!(
            read("reject ORD2611260001 no stock", true),
            Intent::Move(
                Action::Reject,
                Some("ORD2611260001".into()),
                "no stock".into()
            )
        );
        assert_eq!(
            read("STOCK RICE-1KG 200", true),
            Intent::Stock("rice-1kg".into(), "200".into())
        );
        assert_eq!(
            read("ACCEPT ORD2611260001", false),
            Intent::Text,
            "retailers cannot accept"
        );
    }
}
