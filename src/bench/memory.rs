//! All raw memory of the core: anonymous mappings (`Region`), huge-page buffers, values a
//! forked child may write in place (`Inherited`), and touching pages. The `unsafe` of the
//! core's memory lives here; everything else gets `&[u8]` to read and `&mut` only to write.

use std::cell::UnsafeCell;
use std::num::NonZeroUsize;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};

use nix::sys::mman::{madvise, mmap_anonymous, munmap, MapFlags, MmapAdvise, ProtFlags};

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
