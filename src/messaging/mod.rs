//! Messages to and from people: the message log, the durable outbox, and every sentence a
//! retailer or vendor reads, in both languages. Below the domains that send (orders,
//! preview, whatsapp), so each of them can write a message in its own write transaction.
//!
//! - [`dead_letters`] outgoing messages given up on, listed and put back in the outbox
//! - [`delivery`] what became of a message after it was logged, kept beside it
//! - [`kinds`]  what a preview says about a line, for the texts to word
//! - [`outbox`] the message log and the durable outbox
//! - [`queue`]  what the sender takes next: first attempts past its watermark, retries by time
//! - [`texts`]  every sentence a shop or vendor reads, keyed by message kind

pub mod dead_letters;
pub mod delivery;
pub mod kinds;
pub mod outbox;
pub mod queue;
pub mod texts;
