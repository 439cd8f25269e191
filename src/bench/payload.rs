//! Building payloads, their checksum, and turning them into wire bytes and back.

use std::borrow::Cow;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};

use nix::sys::mman::{mmap_anonymous, munmap, MapFlags, ProtFlags};
use serde::{Deserialize, Serialize};

use super::plan::{Codec, PayloadKind};

#[cfg(target_endian = "big")]
compile_error!("ipcscope's raw codec and checksums assume a little-endian machine");

/// The nominal size of one record: its fields and a name of 16 to 31 characters.
pub const RECORD_BYTES: u64 = 64;

/// One element of the `records` payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: u64,
    pub name: String,
    pub value: f64,
    pub flags: u32,
}

/// Page-aligned anonymous memory that this process owns; the payload of `ints` and `bytes`
/// lives here so that a child can write to its pages (forcing copy-on-write) through a raw
/// pointer, without a Rust reference being mutated behind its back.
pub struct Region {
    ptr: NonNull<u8>,
    len: usize,
    mapped: usize,
}

// SAFETY: a Region is plain memory owned by one value; sharing `&Region` only allows reads,
// except `flip_first_bit`, whose contract keeps it to a forked child.
unsafe impl Send for Region {}
unsafe impl Sync for Region {}

/// Whether receive and decode buffers ask for transparent huge pages (see `Region::buffer`).
static HUGE_BUFFERS: AtomicBool = AtomicBool::new(true);

/// Sets, for this process and the children it forks, whether buffers use huge pages.
pub fn set_huge_buffers(on: bool) {
    HUGE_BUFFERS.store(on, Ordering::Relaxed);
}

impl Region {
    /// Memory for data arriving in a child (a receive buffer, a decoded copy). A fresh page
    /// costs a fault and a zeroing; on a virtual machine a 4 KiB fault alone takes about a
    /// microsecond, so 8 MB of fresh pages cost milliseconds. Transparent huge pages
    /// (`MADV_HUGEPAGE`) turn those 2048 faults into 4: the zeroing stays, the traps go.
    pub fn buffer(len: usize) -> nix::Result<Region> {
        let region = Region::new(len)?;
        if HUGE_BUFFERS.load(Ordering::Relaxed) && len >= HUGE_PAGE {
            // SAFETY: advice on our own fresh mapping; a refusal only leaves 4 KiB pages.
            let _ = unsafe {
                nix::sys::mman::madvise(
                    region.ptr.cast(),
                    region.mapped,
                    nix::sys::mman::MmapAdvise::MADV_HUGEPAGE,
                )
            };
        }
        Ok(region)
    }

    /// No memory at all.
    pub fn empty() -> Region {
        Region {
            ptr: NonNull::dangling(),
            len: 0,
            mapped: 0,
        }
    }

