//! All raw memory of the core: anonymous mappings (`Region`), huge-page buffers, values a
//! forked child may write in place (`Inherited`), file mappings (`map_file_for_life`), pages
//! kept out of children (`KeptOutOfChildren`), and touching pages. The `unsafe` of the
//! core's memory lives here; everything else gets `&[u8]` to read and `&mut` only to write.

use std::borrow::Cow;
use std::cell::UnsafeCell;
use std::num::NonZeroUsize;
use std::os::fd::BorrowedFd;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use nix::sys::mman::{madvise, mmap, mmap_anonymous, munmap, MapFlags, MmapAdvise, ProtFlags};

/// The size of a transparent huge page on x86-64 and most arm64 kernels.
const HUGE_PAGE: usize = 2 << 20;

pub fn page_size() -> usize {
    nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .and_then(|size| usize::try_from(size).ok())
        .unwrap_or(4096)
}

/// Page-aligned anonymous memory that this process owns; the payload of `ints` and `bytes`
/// lives here, and so do the buffers that data arrives in.
pub struct Region {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a Region is plain memory owned by one value, like a `Box<[u8]>`: `&Region` gives
// only reads, `&mut Region` the only writes.
unsafe impl Send for Region {}
// SAFETY: as above; no method writes through `&self`.
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
            // SAFETY: advice on this region's own fresh mapping, which nothing else refers to;
            // a refusal only leaves 4 KiB pages.
            let _ = unsafe { madvise(region.ptr.cast(), region.len, MmapAdvise::MADV_HUGEPAGE) };
        }
        Ok(region)
    }

    /// No memory at all.
    pub fn empty() -> Region {
        Region {
            ptr: NonNull::dangling(),
            len: 0,
        }
    }

    pub fn new(len: usize) -> nix::Result<Region> {
        let Some(size) = NonZeroUsize::new(len) else {
            return Ok(Region::empty());
        };
        // SAFETY: a fresh private anonymous mapping aliases nothing.
        let ptr = unsafe {
            mmap_anonymous(
                None,
                size,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_PRIVATE,
            )?
        };
        Ok(Region { ptr: ptr.cast(), len })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: the mapping is `len` readable bytes (a dangling, aligned pointer for 0),
        // zero-filled by the kernel, and lives as long as self; writes need `&mut self`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above, and `&mut self` makes the access exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: the pointer and length are the ones mmap gave; nothing borrows self any more.
            let _ = unsafe { munmap(self.ptr.cast(), self.len) };
        }
    }
}

/// Set in a benchmark child right after the fork, where it is the only thread.
static FORKED_CHILD: AtomicBool = AtomicBool::new(false);

/// Marks this process as a freshly forked benchmark child: one thread, which owns its
/// copy-on-write copy of every page of the parent's. Call first thing after `fork`, in the child.
pub fn enter_forked_child() {
    FORKED_CHILD.store(true, Ordering::Relaxed);
}

/// Whether this process is a forked benchmark child (see `enter_forked_child`).
pub fn in_forked_child() -> bool {
    FORKED_CHILD.load(Ordering::Relaxed)
}

/// A value the parent builds and only ever reads, which a forked child may write in place:
/// its writes land in its own copy-on-write copy of the pages, never in the parent's.
pub struct Inherited<T>(UnsafeCell<T>);

// SAFETY: shared access only reads; the one way to write through `&self`
// (`child_copy_mut`) works only in a forked child, where no other thread exists.
unsafe impl<T: Sync> Sync for Inherited<T> {}

impl<T> Inherited<T> {
    pub fn new(value: T) -> Inherited<T> {
        Inherited(UnsafeCell::new(value))
    }

    pub fn get(&self) -> &T {
        // SAFETY: writes through `&self` happen only in `child_copy_mut`, whose caller keeps
        // every reference from `get` out of the time its `&mut` lives.
        unsafe { &*self.0.get() }
    }

    pub fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }

    /// The value to write, in a forked child (`None` anywhere else).
    ///
    /// # Safety
    /// No reference returned by `get` may be used while the returned one lives.
    #[allow(clippy::mut_from_ref)] // The cell is what makes the `&mut` from `&self` sound.
    pub unsafe fn child_copy_mut(&self) -> Option<&mut T> {
        // SAFETY: a forked child has one thread (see `enter_forked_child`), and the caller
        // guarantees that no shared reference into the value is used meanwhile.
        in_forked_child().then(|| unsafe { &mut *self.0.get() })
    }
}

/// Reads `value` with a volatile load, which the compiler may neither drop nor merge: what it
/// costs merely to reach the memory.
pub fn read_once<T: Copy>(value: &T) -> T {
    // SAFETY: a reference is valid, aligned and initialized for a read.
    unsafe { std::ptr::read_volatile(value) }
}

