//! Every sentence a retailer or vendor reads, in English and Nepali, in one place.

use chrono::NaiveDate;

use crate::money::format_npr;
use crate::retailers::Language;

use Language::{En, Ne};

pub fn help(lang: Language) -> String {
    match lang {
        En => "Khaacho: send your order as you write it, e.g. \"rice 10, chini 5 kg, RICE-1KG x 2\". \
               You get a priced preview; reply CONFIRM to place it or CANCEL to drop it.\n\
               Other words: STATUS [order], BALANCE, REORDER, RECEIVED [order], ISSUE [order] what is wrong, HELP."
            .into(),
        Ne => "खाचो: अर्डर जसरी लेख्नुहुन्छ त्यसरी नै पठाउनुहोस्, जस्तै \"chamal 10, chini 5 kg\"। \
               मूल्यसहितको सूची आउँछ; राख्न CONFIRM वा हो, छोड्न CANCEL लेख्नुहोस्।\n\
               अरू: STATUS [अर्डर], BALANCE (बाँकी), REORDER, RECEIVED [अर्डर], ISSUE [अर्डर] समस्या, HELP।"
            .into(),
    }
}

pub fn vendor_help() -> String {
    "Khaacho vendor commands: ACCEPT [order], REJECT [order] [reason], PACKING [order], \
     DISPATCHED [order], DELIVERED [order], STOCK <sku> <packs>, PRICE <sku> <rupees>."
        .into()
}

pub fn stranger() -> String {
    "Namaste! This number is not registered with Khaacho yet. We have passed your message to our \
     team and they will contact you soon. / नमस्ते! यो नम्बर खाचोमा दर्ता छैन। हाम्रो टोलीले चाँडै सम्पर्क गर्नेछ।"
        .into()
}

pub fn preview_header(lang: Language) -> &'static str {
    match lang {
        En => "Your order:",
        Ne => "तपाईंको अर्डर:",
    }
}

pub fn preview_footer(lang: Language, ttl_mins: u64) -> String {
    match lang {
        En => format!(
            "Reply CONFIRM to place it, CANCEL to drop it, or send changes (valid {ttl_mins} min)."
        ),
        Ne => format!(
            "राख्न CONFIRM (हो), छोड्न CANCEL लेख्नुहोस्, वा परिवर्तन पठाउनुहोस् ({ttl_mins} मिनेटभित्र)।"
        ),
    }
}

pub fn totals(lang: Language, subtotal: i64, vat: i64, total: i64, available_after: i64) -> String {
    match lang {
        En => format!(
            "Subtotal {}, VAT {}, Total {}\nCredit available after this order: {}",
            format_npr(subtotal),
            format_npr(vat),
            format_npr(total),
            format_npr(available_after)
        ),
        Ne => format!(
            "जम्मा {}, भ्याट {}, कुल {}\nयो अर्डरपछि बाँकी क्रेडिट: {}",
            format_npr(subtotal),
            format_npr(vat),
            format_npr(total),
            format_npr(available_after)
        ),
    }
}

pub fn did_you_mean(lang: Language, phrase: &str, options: &[String]) -> String {
    let list: Vec<String> = options
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{}) {o}", i + 1))
        .collect();
    match lang {
        En => format!(
            "For \"{phrase}\", did you mean {}? Reply with the number.",
            list.join("  ")
        ),
        Ne => format!(
            "\"{phrase}\" भन्नाले {} मध्ये कुन? नम्बर लेख्नुहोस्।",
            list.join("  ")
        ),
    }
}

pub fn not_understood(lang: Language, phrase: &str, reason: &str) -> String {
    match lang {
        En => format!("Not added: \"{phrase}\" — {reason}"),
        Ne => format!("थपिएन: \"{phrase}\" — {reason}"),
    }
}

pub fn not_found(phrase: &str) -> String {
    format!("\"{phrase}\" is not in our catalog; try another name or the product code")
}

pub fn nothing_pending(lang: Language) -> String {
    match lang {
        En => "There is no order waiting for confirmation. Send your order first.".into(),
        Ne => "पुष्टि गर्न कुनै अर्डर बाँकी छैन। पहिले अर्डर पठाउनुहोस्।".into(),
    }
}

pub fn expired(lang: Language) -> String {
    match lang {
        En => "That preview has expired. Please send your order again.".into(),
        Ne => "त्यो सूचीको समय सकियो। कृपया अर्डर फेरि पठाउनुहोस्।".into(),
    }
}

pub fn cancelled_preview(lang: Language) -> String {
    match lang {
        En => "Dropped. Nothing was ordered.".into(),
        Ne => "हटाइयो। केही अर्डर भएन।".into(),
    }
}

pub fn nothing_to_order(lang: Language) -> String {
    match lang {
        En => "Nothing in this preview can be ordered yet; please fix the lines above.".into(),
        Ne => "यो सूचीमा अहिले अर्डर गर्न मिल्ने केही छैन; माथिका लाइन मिलाउनुहोस्।".into(),
    }
}