    pub fn new(len: usize) -> nix::Result<Region> {
        let Some(size) = std::num::NonZeroUsize::new(len) else {
            return Ok(Region::empty());
        };
        let mapped = len;
        // SAFETY: a fresh private anonymous mapping aliases nothing.
        let ptr = unsafe {
            mmap_anonymous(
                None,
                size,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_PRIVATE,
            )?
        };
        Ok(Region {
            ptr: ptr.cast(),
            len,
            mapped,
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: the mapping is `mapped >= len` bytes (a dangling, aligned pointer for 0),
        // readable, and lives as long as self.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above, and `&mut self` makes the access exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// Flips the lowest bit of the first byte: the `corrupt` test fault (see `fault`).
    ///
    /// # Safety
    /// Only in a forked child, where no other thread exists and no slice of the region is
    /// being read at the same time.
    pub unsafe fn flip_first_bit(&self) {
        if self.len > 0 {
            // SAFETY: the first byte lies in the mapping; the caller guarantees exclusivity.
            unsafe { *self.ptr.as_ptr() ^= 1 };
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        if self.mapped > 0 {
            // SAFETY: the pointer and length are the ones mmap gave; nothing borrows self any more.
            let _ = unsafe { munmap(self.ptr.cast(), self.mapped) };
        }
    }
}

/// Writes one byte of every page back with the value it holds, so the kernel must give this
/// process its own copy of each page while the content stays what the checksum expects.
///
/// # Safety
/// `ptr..ptr+len` must be writable memory that nothing else reads or writes meanwhile.
pub unsafe fn touch_pages(ptr: *mut u8, len: usize) {
    let page = page_size();
    let mut offset = 0;
    while offset < len {
        // SAFETY: offset < len, within the caller's writable range.
        unsafe {
            let byte = ptr.add(offset);
            byte.write_volatile(byte.read_volatile());
        }
        offset += page;
    }
}

/// The size of a transparent huge page on x86-64 and most arm64 kernels.
const HUGE_PAGE: usize = 2 << 20;

pub fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}

/// The data every child of a method run must receive, built once per run.
pub struct Payload {
    pub kind: PayloadKind,
    /// What the payload holds, in bytes (for records: `RECORD_BYTES` each).
    pub bytes: u64,
    pub data: PayloadData,
    /// The checksum every child must reproduce from what it received.
    pub checksum: u64,
    /// The checksum of one word per page, for children that only touch the payload.
    pub sparse_checksum: u64,
}

pub enum PayloadData {
    /// `ints` (little-endian u64s) and `bytes`, as they lie in memory.
    Flat(Region),
    Records(Vec<Record>),
}

impl Payload {
    /// Builds the payload of `kind` for a requested size (ints and records round down to
    /// whole elements).
    pub fn build(kind: PayloadKind, size: u64) -> nix::Result<Payload> {
        let (bytes, data) = match kind {
            PayloadKind::Ints => {
                let count = size / kind.element_bytes();
                let mut region = Region::new(usize::try_from(count * 8).map_err(|_| nix::Error::ENOMEM)?)?;
                for (index, word) in region.as_bytes_mut().chunks_exact_mut(8).enumerate() {
                    word.copy_from_slice(&(index as u64).to_le_bytes());
                }
                (count * 8, PayloadData::Flat(region))
            }
            PayloadKind::Bytes => {
                let mut region = Region::new(usize::try_from(size).map_err(|_| nix::Error::ENOMEM)?)?;
                fill_pseudo_random(region.as_bytes_mut());
                (size, PayloadData::Flat(region))
            }
            PayloadKind::Records => {
                let count = size / kind.element_bytes();
                let records = (0..count).map(make_record).collect();
                (count * RECORD_BYTES, PayloadData::Records(records))
            }
        };
        let mut payload = Payload {
            kind,
            bytes,
            data,
            checksum: 0,
            sparse_checksum: 0,
        };
        let view = payload.view();
        (payload.checksum, payload.sparse_checksum) = (view.checksum(), view.sparse_checksum());
        Ok(payload)
    }

    /// The payload's own bytes, where it has them (`ints`, `bytes`).
    pub fn flat(&self) -> Option<&[u8]> {
        match &self.data {
            PayloadData::Flat(region) => Some(region.as_bytes()),
            PayloadData::Records(_) => None,
        }
    }

    /// How many elements the payload holds: integers, bytes or records.
    pub fn elements(&self) -> u64 {
        match self.kind {
            PayloadKind::Ints => self.bytes / 8,
            PayloadKind::Bytes => self.bytes,
            PayloadKind::Records => self.bytes / RECORD_BYTES,
        }
    }

    /// The payload as the child sees it when it was inherited, not sent.
    pub fn view(&self) -> Decoded<'_> {
        match &self.data {
            PayloadData::Flat(region) => Decoded::Flat(region.as_bytes()),
            PayloadData::Records(records) => Decoded::Records(Cow::Borrowed(records)),
        }
    }

    /// Makes the wire bytes for `codec`: the payload itself for `raw`, or an encoding written
    /// into `buffer` (reused between children, so its pages are faulted in only once).
    pub fn encode<'a>(&'a self, codec: Codec, buffer: &'a mut Vec<u8>) -> Result<&'a [u8], CodecError> {
        match (codec, &self.data) {
            (Codec::Raw, PayloadData::Flat(region)) => Ok(region.as_bytes()),
            (Codec::Raw, PayloadData::Records(_)) => Err(CodecError::RawRecords),
            (Codec::Bincode, _) => encode_with(self, buffer, bincode::config::standard()),
            (Codec::BincodeFixed, _) => encode_with(
                self,
                buffer,
                bincode::config::standard().with_fixed_int_encoding(),
            ),
        }
    }

    /// How many bytes `encode` would make for `codec`, counted without storing them.
    pub fn encoded_len(&self, codec: Codec) -> Result<usize, CodecError> {
        let mut counter = bincode::enc::write::SizeWriter::default();
        match (codec, &self.data) {
            (Codec::Raw, PayloadData::Flat(region)) => return Ok(region.len()),
            (Codec::Raw, PayloadData::Records(_)) => return Err(CodecError::RawRecords),
            (Codec::Bincode, _) => self.encode_into(&mut counter, bincode::config::standard())?,
            (Codec::BincodeFixed, _) => self.encode_into(
                &mut counter,
                bincode::config::standard().with_fixed_int_encoding(),
            )?,
        }
        Ok(counter.bytes_written)
    }

    /// Serializes the payload through serde into any bincode writer.
    pub fn encode_into<W: bincode::enc::write::Writer, C: bincode::config::Config>(
        &self,
        writer: W,
        config: C,
    ) -> Result<(), CodecError> {
        let encoded = match &self.data {
            PayloadData::Flat(region) if self.kind == PayloadKind::Ints => {
                bincode::serde::encode_into_writer(as_words(region.as_bytes()), writer, config)
            }
            PayloadData::Flat(region) => {
                bincode::serde::encode_into_writer(serde_bytes::Bytes::new(region.as_bytes()), writer, config)
            }
            PayloadData::Records(records) => bincode::serde::encode_into_writer(records, writer, config),
        };
        encoded.map_err(|_| CodecError::Encode)
    }
}

/// The most bytes bincode can need for flat data: up to 9 bytes per integer (varint) and a
/// length prefix. Records have no such bound.
fn encoded_bound(kind: PayloadKind, bytes: usize) -> Option<usize> {
    match kind {
        PayloadKind::Ints => Some(bytes / 8 * 9 + 16),
        PayloadKind::Bytes => Some(bytes + 16),
        PayloadKind::Records => None,
    }
}

fn encode_with<'a, C: bincode::config::Config>(
    payload: &Payload,
    buffer: &'a mut Vec<u8>,
    config: C,
) -> Result<&'a [u8], CodecError> {
    let Some(bound) = payload
        .flat()
        .and_then(|bytes| encoded_bound(payload.kind, bytes.len()))
    else {
        buffer.clear();
        payload.encode_into(VecWriter(buffer), config)?;
        return Ok(buffer);
    };
    // Encoding into a slice is about twice as fast as through `io::Write`; the buffer keeps its
    // length between children, so it is zeroed only the first time.
    if buffer.len() < bound {
        buffer.resize(bound, 0);
    }
    let mut writer = bincode::enc::write::SliceWriter::new(buffer);
    payload.encode_into(&mut writer, config)?;
    let used = writer.bytes_written();
    Ok(&buffer[..used])
}

