//! Building payloads, their checksum, and turning them into wire bytes and back.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::kind::{Codec, PayloadKind, RECORD_BYTES};
use super::memory::{self, as_words, Inherited, Region};

#[cfg(target_endian = "big")]
compile_error!("ipcscope's raw codec and checksums assume a little-endian machine");

/// One element of the `records` payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: u64,
    pub name: String,
    pub value: f64,
    pub flags: u32,
}

/// The data every child of a method run must receive, built once per run.
pub struct Payload {
    pub kind: PayloadKind,
    /// What the payload holds, in bytes (for records: `RECORD_BYTES` each).
    pub bytes: u64,
    /// What the payload holds: read by the parent and every child, written in place only by
    /// a forked child's copy (`--access write`).
    pub data: Inherited<PayloadData>,
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
            data: Inherited::new(data),
            checksum: 0,
            sparse_checksum: 0,
        };
        let view = payload.view();
        (payload.checksum, payload.sparse_checksum) = (view.checksum(), view.sparse_checksum());
        Ok(payload)
    }

    /// The payload's own bytes, where it has them (`ints`, `bytes`).
    pub fn flat(&self) -> Option<&[u8]> {
        match self.data.get() {
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
        match self.data.get() {
            PayloadData::Flat(region) => Decoded::Flat(region.as_bytes()),
            PayloadData::Records(records) => Decoded::Records(Cow::Borrowed(records)),
        }
    }

    /// Writes to every page of the payload in place, in a forked child, whose own
    /// copy-on-write copy it then gets; `false` anywhere else (see `Inherited`).
    ///
    /// # Safety
    /// No view of this payload (`view`, `flat`, `encode`) may be used while this runs.
    pub unsafe fn touch_in_child(&self) -> bool {
        // SAFETY: the caller guarantees that no shared reference into the data is used meanwhile.
        let Some(data) = (unsafe { self.data.child_copy_mut() }) else {
            return false;
        };
        match data {
            PayloadData::Flat(region) => memory::touch_pages(region.as_bytes_mut(), memory::rewrite),
            PayloadData::Records(records) => touch_records(records),
        }
        true
    }

    /// Makes the wire bytes for `codec`: the payload itself for `raw`, or an encoding written
    /// into `buffer` (reused between children, so its pages are faulted in only once).
    pub fn encode<'a>(&'a self, codec: Codec, buffer: &'a mut Vec<u8>) -> Result<&'a [u8], CodecError> {
        match (codec, self.data.get()) {
            (Codec::Raw, PayloadData::Flat(region)) => Ok(region.as_bytes()),
            (Codec::Raw, PayloadData::Records(_)) => Err(CodecError::RawRecords),
            (Codec::Pickle, _) => Err(CodecError::Pickle),
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
        match (codec, self.data.get()) {
            (Codec::Raw, PayloadData::Flat(region)) => return Ok(region.len()),
            (Codec::Raw, PayloadData::Records(_)) => return Err(CodecError::RawRecords),
            (Codec::Pickle, _) => return Err(CodecError::Pickle),
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
        let encoded = match self.data.get() {
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
    /// Bytes where they lie, which this child only reads: inherited, mapped read-only.
    Flat(&'a [u8]),
    /// Bytes where they lie, in memory this child may write: its own receive buffer.
    FlatMut(&'a mut [u8]),
    /// Decoded into memory of the child's own.
    Owned(Region),
    /// Bytes decoded from a stream.
    Bytes(Vec<u8>),
    Records(Cow<'a, [Record]>),
}

/// What a decoded payload holds, to read: flat bytes or records.
enum Held<'a> {
    Bytes(&'a [u8]),
    Records(&'a [Record]),
}

impl Decoded<'_> {
    fn held(&self) -> Held<'_> {
        match self {
            Decoded::Flat(bytes) => Held::Bytes(bytes),
            Decoded::FlatMut(bytes) => Held::Bytes(bytes),
            Decoded::Owned(region) => Held::Bytes(region.as_bytes()),
            Decoded::Bytes(bytes) => Held::Bytes(bytes),
            Decoded::Records(records) => Held::Records(records),
        }
    }

    pub fn checksum(&self) -> u64 {
        match self.held() {
            Held::Bytes(bytes) => checksum(bytes),
            Held::Records(records) => checksum_records(records),
        }
    }

    /// Reads one byte of every page (for records, the id of the record at each page's
    /// start, never padding): what it costs merely to reach each page.
    pub fn sparse_checksum(&self) -> u64 {
        let mix = |hash: u64, value: u64| (hash ^ value).wrapping_mul(MIX).rotate_left(23);
        match self.held() {
            Held::Bytes(bytes) => memory::fold_pages(bytes, bytes.len() as u64, |hash, byte| {
                mix(hash, u64::from(memory::read_once(byte)))
            }),
            Held::Records(records) => memory::fold_pages(records, records.len() as u64, |hash, record| {
                mix(hash, memory::read_once(&record.id))
            }),
        }
    }

    /// Writes to every page of what the child holds, so that copy-on-write must copy each;
    /// `false` where the child holds the bytes read-only.
    pub fn touch_every_page(&mut self) -> bool {
        let rewrite_bytes = |bytes: &mut [u8]| memory::touch_pages(bytes, memory::rewrite);
        match self {
            // Nothing held, nothing to write.
            Decoded::Flat(bytes) => return bytes.is_empty(),
            Decoded::Records(Cow::Borrowed(records)) => return records.is_empty(),
            Decoded::FlatMut(bytes) => rewrite_bytes(bytes),
            Decoded::Owned(region) => rewrite_bytes(region.as_bytes_mut()),
            Decoded::Bytes(bytes) => rewrite_bytes(bytes),
            Decoded::Records(Cow::Owned(records)) => touch_records(records),
        }
        true
    }
}

/// Rewrites the id of one record per page of the records' memory.
pub fn touch_records(records: &mut [Record]) {
    memory::touch_pages(records, |record| memory::rewrite(&mut record.id));
}

/// Turns received wire bytes back into the payload. `raw` borrows them as they are.
pub fn decode(kind: PayloadKind, codec: Codec, wire: &[u8]) -> Result<Decoded<'_>, CodecError> {
    match codec {
        Codec::Raw if kind == PayloadKind::Records => Err(CodecError::RawRecords),
        Codec::Raw => Ok(Decoded::Flat(wire)),
        Codec::Pickle => Err(CodecError::Pickle),
        Codec::Bincode => decode_with(kind, wire, bincode::config::standard()),
        Codec::BincodeFixed => decode_with(kind, wire, bincode::config::standard().with_fixed_int_encoding()),
    }
}

/// As `decode`, for wire bytes in the child's own buffer: bytes decoded in place stay
/// writable (`FlatMut`), so that `--access write` may write them.
pub fn decode_mut(kind: PayloadKind, codec: Codec, wire: &mut [u8]) -> Result<Decoded<'_>, CodecError> {
    let (start, len) = match decode(kind, codec, wire)? {
        Decoded::Flat(bytes) => (bytes.as_ptr() as usize - wire.as_ptr() as usize, bytes.len()),
        // Decoded into memory of its own: moved out, it borrows nothing of the wire.
        decoded => return Ok(into_owned(decoded)),
    };
    Ok(Decoded::FlatMut(&mut wire[start..start + len]))
}

/// A decoded value that borrows nothing of the wire: owned variants as they are, borrowed
/// bytes copied (`decode` borrows only flat bytes, which `decode_mut` keeps in place).
fn into_owned(decoded: Decoded<'_>) -> Decoded<'static> {
    match decoded {
        Decoded::Owned(region) => Decoded::Owned(region),
        Decoded::Bytes(bytes) => Decoded::Bytes(bytes),
        Decoded::Records(records) => Decoded::Records(Cow::Owned(records.into_owned())),
        Decoded::Flat(bytes) => Decoded::Bytes(bytes.to_vec()),
        Decoded::FlatMut(bytes) => Decoded::Bytes(bytes.to_vec()),
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodecError {
    Encode,
    Decode,
    Trailing,
    RawRecords,
    /// Pickle is Python's: only the py-* methods, run by python3, use it.
    Pickle,
}

impl std::fmt::Display for CodecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CodecError::Encode => "the payload could not be encoded",
            CodecError::Decode => "the received bytes could not be decoded",
            CodecError::Trailing => "bytes were left over after decoding",
            CodecError::RawRecords => "codec raw cannot carry records",
            CodecError::Pickle => "codec pickle is Python's own: only the py-* methods use it",
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