pub fn placed(lang: Language, numbers: &[String], total: i64) -> String {
    match lang {
        En => format!(
            "Order placed: {} — total {}. We will tell you when the vendor accepts.",
            numbers.join(", "),
            format_npr(total)
        ),
        Ne => format!(
            "अर्डर राखियो: {} — जम्मा {}। पसलले स्वीकार गरेपछि खबर गर्नेछौं।",
            numbers.join(", "),
            format_npr(total)
        ),
    }
}

pub fn refused(lang: Language, why: &str) -> String {
    match lang {
        En => format!("The order could not be placed: {why}"),
        Ne => format!("अर्डर राख्न सकिएन: {why}"),
    }
}

pub fn blocked(lang: Language, why: &str) -> String {
    match lang {
        En => format!(
            "{why}. You can still pay by eSewa, Khalti, Fonepay, bank transfer or cash to our team; send BALANCE to see what is due."
        ),
        Ne => format!(
            "{why}। eSewa, Khalti, Fonepay, बैंक वा नगदबाट भुक्तानी गर्न सक्नुहुन्छ; बाँकी हेर्न BALANCE लेख्नुहोस्।"
        ),
    }
}

pub fn balance(
    lang: Language,
    owed: i64,
    available: i64,
    next_due: Option<(NaiveDate, i64)>,
) -> String {
    let due = next_due.map(|(d, a)| (d.format("%Y-%m-%d").to_string(), format_npr(a)));
    match (lang, due) {
        (En, Some((d, a))) => format!(
            "You owe {}. Credit available {}. Next payment: {a} by {d}.",
            format_npr(owed),
            format_npr(available)
        ),
        (En, None) => format!(
            "You owe {}. Credit available {}. Nothing is due.",
            format_npr(owed),
            format_npr(available)
        ),
        (Ne, Some((d, a))) => format!(
            "तिर्न बाँकी {}। उपलब्ध क्रेडिट {}। अर्को भुक्तानी: {d} सम्म {a}।",
            format_npr(owed),
            format_npr(available)
        ),
        (Ne, None) => format!(
            "तिर्न बाँकी {}। उपलब्ध क्रेडिट {}। अहिले तिर्नुपर्ने छैन।",
            format_npr(owed),
            format_npr(available)
        ),
    }
}

pub fn status(lang: Language, number: &str, state: &str, vendor: &str, total: i64) -> String {
    match lang {
        En => format!(
            "Order {number}: {state} with {vendor}, total {}.",
            format_npr(total)
        ),
        Ne => format!(
            "अर्डर {number}: {state} ({vendor}), जम्मा {}।",
            format_npr(total)
        ),
    }
}

pub fn no_orders(lang: Language) -> String {
    match lang {
        En => "You have no orders yet.".into(),
        Ne => "तपाईंको कुनै अर्डर छैन।".into(),
    }
}

pub fn unknown_order(lang: Language, number: &str) -> String {
    match lang {
        En => format!("No order {number} of yours was found."),
        Ne => format!("तपाईंको अर्डर {number} भेटिएन।"),
    }
}

pub fn received(lang: Language, number: &str) -> String {
    match lang {
        En => format!("Thank you — order {number} is complete."),
        Ne => format!("धन्यवाद — अर्डर {number} पूरा भयो।"),
    }
}

pub fn issue_noted(lang: Language, number: &str) -> String {
    match lang {
        En => format!(
            "Sorry about that. We have noted the problem with order {number}; our team will call you."
        ),
        Ne => format!("माफ गर्नुहोस्। अर्डर {number} को समस्या टिपियो; हाम्रो टोलीले फोन गर्नेछ।"),
    }
}

pub fn question(lang: Language) -> String {
    match lang {
        En => "To order, send the items and quantities, e.g. \"rice 10, dal 5 kg\". Send HELP for more.".into(),
        Ne => "अर्डर गर्न सामान र मात्रा पठाउनुहोस्, जस्तै \"chamal 10, dal 5 kg\"। थप जानकारीका लागि HELP लेख्नुहोस्।".into(),
    }
}

pub fn removed(lang: Language, what: &str) -> String {
    match lang {
        En => format!("Removed \"{what}\"."),
        Ne => format!("\"{what}\" हटाइयो।"),
    }
}

pub fn not_in_preview(lang: Language, what: &str) -> String {
    match lang {
        En => format!("\"{what}\" is not in your order preview."),
        Ne => format!("\"{what}\" तपाईंको सूचीमा छैन।"),
    }
}

pub fn answer_first(lang: Language) -> String {
    match lang {
        En => {
            "Please answer the question above first (reply with its number), then CONFIRM.".into()
        }
        Ne => "पहिले माथिको प्रश्नको जवाफ (नम्बर) दिनुहोस्, अनि CONFIRM लेख्नुहोस्।".into(),
    }
}

pub fn throttled() -> String {
    "You are sending messages very fast; please wait a minute. / कृपया एक मिनेट पर्खनुहोस्।".into()
}