/// Writes `value` back with the value it holds, with volatile accesses the compiler keeps:
/// the kernel must give this process its own copy of the page while the content stays.
pub fn rewrite<T: Copy>(value: &mut T) {
    let pointer: *mut T = value;
    // SAFETY: a unique reference is valid, aligned and initialized for a read and a write.
    unsafe { pointer.write_volatile(pointer.read_volatile()) }
}

/// Indices of the elements of `items` that lie at the start of each page their memory spans
/// (one per page, counted from the first element): reaching each means reaching every page.
fn one_per_page<T>(items: &[T]) -> impl Iterator<Item = usize> {
    let size = std::mem::size_of::<T>().max(1);
    (0..std::mem::size_of_val(items))
        .step_by(page_size())
        .map(move |offset| offset / size)
}

/// Rewrites one field (`touch`) of one element per page of `items`, never padding: a page
/// of the child's own for every page `items` span.
pub fn touch_pages<T>(items: &mut [T], mut touch: impl FnMut(&mut T)) {
    for index in one_per_page(items) {
        touch(&mut items[index]);
    }
}

/// Folds one field (`read`) of one element per page of `items`: what reaching each costs.
pub fn fold_pages<T>(items: &[T], start: u64, mut fold: impl FnMut(u64, &T) -> u64) -> u64 {
    one_per_page(items).fold(start, |hash, index| fold(hash, &items[index]))
}

