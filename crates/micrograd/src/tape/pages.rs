//! Large tape buffers on huge pages.
//!
//! A long graph's memory is mostly new: the kernel hands each 4 KiB page out zeroed at its first
//! touch, so a 10-million-node tape pays some 70,000 page faults before a single number is
//! computed, and as many again to give the pages back. Linux can back memory with 2 MiB pages
//! instead, 512 times fewer faults, but on most machines only where a program asks for it
//! (`/sys/kernel/mm/transparent_hugepage/enabled` reads `madvise`). This module asks, for buffers
//! big enough to hold whole huge pages. It changes no number: only how the memory is mapped.

/// Buffers smaller than this are left alone: they cannot hold an aligned huge page with room to
/// spare, and small graphs are the common case.
const HUGE_ENOUGH: usize = 4 << 20;

/// Reserves room for `additional` more elements (at least doubling, as `Vec::push` does) and asks
/// for the buffer to be backed by huge pages if it is large.
pub(crate) fn grow<T>(buffer: &mut Vec<T>, additional: usize) {
    buffer.reserve(additional.max(buffer.capacity()));
    advise(buffer);
}

/// Resizes `buffer` to `n` elements, filling new ones with zero, its memory advised as [`grow`]'s.
pub(crate) fn resize_zeroed(buffer: &mut Vec<f64>, n: usize) {
    if buffer.is_empty() && n > buffer.capacity() {
        // New memory from the system is already zero, cleared by the kernel at first touch, so
        // asking for zeroed memory spares writing every zero a second time.
        *buffer = vec![0.0; n];
        advise(buffer);
        return;
    }
    if n > buffer.capacity() {
        buffer.reserve_exact(n - buffer.len());
        advise(buffer);
    }
    buffer.resize(n, 0.0);
}

/// Asks the kernel to back the whole 4 KiB pages inside `buffer`'s allocation with huge pages.
/// Advice only: where it is refused or unknown, the buffer works as before.
pub(crate) fn advise<T>(buffer: &Vec<T>) {
    let bytes = buffer.capacity() * std::mem::size_of::<T>();
    if bytes >= HUGE_ENOUGH {
        advise_range(buffer.as_ptr() as usize, bytes);
    }
}

#[cfg(target_os = "linux")]
fn advise_range(start: usize, bytes: usize) {
    const PAGE: usize = 4096;
    let first = start.next_multiple_of(PAGE);
    let end = (start + bytes) / PAGE * PAGE;
    if end > first {
        // SAFETY: the range lies inside one live allocation of ours, and MADV_HUGEPAGE changes
        // only how it is mapped, never its contents.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_range(_start: usize, _bytes: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growing_keeps_the_elements_and_at_least_doubles() {
        let mut v: Vec<u32> = (0..1000).collect();
        v.shrink_to_fit();
        grow(&mut v, 1);
        assert!(v.capacity() >= 2000);
        assert!(v.iter().copied().eq(0..1000));
        let mut big = vec![1.0f64; 10];
        resize_zeroed(&mut big, HUGE_ENOUGH);
        assert_eq!(big.len(), HUGE_ENOUGH);
        assert!(big[..10].iter().all(|&x| x == 1.0) && big[10..].iter().all(|&x| x == 0.0));
    }
}
