//! Reading a packet for the reference evaluator: checked big-endian reads and header offsets.
//!
//! Shares nothing with the compiler on purpose: this is the second, independent statement of
//! where each header starts.

use crate::ruleset::Base;

/// Evaluation stopped: a read past the end of the packet, a division by zero, or a chain that
/// does not end. The rule being evaluated does not match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Abort;

/// A packet as the evaluator sees it.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    bytes: &'a [u8],
}

impl<'a> Packet<'a> {
    /// Wrap the bytes of a frame (starting at the Ethernet header).
    pub fn new(bytes: &'a [u8]) -> Packet<'a> {
        Packet { bytes }
    }

    /// Length of the packet.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the packet is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The byte at `off`.
    pub fn byte(&self, off: u64) -> Result<u8, Abort> {
        let i = usize::try_from(off).map_err(|_| Abort)?;
        self.bytes.get(i).copied().ok_or(Abort)
    }

    /// `size` bytes (1..=16) at `off` as a big-endian unsigned integer.
    pub fn be(&self, off: u64, size: u8) -> Result<u128, Abort> {
        let start = usize::try_from(off).map_err(|_| Abort)?;
        let end = start.checked_add(size as usize).ok_or(Abort)?;
        let slice = self.bytes.get(start..end).ok_or(Abort)?;
        Ok(slice.iter().fold(0u128, |acc, b| (acc << 8) | *b as u128))
    }

    /// Offset of `base` from the frame start; reading the IPv4 header length may abort.
    pub fn base_offset(&self, base: Base) -> Result<u64, Abort> {
        match base {
            Base::Frame => Ok(0),
            Base::Net { tags } => Ok(Base::net_offset(tags) as u64),
            Base::Ipv6Payload { tags } => Ok(Base::net_offset(tags) as u64 + 40),
            Base::Ipv4Payload { tags } => {
                let net = Base::net_offset(tags) as u64;
                let ihl = self.byte(net)? & 0x0f;
                Ok(net + 4 * ihl as u64)
            }
        }
    }
}
