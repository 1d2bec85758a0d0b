//! Every sentence a retailer or vendor reads, in English and Nepali, in one place, so a
//! translator can review them in one file. A function per message kind; where a message goes
//! through the outbox, the function is named after its outbox kind (the template key of the
//! provider settings). This file is longer than the ~400 lines other files keep to, on
//! purpose: splitting it would split the translator's work.

use chrono::NaiveDate;

use crate::types::language::Language;
use crate::types::money::{Money, format_npr};

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

/// One priced line of a preview; `conversion` says how a written amount became packs.
/// `amount` is the line before VAT (packs × unit price), so a shop can check the sum and the
/// lines add up to the subtotal the totals line shows before it adds VAT.
pub fn preview_line(
    name: &str,
    packs: u32,
    unit_price: i64,
    amount: i64,
    conversion: Option<&str>,
) -> String {
    let conversion = conversion.map(|c| format!(" ({c})")).unwrap_or_default();
    format!(
        "{name} × {packs} @ {} = {}{conversion}",
        format_npr(unit_price),
        format_npr(amount)
    )
}

/// An entry of the preview, numbered for answering.
pub fn preview_numbered(n: usize, text: &str) -> String {
    format!("{n}. {text}")
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
            "उप-जम्मा {}, भ्याट {}, कुल {}\nयो अर्डरपछि बाँकी क्रेडिट: {}",
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

pub fn placed(lang: Language, numbers: &[String], total: Money) -> String {
    match lang {
        En => format!(
            "Order placed: {} — total {}. We will tell you when the vendor accepts.",
            numbers.join(", "),
            total
        ),
        Ne => format!(
            "अर्डर राखियो: {} — जम्मा {}। पसलले स्वीकार गरेपछि खबर गर्नेछौं।",
            numbers.join(", "),
            total
        ),
    }
}

/// Why an order could not be placed or moved, in the reader's language.
pub fn refusal(lang: Language, why: &Refusal) -> String {
    match (lang, why) {
        (En, Refusal::CreditShort { available, needed }) => format!(
            "it needs {} of credit and {} is available",
            format_npr(*needed),
            format_npr(*available)
        ),
        (Ne, Refusal::CreditShort { available, needed }) => format!(
            "यसलाई {} क्रेडिट चाहिन्छ, {} मात्र बाँकी छ",
            format_npr(*needed),
            format_npr(*available)
        ),
        (En, Refusal::NoVendor { why }) => why.clone(),
        (Ne, Refusal::NoVendor { why }) => format!("अहिले कुनै पसलले यो दिन सक्दैन ({why})"),
        (En, Refusal::CannotMove { state }) => {
            format!("the order is {state} and cannot be moved that way")
        }
        (Ne, Refusal::CannotMove { state }) => format!("अर्डर {state} अवस्थामा छ, यसरी सार्न मिल्दैन"),
        (En, Refusal::NotYours) => "that order is not yours to change".into(),
        (Ne, Refusal::NotYours) => "त्यो अर्डर तपाईंले बदल्न मिल्दैन".into(),
        (_, Refusal::Other(why)) => why.clone(),
    }
}

/// Why a shop may not order now, in the reader's language (English for the API).
pub fn block(lang: Language, b: &Block) -> String {
    match (lang, b) {
        (En, Block::ByOperator { shop }) => {
            format!("{shop} is blocked by the operator; please contact them")
        }
        (Ne, Block::ByOperator { shop }) => {
            format!("{shop} लाई सञ्चालकले रोकेको छ; कृपया सम्पर्क गर्नुहोस्")
        }
        (En, Block::Overdue { shop, days, owed }) => format!(
            "{shop} has a payment {days} days overdue ({} open); new orders resume once it is paid",
            format_npr(*owed)
        ),
        (Ne, Block::Overdue { shop, days, owed }) => format!(
            "{shop} को भुक्तानी {days} दिन ढिला छ ({} बाँकी); भुक्तानी भएपछि नयाँ अर्डर खुल्छ",
            format_npr(*owed)
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

pub fn status(lang: Language, number: &str, state: &str, vendor: &str, total: Money) -> String {
    match lang {
        En => format!("Order {number}: {state} with {vendor}, total {}.", total),
        Ne => format!(
            "अर्डर {number}: {} ({vendor}), जम्मा {}।",
            state_ne(state),
            total
        ),
    }
}

/// An order's state (as the API writes it) in the words the Nepali notifications use; an
/// unknown one as written.
fn state_ne(state: &str) -> &str {
    match state {
        "PLACED" => "राखियो, विक्रेताको स्वीकृति पर्खँदै",
        "ACCEPTED" => "स्वीकार भयो",
        "PACKING" => "प्याक हुँदैछ",
        "DISPATCHED" => "पठाइयो, बाटोमा छ",
        "DELIVERED" => "पुग्यो",
        "COMPLETED" => "पूरा भयो",
        "CANCELLED" => "रद्द भयो",
        other => other,
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

/// Why a vendor's STOCK or PRICE was refused.
pub enum ListingRefusal {
    AboveMrp,
    PriceOutside { minimum: i64, maximum: i64 },
    StockOutside { minimum: i64, maximum: i64 },
    Other(String),
}

/// A vendor's STOCK or PRICE refused, worded for the vendor (vendors are answered in English).
pub fn listing_refused(why: &ListingRefusal) -> String {
    match why {
        ListingRefusal::AboveMrp => "The price must not be above the MRP.".into(),
        ListingRefusal::PriceOutside { minimum, maximum } => format!(
            "The price must be between {} and {}.",
            format_npr(*minimum),
            format_npr(*maximum)
        ),
        ListingRefusal::StockOutside { minimum, maximum } => {
            format!("Stock must be between {minimum} and {maximum} packs.")
        }
        ListingRefusal::Other(why) => format!("That could not be done: {why}"),
    }
}

/// A message whose changes could not be saved: nothing was changed, send it again.
pub fn try_again() -> String {
    "Sorry, something went wrong and nothing was changed. Please send your message again. / \
     माफ गर्नुहोस्, केही गडबड भयो र केही परिवर्तन भएन। कृपया सन्देश फेरि पठाउनुहोस्।"
        .into()
}

/// A shop or vendor that an operator deactivated writes in.
pub fn deactivated(lang: Language) -> String {
    match lang {
        En => "This number is deactivated on Khaacho; please contact the operator.".into(),
        Ne => "यो नम्बर खाचोमा निष्क्रिय गरिएको छ; सञ्चालकलाई सम्पर्क गर्नुहोस्।".into(),
    }
}

/// An order moved at the sender's word.
pub fn moved(lang: Language, number: &str, state: &str) -> String {
    match lang {
        En => format!("Order {number} is now {state}."),
        Ne => format!("अर्डर {number} अब {state} भयो।"),
    }
}

/// A change the sender asked for was refused, with the reason.
pub fn not_done(lang: Language, why: &str) -> String {
    match lang {
        En => format!("That could not be done: {why}"),
        Ne => format!("त्यो गर्न सकिएन: {why}"),
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

// ---- order notifications, queued in the outbox (named after their outbox kinds) ----

/// One line of an order as a vendor reads it.
pub fn order_line(quantity: u32, name: &str, unit_price: Money) -> String {
    format!("- {quantity} × {name} @ {unit_price}")
}

/// What a new order says to its vendor (vendors are answered in English); `deadline` is the
/// Nepal time by which to answer, `HH:MM`.
pub struct NewOrder<'a> {
    pub number: &'a str,
    pub shop: &'a str,
    pub district: &'a str,
    pub lines: Vec<String>,
    pub total: Money,
    pub vat: Money,
    pub deadline: Option<String>,
}

/// `order_new_vendor`: a vendor's new order.
pub fn order_new_vendor(o: &NewOrder<'_>) -> String {
    let deadline = o
        .deadline
        .as_ref()
        .map(|d| format!(" by {d}"))
        .unwrap_or_default();
    format!(
        "New order {num} from {shop} ({district}):\n{lines}\nTotal {total} incl. VAT {vat}\nReply ACCEPT {num} or REJECT {num} <reason>{deadline}.",
        num = o.number,
        shop = o.shop,
        district = o.district,
        lines = o.lines.join("\n"),
        total = o.total,
        vat = o.vat,
    )
}

/// `order_placed_retailer`: an order someone else placed for the shop.
pub fn order_placed_retailer(lang: Language, number: &str, vendor: &str, total: Money) -> String {
    match lang {
        En => format!(
            "Order {number} placed with {vendor}: total {total}. We will tell you when it is accepted."
        ),
        Ne => format!("अर्डर {number} {vendor} लाई पठाइयो: जम्मा {total}। स्वीकार भएपछि खबर गर्नेछौं।"),
    }
}

fn in_brackets(note: &str) -> String {
    if note.is_empty() {
        String::new()
    } else {
        format!(" ({note})")
    }
}

/// `order_cancelled`: the shop's order was cancelled, with the reason when one was given.
pub fn order_cancelled(lang: Language, number: &str, note: &str) -> String {
    let reason = in_brackets(note);
    match lang {
        En => format!("Order {number} was cancelled{reason}. Any credit held for it is released."),
        Ne => format!("अर्डर {number} रद्द भयो{reason}। यसका लागि राखिएको क्रेडिट फुकुवा भयो।"),
    }
}

/// `order_placed` after a move: the shop's order went to another vendor.
pub fn order_rerouted(lang: Language, number: &str, vendor: Option<&str>, total: Money) -> String {
    match lang {
        En => format!(
            "Order {number} moved to {} — new total {total}.",
            vendor.unwrap_or("another vendor")
        ),
        Ne => format!(
            "अर्डर {number} अर्को पसल {} मा सारियो — नयाँ जम्मा {total}।",
            vendor.unwrap_or("")
        ),
    }
}

/// `order_accepted`: the vendor took the shop's order.
pub fn order_accepted(lang: Language, number: &str) -> String {
    match lang {
        En => format!("Order {number} was accepted by the vendor."),
        Ne => format!("अर्डर {number} स्वीकार भयो।"),
    }
}

/// `order_dispatched`: the shop's order left the vendor.
pub fn order_dispatched(lang: Language, number: &str) -> String {
    match lang {
        En => format!("Order {number} is on its way."),
        Ne => format!("अर्डर {number} पठाइयो, बाटोमा छ।"),
    }
}

/// `order_delivered`: the shop's order arrived, what it owes and by when.
pub fn order_delivered(
    lang: Language,
    number: &str,
    total: Money,
    due: Option<NaiveDate>,
) -> String {
    let n = number;
    let due = due
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    match lang {
        En => format!(
            "Order {n} was delivered: {total} due by {due}. Reply RECEIVED {n} if all is well, or ISSUE {n} and what is wrong."
        ),
        Ne => format!(
            "अर्डर {n} पुग्यो: {total} {due} सम्म तिर्नुहोस्। ठीक छ भने RECEIVED {n}, समस्या भए ISSUE {n} लेख्नुहोस्।"
        ),
    }
}

/// `order_cancelled_vendor`: an order the vendor holds was cancelled.
pub fn order_cancelled_vendor(number: &str, note: &str) -> String {
    let note = if note.is_empty() {
        String::new()
    } else {
        format!(": {note}")
    };
    format!("Order {number} was cancelled{note}. Do not send it.")
}

// ---- a vendor's commands ----

/// A vendor's ACCEPT, REJECT, PACK, DISPATCH or DELIVER that found no order waiting for it.
pub fn vendor_no_waiting_order(number: Option<&str>) -> String {
    match number {
        Some(n) => format!("No order {n} of yours is waiting for that."),
        None => "None of your orders is waiting for that.".into(),
    }
}

/// A vendor's STOCK or PRICE for a product it does not list.
pub fn vendor_no_listing(sku: &str) -> String {
    format!("You have no listing for {sku}.")
}

pub fn vendor_stock_usage() -> String {
    "Write STOCK <sku> <packs>, e.g. STOCK RICE-1KG 200.".into()
}

pub fn vendor_price_usage() -> String {
    "Write PRICE <sku> <rupees>, e.g. PRICE RICE-1KG 80.50.".into()
}

/// A vendor's STOCK done.
pub fn vendor_stock_set(sku: &str, packs: i64) -> String {
    format!("Done: stock of {sku} is now {packs}.")
}

/// A vendor's PRICE done.
pub fn vendor_price_set(sku: &str, price: i64) -> String {
    format!("Done: price of {sku} is now {}.", format_npr(price))
}

// ---- the order preview: conversions, questions, and why a line was not added ----

use crate::messaging::kinds::{AskWhy, Block, Conversion, LineProblem, Refusal, SoldBy};
use crate::parsing::{Pack, ProblemKind};

/// A unit or pack word as the shop reads it.
fn unit_word(lang: Language, word: &str) -> String {
    if lang == En {
        return word.to_string();
    }
    match word {
        "dozen" => "दर्जन",
        "pau" => "पाउ",
        "dharni" => "धार्नी",
        "mana" => "माना",
        "pathi" => "पाथी",
        "packet" | "packs" | "pack" => "प्याकेट",
        "bottle" => "बोतल",
        "bag" => "बोरा",
        "carton" => "कार्टुन",
        "pcs" => "वटा",
        other => other,
    }
    .to_string()
}

fn localized(lang: Language, text: &str) -> String {
    text.split(' ')
        .map(|w| unit_word(lang, w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// "2 kg = 4 × 500 g", "1 dozen = 12 packs".
pub fn conversion(lang: Language, c: &Conversion) -> String {
    let written = localized(lang, &c.written);
    match (c.dozen, lang) {
        (true, En) => format!("{written} = {} packs", c.packs),
        (true, Ne) => format!("{written} = {} प्याकेट", c.packs),
        (false, _) => format!("{written} = {} × {}", c.packs, localized(lang, &c.pack)),
    }
}

fn pack_name(lang: Language, pack: Pack) -> &'static str {
    match (lang, pack) {
        (En, p) => p.as_str(),
        (Ne, Pack::Sack) => "बोरा",
        (Ne, Pack::Carton) => "कार्टुन",
        (Ne, Pack::Crate) => "क्रेट",
        (Ne, Pack::Tray) => "ट्रे",
        (Ne, Pack::Strip) => "लरी",
        (Ne, Pack::Bundle) => "मुठा",
        (Ne, Pack::Pouch) => "पोका",
        (Ne, Pack::Packet) => "प्याकेट",
        (Ne, Pack::Bottle) => "बोतल",
        (Ne, Pack::Jar) => "जार",
        (Ne, Pack::Tin) => "टिन",
        (Ne, Pack::Can) => "क्यान",
        (Ne, Pack::Piece) => "गोटा",
    }
}

fn numbered(options: &[String]) -> String {
    options
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{}) {o}", i + 1))
        .collect::<Vec<_>>()
        .join("  ")
}

/// The question a preview line asks, with its numbered options.
pub fn preview_question(lang: Language, phrase: &str, why: &AskWhy, options: &[String]) -> String {
    let list = numbered(options);
    match (lang, why) {
        (_, AskWhy::Which | AskWhy::Unsure) => did_you_mean(lang, phrase, options),
        (En, AskWhy::Size) => format!("\"{phrase}\": which size? {list}. Reply with the number."),
        (Ne, AskWhy::Size) => format!("\"{phrase}\": कुन साइज? {list}। नम्बर लेख्नुहोस्।"),
        (En, AskWhy::NoSuchSize { size }) => {
            format!("\"{phrase}\": we have no {size} pack. We have {list}. Reply with the number.")
        }
        (Ne, AskWhy::NoSuchSize { size }) => {
            format!("\"{phrase}\": {size} को प्याक छैन। यी छन्: {list}। नम्बर लेख्नुहोस्।")
        }
        (En, AskWhy::NoSuchPack { pack }) => format!(
            "\"{phrase}\": we do not have it by the {}. We have {list}. Reply with the number.",
            pack_name(lang, *pack)
        ),
        (Ne, AskWhy::NoSuchPack { pack }) => format!(
            "\"{phrase}\": {} मा पाइँदैन। यी छन्: {list}। नम्बर लेख्नुहोस्।",
            pack_name(lang, *pack)
        ),
        (
            _,
            AskWhy::HowMany {
                written,
                counts,
                totals,
            },
        ) => how_many(lang, phrase, written, counts, totals, options),
    }
}

/// "1 kg does not divide into whole packs of Anchor 400 g: 1) 2 (800 g)  2) 3 (1200 g)".
fn how_many(
    lang: Language,
    phrase: &str,
    written: &str,
    counts: &[u32],
    totals: &[String],
    options: &[String],
) -> String {
    let written = localized(lang, written);
    let name = options.first().map_or("", String::as_str);
    let list = numbered(
        &counts
            .iter()
            .zip(totals)
            .map(|(n, t)| format!("{n} ({})", localized(lang, t)))
            .collect::<Vec<_>>(),
    );
    match lang {
        En => format!(
            "\"{phrase}\": {written} does not make whole packs of {name}. How many packs? {list}. Reply with the number."
        ),
        Ne => format!(
            "\"{phrase}\": {written} ले {name} का पूरा प्याकेट मिल्दैन। कति प्याकेट? {list}। नम्बर लेख्नुहोस्।"
        ),
    }
}

/// No vendor can supply a ready line now.
pub fn no_vendor_for(lang: Language, name: &str, packs: u32) -> String {
    match lang {
        En => format!("no vendor can supply {packs} × {name} right now"),
        Ne => format!("अहिले कुनै थोक विक्रेतासँग {name} × {packs} छैन"),
    }
}

/// Why a line was not added, without the phrase (the caller shows it).
pub fn line_problem(lang: Language, _phrase: &str, problem: &LineProblem) -> String {
    match problem {
        LineProblem::NotFound { suggestions } => not_in_catalog(lang, suggestions),
        LineProblem::Parse(kind) => parse_problem(lang, kind),
        LineProblem::NotWhole {
            written,
            lower,
            upper,
            lower_total,
            upper_total,
        } => {
            let written = localized(lang, written);
            match (lang, *lower == 0) {
                (En, true) => {
                    format!("{written} is less than one pack: {upper} ({upper_total})?")
                }
                (Ne, true) => format!("{written} एक प्याकेटभन्दा कम: {upper} ({upper_total})?"),
                (En, false) => format!(
                    "{written} does not divide into whole packs: {lower} ({lower_total}) or {upper} ({upper_total})?"
                ),
                (Ne, false) => format!(
                    "{written} पूरा प्याकेटमा मिल्दैन: {lower} ({lower_total}) कि {upper} ({upper_total})?"
                ),
            }
        }
        LineProblem::UnitMismatch { product, sold_by } => match (lang, sold_by) {
            (En, SoldBy::Weight) => format!("{product} is sold by weight: how many kg?"),
            (En, SoldBy::Volume) => format!("{product} is sold by volume: how many litres?"),
            (En, SoldBy::Piece) => format!("{product} is sold by the piece: how many?"),
            (Ne, SoldBy::Weight) => format!("{product} तौलमा बिक्छ: कति केजी?"),
            (Ne, SoldBy::Volume) => format!("{product} लिटरमा बिक्छ: कति लिटर?"),
            (Ne, SoldBy::Piece) => format!("{product} गन्तीमा बिक्छ: कति वटा?"),
        },
        LineProblem::UnknownCarton { product } => match lang {
            En => format!(
                "how many packs are in one carton of {product}? Please write the quantity in packs"
            ),
            Ne => format!("{product} को एक कार्टुनमा कति प्याकेट हुन्छ? कृपया प्याकेटमा लेख्नुहोस्"),
        },
        LineProblem::TooLarge { written } => too_large(lang, written),
        LineProblem::BadPack { product } => match lang {
            En => format!("{product} is not set up correctly; please ask the operator"),
            Ne => format!("{product} ठीकसँग राखिएको छैन; अपरेटरलाई सोध्नुहोस्"),
        },
    }
}

fn not_in_catalog(lang: Language, suggestions: &[String]) -> String {
    let nearest = suggestions.join(", ");
    match (lang, suggestions.is_empty()) {
        (En, true) => "not in our catalog; try another name or the product code".into(),
        (En, false) => format!("not in our catalog (nearest: {nearest}); try another name"),
        (Ne, true) => "हाम्रो सूचीमा छैन; अर्को नाम वा सामानको कोड लेख्नुहोस्".into(),
        (Ne, false) => format!("हाम्रो सूचीमा छैन (नजिकको: {nearest}); अर्को नाम लेख्नुहोस्"),
    }
}

fn too_large(lang: Language, written: &str) -> String {
    match lang {
        En => format!("{written} looks too large: please check the number"),
        Ne => format!("{written} धेरै ठूलो देखियो: नम्बर जाँच्नुहोस्"),
    }
}

fn parse_problem(lang: Language, kind: &ProblemKind) -> String {
    match (lang, kind) {
        (En, ProblemKind::NoProduct { written }) => {
            format!("\"{written}\" has no product: which product is it for?")
        }
        (Ne, ProblemKind::NoProduct { written }) => {
            format!("\"{written}\" कुन सामानको हो? सामानको नाम लेख्नुहोस्")
        }
        (En, ProblemKind::Unreadable { written }) => {
            format!("could not read \"{written}\" as one exact quantity: how many exactly?")
        }
        (Ne, ProblemKind::Unreadable { written }) => {
            format!("\"{written}\" को ठ्याक्कै मात्रा बुझिएन: कति चाहियो?")
        }
        (En, ProblemKind::SeveralQuantities { written }) => format!(
            "more than one quantity ({}): which one is it?",
            written.join(", ")
        ),
        (Ne, ProblemKind::SeveralQuantities { written }) => {
            format!("एकभन्दा बढी मात्रा ({}): कुन हो?", written.join(", "))
        }
        (En, ProblemKind::NoQuantity) => "how many?".into(),
        (Ne, ProblemKind::NoQuantity) => "कति चाहियो?".into(),
        (En, ProblemKind::Zero) => "0 is not a quantity we can send: how many do you need?".into(),
        (Ne, ProblemKind::Zero) => "० पठाउन मिल्दैन: कति चाहियो?".into(),
        (_, ProblemKind::TooLarge { written }) => too_large(lang, written),
    }
}

/// A reorder nudge (outbox kind `reorder_nudge`): the shop's usual order is due. `items` are
/// (name, usual packs).
/// A vendor warned that a listing will run out at the forecast demand (vendors read English).
/// `expected` and `upper` are the packs forecast over the next `days` days (the mean and the
/// upper end of the 80 % interval).
pub fn stock_out_warning(
    product: &str,
    sku: &str,
    stock: i64,
    (expected, upper, days): (f64, f64, u32),
) -> String {
    format!(
        "Khaacho: {product} ({sku}) may run out: {stock} packs in stock, about {expected:.0} expected to be ordered in the next {days} days (up to {upper:.0}). Reply STOCK {sku} <packs> when you restock."
    )
}

pub fn reorder_nudge(lang: Language, items: &[(String, u32)]) -> String {
    let list: Vec<String> = items
        .iter()
        .take(5)
        .map(|(name, packs)| format!("{name} × {packs}"))
        .collect();
    match lang {
        En => format!(
            "Namaste! Time for your usual order? Last time: {}. Reply REORDER to see it priced again, or send your order.",
            list.join(", ")
        ),
        Ne => format!(
            "नमस्ते! तपाईंको सधैंको अर्डरको समय भयो? पछिल्लो पटक: {}। फेरि मूल्यसहित हेर्न REORDER लेख्नुहोस्, वा अर्डर पठाउनुहोस्।",
            list.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_worded_in_the_readers_language_with_rupees() {
        let short = Refusal::CreditShort {
            available: 50_000,
            needed: 123_450,
        };
        assert_eq!(
            refusal(En, &short),
            "it needs NPR 1,234.50 of credit and NPR 500.00 is available"
        );
        let ne = refusal(Ne, &short);
        assert!(ne.contains("NPR 1,234.50") && ne.contains("क्रेडिट"), "{ne}");
        let moved = refusal(
            Ne,
            &Refusal::CannotMove {
                state: "DELIVERED".into(),
            },
        );
        assert!(
            moved.contains("DELIVERED") && moved.contains("अर्डर"),
            "{moved}"
        );
    }

    #[test]
    fn a_shop_reads_its_orders_state_in_its_own_language() {
        let total = Money::from_paisa(42_375);
        let ne = status(Ne, "ORD1", "ACCEPTED", "Pokharel", total);
        assert!(
            ne.contains("स्वीकार भयो") && !ne.contains("ACCEPTED"),
            "{ne}"
        );
        let en = status(En, "ORD1", "ACCEPTED", "Pokharel", total);
        assert!(en.contains("ACCEPTED with Pokharel"), "{en}");
    }
}
