//! How many packs a line orders: a whole number from 1 up to the configured most.

use serde::{Deserialize, Serialize};

/// A number of packs, at least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Quantity(u32);

impl Quantity {
    /// `packs` when it lies in `1..=max`.
    pub fn new(packs: u32, max: u32) -> Option<Quantity> {
        (1..=max).contains(&packs).then_some(Quantity(packs))
    }

    /// Two quantities of the same product together, when they stay within `max`.
    pub fn plus(self, other: Quantity, max: u32) -> Option<Quantity> {
        Quantity::new(self.0.checked_add(other.0)?, max)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Quantity;

    #[test]
    fn quantities_are_whole_packs_within_the_most() {
        assert_eq!(Quantity::new(0, 10), None);
        assert_eq!(Quantity::new(11, 10), None);
        let five = Quantity::new(5, 10).unwrap();
        assert_eq!(five.plus(five, 10).map(Quantity::get), Some(10));
        assert_eq!(five.plus(Quantity::new(6, 10).unwrap(), 10), None);
        assert_eq!(
            Quantity::new(u32::MAX, u32::MAX)
                .unwrap()
                .plus(five, u32::MAX),
            None
        );
    }
}