/// Appends to a `Vec`, for encodings of unknown size.
struct VecWriter<'a>(&'a mut Vec<u8>);

impl bincode::enc::write::Writer for VecWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), bincode::error::EncodeError> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}

/// Views little-endian bytes as the u64s they hold, copying only if they are misaligned.
fn as_words(bytes: &[u8]) -> Cow<'_, [u64]> {
    // SAFETY: every bit pattern is a valid u64; align_to only yields aligned middles.
    let (head, words, tail) = unsafe { bytes.align_to::<u64>() };
    if head.is_empty() && tail.is_empty() {
        Cow::Borrowed(words)
    } else {
        Cow::Owned(
            bytes
                .as_chunks::<8>()
                .0
                .iter()
                .map(|word| u64::from_le_bytes(*word))
                .collect(),
        )
    }
}

/// Decodes a sequence of u64 straight into a `Region::buffer`: allocated once at its full
/// length (serde's `Vec` grows by doubling from a capped guess, copying as it goes).
pub(crate) struct IntsSeed {
    /// An upper bound on the count: every encoded integer takes at least one byte.
    pub(crate) most: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for IntsSeed {
    type Value = Region;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Region, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for IntsSeed {
    type Value = Region;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a sequence of unsigned 64-bit integers")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Region, A::Error> {
        use serde::de::Error;
        let count = seq.size_hint().unwrap_or(0);
        if count > self.most {
            return Err(A::Error::custom("the length prefix exceeds the bytes received"));
        }
        let mut region = Region::buffer(count * 8).map_err(A::Error::custom)?;
        let (words, _) = region.as_bytes_mut().as_chunks_mut::<8>();
        for word in words {
            let value: u64 = seq
                .next_element()?
                .ok_or_else(|| A::Error::custom("fewer integers than the length prefix says"))?;
            *word = value.to_le_bytes();
        }
        Ok(region)
    }
}

/// What a child holds after decoding: flat bytes (`ints`, `bytes`) or records.
pub enum Decoded<'a> {
    /// Bytes where they lie: inherited, mapped or received raw.
    Flat(&'a [u8]),
    /// Decoded into memory of the child's own.
    Owned(Region),
    /// Bytes decoded from a stream.
    Bytes(Vec<u8>),
    Records(Cow<'a, [Record]>),
}

impl Decoded<'_> {
    pub fn checksum(&self) -> u64 {
        match self {
            Decoded::Flat(bytes) => checksum(bytes),
            Decoded::Owned(region) => checksum(region.as_bytes()),
            Decoded::Bytes(bytes) => checksum(bytes),
            Decoded::Records(records) => checksum_records(records),
        }
    }

    /// Reads one byte of every page: what it costs merely to reach each page.
    pub fn sparse_checksum(&self) -> u64 {
        let (ptr, len) = self.memory();
        let page = page_size();
        (0..len).step_by(page).fold(len as u64, |hash, offset| {
            // SAFETY: offset < len, inside the memory this value borrows or owns.
            let byte = unsafe { ptr.add(offset).read_volatile() };
            (hash ^ u64::from(byte)).wrapping_mul(MIX).rotate_left(23)
        })
    }

    /// The memory that holds the payload's elements.
    fn memory(&self) -> (*const u8, usize) {
        match self {
            Decoded::Flat(bytes) => (bytes.as_ptr(), bytes.len()),
            Decoded::Owned(region) => (region.as_bytes().as_ptr(), region.len()),
            Decoded::Bytes(bytes) => (bytes.as_ptr(), bytes.len()),
            Decoded::Records(records) => (
                records.as_ptr().cast::<u8>(),
                std::mem::size_of_val::<[Record]>(records),
            ),
        }
    }

    /// Writes to every page of what the child holds; copy-on-write copies borrowed pages.
    ///
    /// # Safety
    /// Only in a forked child, where no other thread exists and nothing reads these pages
    /// meanwhile (or on memory the value owns).
    pub unsafe fn touch_every_page(&self) {
        let (ptr, len) = self.memory();
        // SAFETY: the caller is a forked child with one thread; nothing reads meanwhile.
        unsafe { touch_pages(ptr.cast_mut(), len) }
    }
}

/// Turns received wire bytes back into the payload. `raw` borrows them as they are.
pub fn decode(kind: PayloadKind, codec: Codec, wire: &[u8]) -> Result<Decoded<'_>, CodecError> {
    match codec {
        Codec::Raw if kind == PayloadKind::Records => Err(CodecError::RawRecords),
        Codec::Raw => Ok(Decoded::Flat(wire)),
        Codec::Bincode => decode_with(kind, wire, bincode::config::standard()),
        Codec::BincodeFixed => decode_with(kind, wire, bincode::config::standard().with_fixed_int_encoding()),
    }
}

