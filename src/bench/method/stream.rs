//! Framing over a byte stream (pipes, sockets, a spawned child's stdin): an 8-byte
//! little-endian length, then the wire bytes.

use std::os::fd::BorrowedFd;

use nix::errno::Errno;

use super::SendError;
use crate::bench::kind::{Codec, PayloadKind};
use crate::bench::memory::Region;
use crate::bench::payload::{CodecError, Decoded, IntsSeed, Payload, Record};
use crate::bench::receipt::{ChildError, Step};

/// Writes the frame header and the bytes; a reader that went away is `ChildGone`, not a hang
/// or a death (Rust's runtime ignores SIGPIPE in every Rust program, so the write fails with
/// EPIPE; a child that hangs instead is killed by the watchdog, which ends the write the same way).
pub fn send_framed(fd: BorrowedFd<'_>, wire: &[u8]) -> Result<(), SendError> {
    write_all(fd, &(wire.len() as u64).to_le_bytes())?;
    write_all(fd, wire)
}

pub fn write_all(fd: BorrowedFd<'_>, mut bytes: &[u8]) -> Result<(), SendError> {
    while !bytes.is_empty() {
        match nix::unistd::write(fd, bytes) {
            Ok(written) => bytes = &bytes[written..],
            Err(Errno::EINTR) => {}
            Err(Errno::EPIPE | Errno::ECONNRESET) => return Err(SendError::ChildGone),
            Err(errno) => return Err(SendError::Io("write", errno)),
        }
    }
    Ok(())
}

/// Reads one frame into `buffer`, which the child owns. `expected` is the frame length the
/// child was told to expect; any other header is a protocol error, not an allocation.
pub fn receive_framed(fd: BorrowedFd<'_>, buffer: &mut Region, expected: usize) -> Result<(), ChildError> {
    let mut header = [0u8; 8];
    read_exact(fd, &mut header)?;
    let length = u64::from_le_bytes(header);
    if length != expected as u64 {
        return Err(ChildError::Decode);
    }
    *buffer = Region::buffer(expected).map_err(|errno| ChildError::io(Step::Read, errno))?;
    read_exact(fd, buffer.as_bytes_mut())
}

pub fn read_exact(fd: BorrowedFd<'_>, buffer: &mut [u8]) -> Result<(), ChildError> {
    let mut got = 0;
    while got < buffer.len() {
        match nix::unistd::read(fd, &mut buffer[got..]) {
            Ok(0) => {
                return Err(ChildError::ShortRead {
                    got: got as u64,
                    expected: buffer.len() as u64,
                })
            }
            Ok(read) => got += read,
            Err(Errno::EINTR) => {}
            Err(errno) => return Err(ChildError::io(Step::Read, errno)),
        }
    }
    Ok(())
}

/// How many bytes are waiting on `fd` right now, without waiting for more: the trailing-bytes
/// check of a stream, once the decoder has what it expects. End-of-file counts as none.
pub fn pending(fd: BorrowedFd<'_>, buffer: &mut [u8]) -> Result<usize, ChildError> {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    loop {
        let mut ready = [PollFd::new(fd, PollFlags::POLLIN)];
        match poll(&mut ready, PollTimeout::ZERO) {
            Ok(0) => return Ok(0),
            Ok(_) => break,
            Err(Errno::EINTR) => {}
            Err(errno) => return Err(ChildError::io(Step::Read, errno)),
        }
    }
    loop {
        match nix::unistd::read(fd, buffer) {
            Err(Errno::EINTR) => {}
            other => return other.map_err(|errno| ChildError::io(Step::Read, errno)),
        }
    }
}

/// Raises a pipe's buffer towards `wanted` bytes, as far as `/proc/sys/fs/pipe-max-size`
/// allows: fewer, larger writes and fewer wake-ups. A refusal leaves the default in place.
pub fn raise_pipe_size(fd: BorrowedFd<'_>, wanted: usize, max: u64) {
    let size = wanted
        .next_power_of_two()
        .clamp(4096, usize::try_from(max).unwrap_or(1 << 20));
    if size > 65_536 {
        let _ = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETPIPE_SZ(size as libc::c_int));
    }
}

/// The size of the chunks a streamed encoding is handed over in: large enough that syscalls
/// are few, small enough that the receiver starts decoding early.
pub const STREAM_CHUNK: usize = 256 << 10;

