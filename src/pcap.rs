//! Reading packets from pcap and pcapng files (`run --pcap`).

use crate::error::{CliError, CliResult};
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};
use std::path::Path;

/// Every packet's bytes, in file order. pcap and pcapng (enhanced/simple packet blocks).
pub fn read_packets(path: &Path) -> CliResult<Vec<Vec<u8>>> {
    let name = path.display().to_string();
    let bytes = crate::input::read_limited(path, crate::input::Limit::Capture)?;
    let bad = |i: usize, e: pcap_file::PcapError| {
        CliError::bad_input(format!("{name}: packet {}: {e}", i + 1))
    };
    let mut out = Vec::new();
    if bytes.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
        let mut r = PcapNgReader::new(&bytes[..]).map_err(|e| bad(0, e))?;
        while let Some(block) = r.next_block() {
            match block.map_err(|e| bad(out.len(), e))? {
                Block::EnhancedPacket(p) => out.push(p.data.into_owned()),
                Block::SimplePacket(p) => out.push(p.data.into_owned()),
                Block::Packet(p) => out.push(p.data.into_owned()),
                _ => {}
            }
        }
    } else {
        let mut r = PcapReader::new(&bytes[..])
            .map_err(|e| CliError::bad_input(format!("{name}: not a pcap file: {e}")))?;
        while let Some(p) = r.next_packet() {
            out.push(p.map_err(|e| bad(out.len(), e))?.data.into_owned());
        }
    }
    Ok(out)
}