fn decode_with<C: bincode::config::Config>(
    kind: PayloadKind,
    wire: &[u8],
    config: C,
) -> Result<Decoded<'_>, CodecError> {
    let decoded = match kind {
        PayloadKind::Ints => {
            bincode::serde::seed_decode_from_slice(IntsSeed { most: wire.len() }, wire, config)
                .map(|(region, used)| (Decoded::Owned(region), used))
        }
        PayloadKind::Bytes => {
            bincode::serde::borrow_decode_from_slice::<&serde_bytes::Bytes, _>(wire, config)
                .map(|(bytes, used)| (Decoded::Flat(&bytes[..]), used))
        }
        PayloadKind::Records => bincode::serde::decode_from_slice::<Vec<Record>, _>(wire, config)
            .map(|(records, used)| (Decoded::Records(Cow::Owned(records)), used)),
    };
    match decoded {
        Ok((decoded, used)) if used == wire.len() => Ok(decoded),
        Ok(_) => Err(CodecError::Trailing),
        Err(_) => Err(CodecError::Decode),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodecError {
    Encode,
    Decode,
    Trailing,
    RawRecords,
}

impl std::fmt::Display for CodecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CodecError::Encode => "the payload could not be encoded",
            CodecError::Decode => "the received bytes could not be decoded",
            CodecError::Trailing => "bytes were left over after decoding",
            CodecError::RawRecords => "codec raw cannot carry records",
        })
    }
}