/// Encodes `payload` in chunks of `chunk_size` and hands each to `sink` as soon as it is
/// full, so the child decodes on one core while the parent still encodes on the other.
/// `raw` hands the payload's own bytes over without a copy.
pub fn encode_streamed(
    payload: &Payload,
    codec: Codec,
    chunk_size: usize,
    chunk: &mut Vec<u8>,
    sink: &mut dyn FnMut(&[u8]) -> Result<(), SendError>,
) -> Result<(), SendError> {
    if codec == Codec::Raw {
        let bytes = payload.flat().ok_or(SendError::Encode(CodecError::RawRecords))?;
        return bytes.chunks(chunk_size.max(1)).try_for_each(&mut *sink);
    }
    chunk.clear();
    chunk.reserve(chunk_size);
    let mut writer = ChunkWriter {
        chunk,
        chunk_size,
        sink,
        failed: None,
    };
    let encoded = match codec {
        Codec::Bincode => payload.encode_into(&mut writer, bincode::config::standard()),
        _ => payload.encode_into(&mut writer, bincode::config::standard().with_fixed_int_encoding()),
    };
    if let Some(error) = writer.failed.take() {
        return Err(error);
    }
    encoded.map_err(SendError::Encode)?;
    writer.flush()
}

struct ChunkWriter<'a> {
    chunk: &'a mut Vec<u8>,
    chunk_size: usize,
    sink: &'a mut dyn FnMut(&[u8]) -> Result<(), SendError>,
    failed: Option<SendError>,
}

impl ChunkWriter<'_> {
    fn flush(&mut self) -> Result<(), SendError> {
        if !self.chunk.is_empty() {
            (self.sink)(self.chunk)?;
            self.chunk.clear();
        }
        Ok(())
    }
}

impl bincode::enc::write::Writer for ChunkWriter<'_> {
    /// Called once per integer: the common case must stay a bounds check and a copy.
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> Result<(), bincode::error::EncodeError> {
        if self.chunk.len() + bytes.len() <= self.chunk_size {
            self.chunk.extend_from_slice(bytes);
            return Ok(());
        }
        self.write_across(bytes)
    }
}

impl ChunkWriter<'_> {
    /// Fills the chunk, hands it over, and goes on with the rest.
    #[cold]
    fn write_across(&mut self, mut bytes: &[u8]) -> Result<(), bincode::error::EncodeError> {
        while self.chunk.len() + bytes.len() > self.chunk_size {
            let room = self.chunk_size - self.chunk.len();
            self.chunk.extend_from_slice(&bytes[..room]);
            bytes = &bytes[room..];
            if let Err(error) = self.flush() {
                self.failed = Some(error);
                return Err(bincode::error::EncodeError::Other("the receiver is gone"));
            }
        }
        self.chunk.extend_from_slice(bytes);
        Ok(())
    }
}

/// Decodes a streamed encoding as it arrives from `source` (which fills a buffer and says
/// how many bytes it put there, 0 at the end), then checks that nothing follows it.
/// `source` is never handed less than `least_read` bytes of room (a queue message's size).
/// `left_over` then says how many bytes follow the encoding (0 for none): a stream whose
/// writing end another process may also hold (any process forked meanwhile inherits it)
/// cannot wait for end-of-file, so it looks without waiting (see `pending`).
pub fn decode_streamed(
    kind: PayloadKind,
    codec: Codec,
    expected_bytes: usize,
    least_read: usize,
    source: &mut dyn FnMut(&mut [u8]) -> Result<usize, ChildError>,
    left_over: &mut dyn FnMut(&mut [u8]) -> Result<usize, ChildError>,
) -> Result<Decoded<'static>, ChildError> {
    let mut reader = ChunkReader {
        buffer: vec![0u8; STREAM_CHUNK.max(least_read)],
        start: 0,
        end: 0,
        received: 0,
        source,
        failed: None,
    };
    let decoded = match codec {
        Codec::Raw => reader.raw(kind, expected_bytes),
        Codec::Pickle => Err(ChildError::Decode),
        Codec::Bincode => decode_with(kind, expected_bytes, &mut reader, bincode::config::standard()),
        Codec::BincodeFixed => decode_with(
            kind,
            expected_bytes,
            &mut reader,
            bincode::config::standard().with_fixed_int_encoding(),
        ),
    };
    if let Some(error) = reader.failed.take() {
        return Err(error);
    }
    let decoded = decoded?;
    if reader.start < reader.end || left_over(&mut reader.buffer)? > 0 {
        return Err(ChildError::Decode);
    }
    Ok(decoded)
}

