//! The `kernels` world (`wit/kernels.wit`) with its canonical ABI written by hand: the
//! smallest possible Rust component, so host benchmarks measure the call and not the work.
//!
//! Core exports use the names `wasm-tools component new` maps onto the world: `add`,
//! `reverse` and its post-return `cabi_post_reverse`, plus `cabi_realloc` through which
//! the host allocates the argument string in our memory. The build pipeline adds
//! `_initialize` (the static constructors); callers of the raw core module
//! (`dist/bench-kernels.core.wasm`) call it once before anything else.

use std::alloc::{self, Layout};

/// `a + b`, wrapping on overflow, as `add: func(a: u32, b: u32) -> u32`.
///
/// `u32` travels as an `i32` in the core ABI; Rust's `u32` has the same bits.
#[export_name = "add"]
pub extern "C" fn add(a: u32, b: u32) -> u32 {
    a.wrapping_add(b)
}

/// Where `reverse` leaves its result: a (pointer, length) pair, read by the host right after
/// the call. A static is enough because a component instance is never re-entered.
#[repr(C, align(4))]
struct ReturnArea([u32; 2]);

static mut RETURN_AREA: ReturnArea = ReturnArea([0; 2]);

/// `reverse: func(s: string) -> string`.
///
/// # Safety
/// Called by the component's lifting code only: `ptr`/`len` describe a valid UTF-8 buffer
/// that the host allocated with [`cabi_realloc`] (size `len`, align 1) and hands over to us.
#[export_name = "reverse"]
pub unsafe extern "C" fn reverse(ptr: *mut u8, len: usize) -> *const u32 {
    // Taking ownership frees the argument when `input` drops; for `len == 0` the pointer is
    // dangling and the zero capacity means nothing is freed, as `cabi_realloc` allocated nothing.
    let input = String::from_raw_parts(ptr, len, len);
    let output: String = input.chars().rev().collect();
    let output = output.into_bytes().into_boxed_slice();
    let (out_len, out_ptr) = (output.len(), Box::into_raw(output) as *mut u8);
    RETURN_AREA.0 = [out_ptr as u32, out_len as u32];
    std::ptr::addr_of!(RETURN_AREA) as *const u32
}

/// Post-return of `reverse`: the host has copied the result out, so free it.
///
/// # Safety
/// `area` is the pointer [`reverse`] returned, still holding its result.
#[export_name = "cabi_post_reverse"]
pub unsafe extern "C" fn cabi_post_reverse(area: *const u32) {
    let (ptr, len) = (*area as *mut u8, *area.add(1) as usize);
    // An empty boxed slice owns no allocation; rebuilding it is still fine (dropping frees nothing).
    drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)));
}

/// The canonical ABI's allocator: the host calls it to place arguments in our memory.
///
/// # Safety
/// Follows the `cabi_realloc` contract: `old_ptr`/`old_len`/`align` describe a block this
/// function returned before (or `old_len == 0`), and `align` is a power of two.
#[no_mangle]
pub unsafe extern "C" fn cabi_realloc(
    old_ptr: *mut u8,
    old_len: usize,
    align: usize,
    new_len: usize,
) -> *mut u8 {
    let ptr = if old_len == 0 {
        if new_len == 0 {
            // A zero-size block: any non-null aligned pointer; nothing to free later.
            return align as *mut u8;
        }
        alloc::alloc(Layout::from_size_align_unchecked(new_len, align))
    } else {
        alloc::realloc(
            old_ptr,
            Layout::from_size_align_unchecked(old_len, align),
            new_len,
        )
    };
    if ptr.is_null() {
        // Out of memory: trap rather than hand the host a null pointer to write through.
        core::arch::wasm32::unreachable();
    }
    ptr
}