const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// A position-sensitive checksum, eight independent lanes so it runs near memory speed.
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut lanes: [u64; 8] = std::array::from_fn(|lane| MIX.rotate_left(8 * lane as u32));
    let (blocks, tail) = bytes.as_chunks::<64>();
    for block in blocks {
        let (words, _) = block.as_chunks::<8>();
        for (lane, word) in lanes.iter_mut().zip(words) {
            *lane = (*lane ^ u64::from_le_bytes(*word))
                .wrapping_mul(MIX)
                .rotate_left(29);
        }
    }
    let mut hash = bytes.len() as u64;
    for lane in lanes {
        hash = (hash ^ lane).wrapping_mul(MIX).rotate_left(31);
    }
    for &byte in tail {
        hash = (hash ^ u64::from(byte)).wrapping_mul(MIX).rotate_left(23);
    }
    hash ^ (hash >> 29)
}

fn checksum_records(records: &[Record]) -> u64 {
    records.iter().fold(records.len() as u64, |hash, record| {
        [
            record.id,
            record.value.to_bits(),
            u64::from(record.flags),
            checksum(record.name.as_bytes()),
        ]
        .into_iter()
        .fold(hash, |hash, field| {
            (hash ^ field).wrapping_mul(MIX).rotate_left(27)
        })
    })
}

fn make_record(index: u64) -> Record {
    let words = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    ];
    let word = words[(index % words.len() as u64) as usize];
    Record {
        id: index,
        name: format!("{word}-record-{index:06}"),
        value: index as f64 * 0.25,
        flags: (index as u32).wrapping_mul(2_654_435_761),
    }
}

