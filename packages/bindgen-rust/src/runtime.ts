/**
 * The Rust support code every generated file carries in its `_rt` module: the traits that move
 * values across the canonical ABI, their impls for std types, `cabi_realloc` and the return area.
 * Written for Rust 1.63 (Debian's toolchain) and current stable alike: no let-else, no GATs, no
 * `unsafe extern` blocks, no references to `static mut`s.
 *
 * @module
 */

/**
 * The `_rt` module's body. `{RET_AREA_SIZE}` is replaced by the largest return area an export
 * of the world needs.
 */
export const RUNTIME = `#![allow(dead_code, clippy::all)]
//! Canonical ABI support for the generated bindings. Not public API.

use std::alloc::{self, Layout};

/// Flat (core) values of one call, each widened to 64 bits: \`i32\` zero-extended, floats as bits.
/// Joined variant slots need no conversion this way: every payload reads back the bits it wrote.
pub struct Flat {
    pub v: [u64; 16],
    pub n: usize,
}

impl Flat {
    #[inline]
    pub fn new() -> Flat {
        Flat { v: [0; 16], n: 0 }
    }
    #[inline]
    pub fn push(&mut self, x: u64) {
        self.v[self.n] = x;
        self.n += 1;
    }
    #[inline]
    pub fn next(&mut self) -> u64 {
        let x = self.v[self.n];
        self.n += 1;
        x
    }
    /// Lowering a variant: zero the slots its other cases use.
    #[inline]
    pub fn pad_to(&mut self, end: usize) {
        while self.n < end {
            self.push(0);
        }
    }
    /// Lifting a variant: skip the slots the case read did not use.
    #[inline]
    pub fn skip_to(&mut self, end: usize) {
        self.n = end;
    }
}

#[inline]
pub fn as_i32(x: u64) -> i32 {
    x as i32
}
#[inline]
pub fn as_i64(x: u64) -> i64 {
    x as i64
}
#[inline]
pub fn as_f32(x: u64) -> f32 {
    f32::from_bits(x as u32)
}
#[inline]
pub fn as_f64(x: u64) -> f64 {
    f64::from_bits(x)
}
#[inline]
pub fn from_i32(x: i32) -> u64 {
    x as u32 as u64
}
#[inline]
pub fn from_i64(x: i64) -> u64 {
    x as u64
}
#[inline]
pub fn from_f32(x: f32) -> u64 {
    x.to_bits() as u64
}
#[inline]
pub fn from_f64(x: f64) -> u64 {
    x.to_bits()
}

pub const fn align_to(x: usize, align: usize) -> usize {
    (x + align - 1) / align * align
}
pub const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// The canonical ABI traps on values the other side cannot have produced (a bad discriminant,
/// an invalid \`char\`). A panic aborts the wasm instance, which is a trap.
#[cold]
pub fn invalid(what: &str) -> ! {
    panic!("invalid {} received over the canonical ABI", what)
}

/// Moves a value of this type out of the guest: into flat values or into linear memory.
///
/// Lowering borrows: strings and lists of plain numbers point at the Rust value's own buffer,
/// which must outlive the call; other lists get a canonical copy that \`free_flat\`/\`free\` release.
pub unsafe trait Abi {
    /// Size in linear memory.
    const SIZE: usize;
    /// Alignment in linear memory.
    const ALIGN: usize;
    /// Number of flat values.
    const FLAT: usize;
    /// Same layout in Rust as in the canonical ABI and every bit pattern valid: lists of it
    /// are passed and taken over without copying.
    const PLAIN: bool = false;
    fn lower(&self, out: &mut Flat);
    unsafe fn store(&self, ptr: *mut u8);
    /// Releases what \`lower\` allocated, reading the same flat values back.
    unsafe fn free_flat(src: &mut Flat);
    /// Releases what \`store\` allocated.
    unsafe fn free(ptr: *const u8);
}

/// Moves a value of this type into the guest, taking ownership of the memory it refers to.
pub unsafe trait Lift: Abi + Sized {
    unsafe fn lift(src: &mut Flat) -> Self;
    unsafe fn load(ptr: *const u8) -> Self;
}

macro_rules! number {
    ($t:ty, $size:expr, $to:expr, $from:expr) => {
        unsafe impl Abi for $t {
            const SIZE: usize = $size;
            const ALIGN: usize = $size;
            const FLAT: usize = 1;
            const PLAIN: bool = true;
            #[inline]
            fn lower(&self, out: &mut Flat) {
                let f: fn($t) -> u64 = $to;
                out.push(f(*self));
            }
            #[inline]
            unsafe fn store(&self, ptr: *mut u8) {
                (ptr as *mut $t).write_unaligned(*self);
            }
            #[inline]
            unsafe fn free_flat(src: &mut Flat) {
                src.n += 1;
            }
            #[inline]
            unsafe fn free(_ptr: *const u8) {}
        }
        unsafe impl Lift for $t {
            #[inline]
            unsafe fn lift(src: &mut Flat) -> Self {
                let f: fn(u64) -> $t = $from;
                f(src.next())
            }
            #[inline]
            unsafe fn load(ptr: *const u8) -> Self {
                (ptr as *const $t).read_unaligned()
            }
        }
    };
}

number!(u8, 1, |x| x as u64, |x| x as u8);
number!(i8, 1, |x| x as i32 as u32 as u64, |x| x as u32 as i8);
number!(u16, 2, |x| x as u64, |x| x as u16);
number!(i16, 2, |x| x as i32 as u32 as u64, |x| x as u32 as i16);
number!(u32, 4, |x| x as u64, |x| x as u32);
number!(i32, 4, |x| x as u32 as u64, |x| x as u32 as i32);
number!(u64, 8, |x| x, |x| x);
number!(i64, 8, |x| x as u64, |x| x as i64);
number!(f32, 4, |x| x.to_bits() as u64, |x| f32::from_bits(x as u32));
number!(f64, 8, |x| x.to_bits(), f64::from_bits);

unsafe impl Abi for bool {
    const SIZE: usize = 1;
    const ALIGN: usize = 1;
    const FLAT: usize = 1;
    fn lower(&self, out: &mut Flat) {
        out.push(*self as u64);
    }
    unsafe fn store(&self, ptr: *mut u8) {
        *ptr = *self as u8;
    }
    unsafe fn free_flat(src: &mut Flat) {
        src.n += 1;
    }
    unsafe fn free(_ptr: *const u8) {}
}
unsafe impl Lift for bool {
    unsafe fn lift(src: &mut Flat) -> Self {
        src.next() as u32 != 0
    }
    unsafe fn load(ptr: *const u8) -> Self {
        *ptr != 0
    }
}

unsafe impl Abi for char {
    const SIZE: usize = 4;
    const ALIGN: usize = 4;
    const FLAT: usize = 1;
    fn lower(&self, out: &mut Flat) {
        out.push(*self as u32 as u64);
    }
    unsafe fn store(&self, ptr: *mut u8) {
        (ptr as *mut u32).write_unaligned(*self as u32);
    }
    unsafe fn free_flat(src: &mut Flat) {
        src.n += 1;
    }
    unsafe fn free(_ptr: *const u8) {}
}
unsafe impl Lift for char {
    unsafe fn lift(src: &mut Flat) -> Self {
        match char::from_u32(src.next() as u32) {
            Some(c) => c,
            None => invalid("char"),
        }
    }
    unsafe fn load(ptr: *const u8) -> Self {
        match char::from_u32((ptr as *const u32).read_unaligned()) {
            Some(c) => c,
            None => invalid("char"),
        }
    }
}

unsafe impl Abi for () {
    const SIZE: usize = 0;
    const ALIGN: usize = 1;
    const FLAT: usize = 0;
    fn lower(&self, _out: &mut Flat) {}
    unsafe fn store(&self, _ptr: *mut u8) {}
    unsafe fn free_flat(_src: &mut Flat) {}
    unsafe fn free(_ptr: *const u8) {}
}
unsafe impl Lift for () {
    unsafe fn lift(_src: &mut Flat) -> Self {}
    unsafe fn load(_ptr: *const u8) -> Self {}
}

#[inline]
pub unsafe fn read_i32(ptr: *const u8) -> i32 {
    (ptr as *const i32).read_unaligned()
}
#[inline]
pub unsafe fn write_i32(ptr: *mut u8, x: i32) {
    (ptr as *mut i32).write_unaligned(x)
}

pub unsafe fn alloc(size: usize, align: usize) -> *mut u8 {
    if size == 0 {
        return align as *mut u8;
    }
    let layout = Layout::from_size_align_unchecked(size, align);
    let ptr = alloc::alloc(layout);
    if ptr.is_null() {
        alloc::handle_alloc_error(layout);
    }
    ptr
}

pub unsafe fn dealloc(ptr: *mut u8, size: usize, align: usize) {
    if size != 0 {
        alloc::dealloc(ptr, Layout::from_size_align_unchecked(size, align));
    }
}

unsafe impl Abi for str {
    const SIZE: usize = 8;
    const ALIGN: usize = 4;
    const FLAT: usize = 2;
    fn lower(&self, out: &mut Flat) {
        out.push(self.as_ptr() as usize as u64);
        out.push(self.len() as u64);
    }
    unsafe fn store(&self, ptr: *mut u8) {
        write_i32(ptr, self.as_ptr() as usize as i32);
        write_i32(ptr.add(4), self.len() as i32);
    }
    unsafe fn free_flat(src: &mut Flat) {
        src.n += 2;
    }
    unsafe fn free(_ptr: *const u8) {}
}

unsafe impl Abi for String {
    const SIZE: usize = 8;
    const ALIGN: usize = 4;
    const FLAT: usize = 2;
    fn lower(&self, out: &mut Flat) {
        self.as_str().lower(out)
    }
    unsafe fn store(&self, ptr: *mut u8) {
        self.as_str().store(ptr)
    }
    unsafe fn free_flat(src: &mut Flat) {
        src.n += 2;
    }
    unsafe fn free(_ptr: *const u8) {}
}

/// \`Option<&str>\` parameters of imports.
unsafe impl<'a> Abi for &'a str {
    const SIZE: usize = 8;
    const ALIGN: usize = 4;
    const FLAT: usize = 2;
    fn lower(&self, out: &mut Flat) {
        (**self).lower(out)
    }
    unsafe fn store(&self, ptr: *mut u8) {
        (**self).store(ptr)
    }
    unsafe fn free_flat(src: &mut Flat) {
        src.n += 2;
    }
    unsafe fn free(_ptr: *const u8) {}
}

unsafe fn take_string(ptr: usize, len: usize) -> String {
    if len == 0 {
        return String::new();
    }
    let bytes = Vec::from_raw_parts(ptr as *mut u8, len, len);
    if cfg!(debug_assertions) {
        match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(_) => invalid("string"),
        }
    } else {
        String::from_utf8_unchecked(bytes)
    }
}

unsafe impl Lift for String {
    unsafe fn lift(src: &mut Flat) -> Self {
        let ptr = src.next() as u32 as usize;
        let len = src.next() as u32 as usize;
        take_string(ptr, len)
    }
    unsafe fn load(ptr: *const u8) -> Self {
        take_string(read_i32(ptr) as u32 as usize, read_i32(ptr.add(4)) as u32 as usize)
    }
}

/// A canonical copy of a list whose elements are not plain; released by \`free_elements\`.
unsafe fn store_elements<T: Abi>(items: &[T]) -> *mut u8 {
    let buf = alloc(items.len() * T::SIZE, T::ALIGN);
    for (i, item) in items.iter().enumerate() {
        item.store(buf.add(i * T::SIZE));
    }
    buf
}

unsafe fn free_elements<T: Abi>(ptr: usize, len: usize) {
    if T::PLAIN || len == 0 {
        return;
    }
    let buf = ptr as *mut u8;
    for i in 0..len {
        T::free(buf.add(i * T::SIZE));
    }
    dealloc(buf, len * T::SIZE, T::ALIGN);
}

unsafe impl<T: Abi> Abi for [T] {
    const SIZE: usize = 8;
    const ALIGN: usize = 4;
    const FLAT: usize = 2;
    fn lower(&self, out: &mut Flat) {
        let ptr = if T::PLAIN { self.as_ptr() as *mut u8 } else { unsafe { store_elements(self) } };
        out.push(ptr as usize as u64);
        out.push(self.len() as u64);
    }
    unsafe fn store(&self, ptr: *mut u8) {
        let buf = if T::PLAIN { self.as_ptr() as *mut u8 } else { store_elements(self) };
        write_i32(ptr, buf as usize as i32);
        write_i32(ptr.add(4), self.len() as i32);
    }
    unsafe fn free_flat(src: &mut Flat) {
        let ptr = src.next() as u32 as usize;
        let len = src.next() as u32 as usize;
        free_elements::<T>(ptr, len);
    }
    unsafe fn free(ptr: *const u8) {
        free_elements::<T>(read_i32(ptr) as u32 as usize, read_i32(ptr.add(4)) as u32 as usize);
    }
}

unsafe impl<T: Abi> Abi for Vec<T> {
    const SIZE: usize = 8;
    const ALIGN: usize = 4;
    const FLAT: usize = 2;
    fn lower(&self, out: &mut Flat) {
        self.as_slice().lower(out)
    }
    unsafe fn store(&self, ptr: *mut u8) {
        self.as_slice().store(ptr)
    }
    unsafe fn free_flat(src: &mut Flat) {
        <[T] as Abi>::free_flat(src)
    }
    unsafe fn free(ptr: *const u8) {
        <[T] as Abi>::free(ptr)
    }
}

/// \`Option<&[T]>\` parameters of imports.
unsafe impl<'a, T: Abi> Abi for &'a [T] {
    const SIZE: usize = 8;
    const ALIGN: usize = 4;
    const FLAT: usize = 2;
    fn lower(&self, out: &mut Flat) {
        (**self).lower(out)
    }
    unsafe fn store(&self, ptr: *mut u8) {
        (**self).store(ptr)
    }
    unsafe fn free_flat(src: &mut Flat) {
        <[T] as Abi>::free_flat(src)
    }
    unsafe fn free(ptr: *const u8) {
        <[T] as Abi>::free(ptr)
    }
}

unsafe fn take_list<T: Lift>(ptr: usize, len: usize) -> Vec<T> {
    if len == 0 {
        return Vec::new();
    }
    if T::PLAIN {
        return Vec::from_raw_parts(ptr as *mut T, len, len);
    }
    let buf = ptr as *mut u8;
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        out.push(T::load(buf.add(i * T::SIZE)));
    }
    dealloc(buf, len * T::SIZE, T::ALIGN);
    out
}

unsafe impl<T: Lift> Lift for Vec<T> {
    unsafe fn lift(src: &mut Flat) -> Self {
        let ptr = src.next() as u32 as usize;
        let len = src.next() as u32 as usize;
        take_list(ptr, len)
    }
    unsafe fn load(ptr: *const u8) -> Self {
        take_list(read_i32(ptr) as u32 as usize, read_i32(ptr.add(4)) as u32 as usize)
    }
}

unsafe impl<T: Abi> Abi for Option<T> {
    const SIZE: usize = align_to(align_to(1, T::ALIGN) + T::SIZE, max(1, T::ALIGN));
    const ALIGN: usize = max(1, T::ALIGN);
    const FLAT: usize = 1 + T::FLAT;
    fn lower(&self, out: &mut Flat) {
        let end = out.n + Self::FLAT;
        match self {
            None => out.push(0),
            Some(x) => {
                out.push(1);
                x.lower(out);
            }
        }
        out.pad_to(end);
    }
    unsafe fn store(&self, ptr: *mut u8) {
        match self {
            None => *ptr = 0,
            Some(x) => {
                *ptr = 1;
                x.store(ptr.add(align_to(1, T::ALIGN)));
            }
        }
    }
    unsafe fn free_flat(src: &mut Flat) {
        let end = src.n + Self::FLAT;
        if src.next() as u32 == 1 {
            T::free_flat(src);
        }
        src.skip_to(end);
    }
    unsafe fn free(ptr: *const u8) {
        if *ptr == 1 {
            T::free(ptr.add(align_to(1, T::ALIGN)));
        }
    }
}
unsafe impl<T: Lift> Lift for Option<T> {
    unsafe fn lift(src: &mut Flat) -> Self {
        let end = src.n + Self::FLAT;
        let v = match src.next() as u32 {
            0 => None,
            1 => Some(T::lift(src)),
            _ => invalid("option discriminant"),
        };
        src.skip_to(end);
        v
    }
    unsafe fn load(ptr: *const u8) -> Self {
        match *ptr {
            0 => None,
            1 => Some(T::load(ptr.add(align_to(1, T::ALIGN)))),
            _ => invalid("option discriminant"),
        }
    }
}

unsafe impl<T: Abi, E: Abi> Abi for Result<T, E> {
    const SIZE: usize =
        align_to(align_to(1, max(T::ALIGN, E::ALIGN)) + max(T::SIZE, E::SIZE), max(1, max(T::ALIGN, E::ALIGN)));
    const ALIGN: usize = max(1, max(T::ALIGN, E::ALIGN));
    const FLAT: usize = 1 + max(T::FLAT, E::FLAT);
    fn lower(&self, out: &mut Flat) {
        let end = out.n + Self::FLAT;
        match self {
            Ok(x) => {
                out.push(0);
                x.lower(out);
            }
            Err(e) => {
                out.push(1);
                e.lower(out);
            }
        }
        out.pad_to(end);
    }
    unsafe fn store(&self, ptr: *mut u8) {
        let off = align_to(1, max(T::ALIGN, E::ALIGN));
        match self {
            Ok(x) => {
                *ptr = 0;
                x.store(ptr.add(off));
            }
            Err(e) => {
                *ptr = 1;
                e.store(ptr.add(off));
            }
        }
    }
    unsafe fn free_flat(src: &mut Flat) {
        let end = src.n + Self::FLAT;
        if src.next() as u32 == 0 {
            T::free_flat(src);
        } else {
            E::free_flat(src);
        }
        src.skip_to(end);
    }
    unsafe fn free(ptr: *const u8) {
        let off = align_to(1, max(T::ALIGN, E::ALIGN));
        if *ptr == 0 {
            T::free(ptr.add(off));
        } else {
            E::free(ptr.add(off));
        }
    }
}
unsafe impl<T: Lift, E: Lift> Lift for Result<T, E> {
    unsafe fn lift(src: &mut Flat) -> Self {
        let end = src.n + Self::FLAT;
        let v = match src.next() as u32 {
            0 => Ok(T::lift(src)),
            1 => Err(E::lift(src)),
            _ => invalid("result discriminant"),
        };
        src.skip_to(end);
        v
    }
    unsafe fn load(ptr: *const u8) -> Self {
        let off = align_to(1, max(T::ALIGN, E::ALIGN));
        match *ptr {
            0 => Ok(T::load(ptr.add(off))),
            1 => Err(E::load(ptr.add(off))),
            _ => invalid("result discriminant"),
        }
    }
}

macro_rules! tuple {
    ($($t:ident $i:tt),+) => {
        unsafe impl<$($t: Abi),+> Abi for ($($t,)+) {
            const SIZE: usize = {
                let mut size = 0;
                let mut align = 1;
                $(
                    size = align_to(size, $t::ALIGN) + $t::SIZE;
                    align = max(align, $t::ALIGN);
                )+
                align_to(size, align)
            };
            const ALIGN: usize = {
                let mut align = 1;
                $( align = max(align, $t::ALIGN); )+
                align
            };
            const FLAT: usize = 0 $( + $t::FLAT )+;
            fn lower(&self, out: &mut Flat) {
                $( self.$i.lower(out); )+
            }
            unsafe fn store(&self, ptr: *mut u8) {
                let mut off = 0;
                $(
                    off = align_to(off, $t::ALIGN);
                    self.$i.store(ptr.add(off));
                    off += $t::SIZE;
                )+
                let _ = off;
            }
            unsafe fn free_flat(src: &mut Flat) {
                $( $t::free_flat(src); )+
            }
            unsafe fn free(ptr: *const u8) {
                let mut off = 0;
                $(
                    off = align_to(off, $t::ALIGN);
                    $t::free(ptr.add(off));
                    off += $t::SIZE;
                )+
                let _ = off;
            }
        }
        unsafe impl<$($t: Lift),+> Lift for ($($t,)+) {
            unsafe fn lift(src: &mut Flat) -> Self {
                ($( $t::lift(src), )+)
            }
            unsafe fn load(ptr: *const u8) -> Self {
                let mut off = 0;
                ($(
                    {
                        off = align_to(off, $t::ALIGN);
                        let v = $t::load(ptr.add(off));
                        off += $t::SIZE;
                        let _ = off;
                        v
                    },
                )+)
            }
        }
    };
}

tuple!(A 0);
tuple!(A 0, B 1);
tuple!(A 0, B 1, C 2);
tuple!(A 0, B 1, C 2, D 3);
tuple!(A 0, B 1, C 2, D 3, E 4);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

/// The representation of a resource this plugin implements: a pointer to a boxed \`Box<dyn Any>\`,
/// so the destructor needs no type and every access checks the type.
pub fn new_rep(value: Box<dyn core::any::Any>) -> i32 {
    Box::into_raw(Box::new(value)) as usize as i32
}

pub unsafe fn rep_ref<'a, T: 'static>(rep: i32) -> &'a T {
    let value = &*(rep as u32 as usize as *const Box<dyn core::any::Any>);
    match value.downcast_ref::<T>() {
        Some(v) => v,
        None => invalid("resource representation (not the type the handle was made with)"),
    }
}

pub unsafe fn drop_rep(rep: i32) {
    drop(Box::from_raw(rep as u32 as usize as *mut Box<dyn core::any::Any>));
}

/// Where exports put results that do not fit in one flat value, until post-return.
#[repr(C, align(8))]
pub struct RetArea(pub [u8; {RET_AREA_SIZE}]);
pub static mut RET_AREA: RetArea = RetArea([0; {RET_AREA_SIZE}]);

#[inline]
pub unsafe fn ret_area() -> *mut u8 {
    core::ptr::addr_of_mut!(RET_AREA) as *mut u8
}

/// Allocation entry point for the host: strings and lists it passes in, and results of imports.
#[no_mangle]
pub unsafe extern "C" fn cabi_realloc(old: *mut u8, old_size: usize, align: usize, new_size: usize) -> *mut u8 {
    if new_size == 0 {
        dealloc(old, old_size, align);
        return align as *mut u8;
    }
    if old_size == 0 {
        return alloc(new_size, align);
    }
    let layout = Layout::from_size_align_unchecked(old_size, align);
    let ptr = alloc::realloc(old, layout, new_size);
    if ptr.is_null() {
        alloc::handle_alloc_error(Layout::from_size_align_unchecked(new_size, align));
    }
    ptr
}
`;