fn decode_with<C: bincode::config::Config>(
    kind: PayloadKind,
    expected_bytes: usize,
    reader: &mut ChunkReader<'_>,
    config: C,
) -> Result<Decoded<'static>, ChildError> {
    use serde::de::DeserializeSeed;
    let mut decoder = bincode::serde::OwnedSerdeDecoder::from_reader(reader, config);
    let decoded = match kind {
        // Every integer takes at least one byte: the count cannot exceed the payload's bytes.
        PayloadKind::Ints => IntsSeed {
            most: expected_bytes.max(1),
        }
        .deserialize(decoder.as_deserializer())
        .map(Decoded::Owned),
        PayloadKind::Bytes => serde::Deserialize::deserialize(decoder.as_deserializer())
            .map(|bytes: serde_bytes::ByteBuf| Decoded::Bytes(bytes.into_vec())),
        PayloadKind::Records => serde::Deserialize::deserialize(decoder.as_deserializer())
            .map(|records: Vec<Record>| Decoded::Records(records.into())),
    };
    decoded.map_err(|_| ChildError::Decode)
}

struct ChunkReader<'a> {
    buffer: Vec<u8>,
    start: usize,
    end: usize,
    received: u64,
    source: &'a mut dyn FnMut(&mut [u8]) -> Result<usize, ChildError>,
    failed: Option<ChildError>,
}

impl ChunkReader<'_> {
    /// Refills the (empty) buffer from the source; 0 means the stream ended.
    fn fill(&mut self) -> Result<usize, ChildError> {
        let mut buffer = std::mem::take(&mut self.buffer);
        let got = self.pull(&mut buffer);
        self.buffer = buffer;
        let got = got?;
        (self.start, self.end) = (0, got);
        Ok(got)
    }

    /// One read from the source, counted.
    fn pull(&mut self, into: &mut [u8]) -> Result<usize, ChildError> {
        let got = (self.source)(into)?;
        self.received += got as u64;
        Ok(got)
    }

    /// The payload's own bytes, copied into a buffer of the child's.
    fn raw(&mut self, kind: PayloadKind, expected: usize) -> Result<Decoded<'static>, ChildError> {
        if kind == PayloadKind::Records {
            return Err(ChildError::Decode);
        }
        let mut region = Region::buffer(expected).map_err(|errno| ChildError::io(Step::Read, errno))?;
        let bytes = region.as_bytes_mut();
        let mut filled = 0;
        // Large reads go straight into the child's buffer: raw costs no copy of ours.
        while bytes.len() - filled >= self.buffer.len() {
            match self.pull(&mut bytes[filled..])? {
                0 => break,
                got => filled += got,
            }
        }
        bincode::de::read::Reader::read(self, &mut bytes[filled..]).map_err(|_| ChildError::ShortRead {
            got: self.received,
            expected: expected as u64,
        })?;
        Ok(Decoded::Owned(region))
    }
}

impl bincode::de::read::Reader for ChunkReader<'_> {
    /// Called once per integer: the common case must stay a bounds check and a copy.
    #[inline]
    fn read(&mut self, bytes: &mut [u8]) -> Result<(), bincode::error::DecodeError> {
        if let Some(buffered) = self.buffer.get(self.start..self.start + bytes.len()) {
            if self.start + bytes.len() <= self.end {
                bytes.copy_from_slice(buffered);
                self.start += bytes.len();
                return Ok(());
            }
        }
        self.read_across(bytes)
    }

    #[inline]
    fn peek_read(&mut self, n: usize) -> Option<&[u8]> {
        self.buffer
            .get(self.start..self.start + n)
            .filter(|_| self.start + n <= self.end)
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
    }
}

impl ChunkReader<'_> {
    /// Takes what is buffered, refills, and goes on until `bytes` is full.
    #[cold]
    fn read_across(&mut self, bytes: &mut [u8]) -> Result<(), bincode::error::DecodeError> {
        let mut filled = 0;
        while filled < bytes.len() {
            if self.start == self.end {
                match self.fill() {
                    Ok(0) => {
                        self.failed = Some(ChildError::ShortRead {
                            got: self.received,
                            expected: self.received + (bytes.len() - filled) as u64,
                        });
                        return Err(bincode::error::DecodeError::UnexpectedEnd {
                            additional: bytes.len() - filled,
                        });
                    }
                    Ok(_) => {}
                    Err(error) => {
                        self.failed = Some(error);
                        return Err(bincode::error::DecodeError::Other("the stream failed"));
                    }
                }
            }
            let take = (self.end - self.start).min(bytes.len() - filled);
            bytes[filled..filled + take].copy_from_slice(&self.buffer[self.start..self.start + take]);
            self.start += take;
            filled += take;
        }
        Ok(())
    }
}