/// xorshift64*: deterministic, fast, and not compressible.
fn fill_pseudo_random(bytes: &mut [u8]) {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let (words, tail) = bytes.as_chunks_mut::<8>();
    let mut next = || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    for word in words {
        *word = next().to_le_bytes();
    }
    let last = next().to_le_bytes();
    tail.copy_from_slice(&last[..tail.len()]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(kind: PayloadKind, codec: Codec, size: u64) {
        let payload = Payload::build(kind, size).unwrap();
        let mut buffer = Vec::new();
        let wire = payload.encode(codec, &mut buffer).unwrap().to_vec();
        let decoded = decode(kind, codec, &wire).unwrap();
        assert_eq!(decoded.checksum(), payload.checksum, "{kind:?} {codec:?} {size}");
    }

    #[test]
    fn every_payload_survives_every_codec() {
        for size in [0, 1, 7, 8, 63, 64, 4095, 4097, 100_000] {
            for kind in PayloadKind::ALL {
                for codec in Codec::ALL {
                    if kind == PayloadKind::Records && codec == Codec::Raw {
                        continue;
                    }
                    round_trip(kind, codec, size);
                }
            }
        }
    }

    #[test]
    fn sizes_round_down_to_whole_elements() {
        assert_eq!(
            Payload::build(PayloadKind::Ints, 8_000_003).unwrap().bytes,
            8_000_000
        );
        assert_eq!(
            Payload::build(PayloadKind::Ints, 8_000_003).unwrap().elements(),
            1_000_000
        );
        assert_eq!(Payload::build(PayloadKind::Bytes, 4097).unwrap().bytes, 4097);
        assert_eq!(Payload::build(PayloadKind::Records, 130).unwrap().elements(), 2);
    }

    #[test]
    fn ints_are_the_tutorials_range() {
        let payload = Payload::build(PayloadKind::Ints, 80).unwrap();
        let words: Vec<u64> = as_words(payload.flat().unwrap()).into_owned();
        assert_eq!(words, (0..10).collect::<Vec<u64>>());
    }

    #[test]
    fn the_checksum_sees_every_byte_and_its_place() {
        let payload = Payload::build(PayloadKind::Bytes, 10_000).unwrap();
        let bytes = payload.flat().unwrap();
        for position in [0, 1, 31, 32, 4096, 9_990, 9_999] {
            let mut changed = bytes.to_vec();
            changed[position] ^= 1;
            assert_ne!(checksum(&changed), payload.checksum, "flip at {position}");
        }
        let mut swapped = bytes.to_vec();
        swapped.swap(0, 8);
        assert_ne!(checksum(&swapped), payload.checksum);
        assert_ne!(checksum(&bytes[..9_999]), payload.checksum);
    }

    #[test]
    fn corrupt_wire_bytes_fail_to_decode_or_to_verify() {
        let payload = Payload::build(PayloadKind::Ints, 8_000).unwrap();
        let mut buffer = Vec::new();
        let mut wire = payload.encode(Codec::Bincode, &mut buffer).unwrap().to_vec();
        wire.truncate(wire.len() - 1);
        assert!(decode(PayloadKind::Ints, Codec::Bincode, &wire).is_err());
        let mut wire = payload.encode(Codec::BincodeFixed, &mut buffer).unwrap().to_vec();
        let last = wire.len() - 1;
        wire[last] ^= 0x40;
        let decoded = decode(PayloadKind::Ints, Codec::BincodeFixed, &wire).unwrap();
        assert_ne!(decoded.checksum(), payload.checksum);
        wire.push(0);
        assert_eq!(
            decode(PayloadKind::Ints, Codec::BincodeFixed, &wire).err(),
            Some(CodecError::Trailing)
        );
    }

    #[test]
    fn the_encoded_length_is_counted_without_encoding() {
        for kind in PayloadKind::ALL {
            let payload = Payload::build(kind, 10_000).unwrap();
            for codec in Codec::ALL {
                let mut buffer = Vec::new();
                let encoded = payload.encode(codec, &mut buffer).map(<[u8]>::len);
                assert_eq!(payload.encoded_len(codec), encoded, "{kind:?} {codec:?}");
            }
        }
    }

    #[test]
    fn raw_refuses_records() {
        let payload = Payload::build(PayloadKind::Records, 640).unwrap();
        let mut buffer = Vec::new();
        assert_eq!(
            payload.encode(Codec::Raw, &mut buffer).err(),
            Some(CodecError::RawRecords)
        );
    }

    #[test]
    fn fixed_width_ints_take_eight_bytes_each_and_varints_fewer() {
        let payload = Payload::build(PayloadKind::Ints, 8_000).unwrap();
        let mut buffer = Vec::new();
        let fixed = payload.encode(Codec::BincodeFixed, &mut buffer).unwrap().len();
        assert_eq!(fixed, 8 + 8_000);
        let varint = payload.encode(Codec::Bincode, &mut buffer).unwrap().len();
        assert!(varint < 3 * 1_000 + 8, "{varint}");
    }
}