/// A file mapped for the rest of this process's life: what a child that maps shared memory
/// holds, until it ends with `_exit`.
pub enum FileView {
    /// Shared and read-only, populated up front.
    ReadOnly(&'static [u8]),
    /// Private and writable: copy-on-write copies only the pages written.
    Writable(&'static mut [u8]),
}

/// Maps the first `len` bytes of `file` into this process, never to be unmapped (so call it
/// in a child that ends with `_exit`). Reading maps it shared and read-only, populated in one
/// go rather than fault by fault; writing maps it private and writable, not populated
/// (populating a private writable mapping would copy every page at once), so the file stays
/// as it was for the next child.
pub fn map_file_for_life(file: BorrowedFd<'_>, len: NonZeroUsize, writable: bool) -> nix::Result<FileView> {
    let (protection, flags) = if writable {
        (
            ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
            MapFlags::MAP_PRIVATE,
        )
    } else {
        (
            ProtFlags::PROT_READ,
            MapFlags::MAP_SHARED | MapFlags::MAP_POPULATE,
        )
    };
    // SAFETY: a fresh mapping at an address the kernel picks aliases nothing of this process.
    let mapped = unsafe { mmap(None, len, protection, flags, file, 0) }?;
    let bytes = mapped.as_ptr().cast::<u8>();
    Ok(if writable {
        // SAFETY: `len` readable and writable bytes of a private mapping that nothing else
        // refers to and that is never unmapped.
        FileView::Writable(unsafe { std::slice::from_raw_parts_mut(bytes, len.get()) })
    } else {
        // SAFETY: `len` readable bytes that are never unmapped; the file is written only
        // before any child maps it.
        FileView::ReadOnly(unsafe { std::slice::from_raw_parts(bytes, len.get()) })
    })
}

/// The whole pages inside some bytes, kept out of the children forked while this lives
/// (`MADV_DONTFORK`): a child then really lacks them. Dropping it lets them fork again.
pub struct KeptOutOfChildren {
    pages: NonNull<libc::c_void>,
    len: usize,
}

impl KeptOutOfChildren {
    /// Keeps the whole pages of `bytes` out of the next children; `None` if `bytes` holds no
    /// whole page. Only whole pages: the partial ones at the edges may hold other data the
    /// child needs. `bytes` must stay mapped while the value lives (the borrow does not say so,
    /// so that the parent may go on reading them).
    pub fn keep(bytes: &[u8]) -> nix::Result<Option<KeptOutOfChildren>> {
        let page = page_size();
        let start = (bytes.as_ptr() as usize).next_multiple_of(page);
        let end = (bytes.as_ptr() as usize + bytes.len()) / page * page;
        if end <= start {
            return Ok(None);
        }
        let pointer = bytes.as_ptr().wrapping_add(start - bytes.as_ptr() as usize);
        let Some(pages) = NonNull::new(pointer.cast_mut().cast()) else {
            return Ok(None);
        };
        // SAFETY: whole pages within `bytes`' mapping; the advice changes what fork gives a
        // child, not this process's view or content.
        unsafe { madvise(pages, end - start, MmapAdvise::MADV_DONTFORK) }?;
        Ok(Some(KeptOutOfChildren {
            pages,
            len: end - start,
        }))
    }
}

impl Drop for KeptOutOfChildren {
    fn drop(&mut self) {
        // SAFETY: the range `keep` advised; its owner keeps it mapped while this lives.
        let _ = unsafe { madvise(self.pages, self.len, MmapAdvise::MADV_DOFORK) };
    }
}

/// Views little-endian bytes as the u64s they hold, copying only if they are misaligned.
pub fn as_words(bytes: &[u8]) -> Cow<'_, [u64]> {
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

/// Anonymous memory shared with the children forked while it lives (`MAP_SHARED`): the
/// slots and words that a living worker and its parent pass messages through. The two sides
/// take turns (see `mode::link`): one writes a slot and then publishes a word with `Release`;
/// the other sees the word with `Acquire` and only then reads the slot.
pub struct SharedPages {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is owned by this value; concurrent access from another process (or
// thread) is ordered by the atomic words, as the type's documentation says.
unsafe impl Send for SharedPages {}

impl SharedPages {
    /// Words at the start, then bytes: `words` 64-byte lines of control words, then `bytes`.
    pub const LINE: usize = 64;

    pub fn new(len: usize) -> nix::Result<SharedPages> {
        let size = NonZeroUsize::new(len.max(Self::LINE)).ok_or(nix::Error::EINVAL)?;
        // SAFETY: a fresh shared anonymous mapping aliases nothing of this process.
        let ptr = unsafe {
            mmap_anonymous(
                None,
                size,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
            )?
        };
        Ok(SharedPages {
            ptr: ptr.cast(),
            len: size.get(),
        })
    }

    /// The 32-bit word at byte `offset` (a multiple of 4, inside the mapping).
    pub fn word(&self, offset: usize) -> &AtomicU32 {
        assert!(
            offset.is_multiple_of(4) && offset + 4 <= self.len,
            "word at {offset}"
        );
        // SAFETY: inside the mapping, aligned (mmap gives page alignment), and only ever used
        // through atomic operations by every process that maps it.
        unsafe { &*self.ptr.as_ptr().add(offset).cast::<AtomicU32>() }
    }

    /// `len` bytes at `offset` to read, while it is this side's turn.
    pub fn bytes(&self, offset: usize, len: usize) -> &[u8] {
        assert!(offset + len <= self.len, "{len} bytes at {offset}");
        // SAFETY: inside the mapping, which lives as long as self; the other side does not
        // write these bytes until this side publishes its turn (the protocol above).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(offset), len) }
    }

    /// Copies `bytes` to `offset`, while it is this side's turn.
    pub fn write(&self, offset: usize, bytes: &[u8]) {
        assert!(
            offset + bytes.len() <= self.len,
            "{} bytes at {offset}",
            bytes.len()
        );
        // SAFETY: inside the mapping; while it is this side's turn nobody reads or writes these
        // bytes but this side (the protocol above), and this process holds no view of them:
        // a slot is read through `bytes` only on the other side's turn.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.as_ptr().add(offset), bytes.len()) };
    }
}

impl Drop for SharedPages {
    fn drop(&mut self) {
        // SAFETY: the pointer and length are the ones mmap gave; nothing borrows self any more.
        let _ = unsafe { munmap(self.ptr.cast(), self.len) };
    }
}

/// Sleeps while `word` holds `expected`, at most `timeout`: a `FUTEX_WAIT` on a word that
/// other processes map too (so not `FUTEX_PRIVATE`). Returns early on a wake, a change, a
/// signal or the timeout; the caller looks at the word again in every case.
pub fn futex_wait(word: &AtomicU32, expected: u32, timeout: std::time::Duration) {
    let timeout = libc::timespec {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_nsec: timeout.subsec_nanos() as _,
    };
    // SAFETY: `word` is a valid, aligned 32-bit word for the whole call; the timeout is a
    // valid relative timespec. nix has no futex wrapper.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            &timeout as *const libc::timespec,
        )
    };
}

/// Wakes every process sleeping in `futex_wait` on `word`.
pub fn futex_wake(word: &AtomicU32) {
    // SAFETY: `word` is a valid, aligned 32-bit word; FUTEX_WAKE reads nothing else.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, i32::MAX) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_reached_once_each_through_whole_elements() {
        let page = page_size();
        let mut words = vec![7u64; page / 8 * 3 + 1];
        let mut touched = Vec::new();
        touch_pages(&mut words, |word| {
            rewrite(word);
            touched.push(*word);
        });
        assert_eq!(touched, [7, 7, 7, 7]);
        assert_eq!(fold_pages(&words, 0, |sum, word| sum + read_once(word)), 28);
        assert_eq!(fold_pages::<u64>(&[], 5, |_, _| 0), 5);
    }

    #[test]
    fn only_a_forked_child_may_write_an_inherited_value() {
        let shared = Inherited::new(3u8);
        // SAFETY: no reference from `get` is alive.
        assert!(unsafe { shared.child_copy_mut() }.is_none());
        assert_eq!(*shared.get(), 3);
    }
}
