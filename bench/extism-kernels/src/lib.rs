//! `add` and `reverse` as Extism plugin functions: input and output are byte blocks that
//! live on the host side and are reached through the `extism:host/env` kernel imports.

#[link(wasm_import_module = "extism:host/env")]
extern "C" {
    fn input_length() -> u64;
    fn input_load_u8(offset: u64) -> u32;
    fn input_load_u64(offset: u64) -> u64;
    fn alloc(length: u64) -> u64;
    fn store_u8(offset: u64, value: u32);
    fn store_u64(offset: u64, value: u64);
    fn output_set(offset: u64, length: u64);
}

/// Copies the call's input out of the host into our memory, 8 bytes at a time.
unsafe fn read_input() -> Vec<u8> {
    let len = input_length();
    let mut out = Vec::with_capacity(len as usize);
    let mut i = 0;
    while i + 8 <= len {
        out.extend_from_slice(&input_load_u64(i).to_le_bytes());
        i += 8;
    }
    while i < len {
        out.push(input_load_u8(i) as u8);
        i += 1;
    }
    out
}

/// Copies `bytes` into a fresh host block and makes it the call's output.
unsafe fn write_output(bytes: &[u8]) {
    let offset = alloc(bytes.len() as u64);
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[i..i + 8]);
        store_u64(offset + i as u64, u64::from_le_bytes(word));
        i += 8;
    }
    while i < bytes.len() {
        store_u8(offset + i as u64, bytes[i] as u32);
        i += 1;
    }
    output_set(offset, bytes.len() as u64);
}

/// Input: two little-endian u32; output: their wrapping sum, little-endian.
#[no_mangle]
pub extern "C" fn add() -> i32 {
    unsafe {
        let input = read_input();
        if input.len() != 8 {
            return 1;
        }
        let a = u32::from_le_bytes([input[0], input[1], input[2], input[3]]);
        let b = u32::from_le_bytes([input[4], input[5], input[6], input[7]]);
        write_output(&a.wrapping_add(b).to_le_bytes());
    }
    0
}

/// Input: UTF-8 text; output: the text with its Unicode scalar values reversed.
#[no_mangle]
pub extern "C" fn reverse() -> i32 {
    unsafe {
        let input = read_input();
        let text = match std::str::from_utf8(&input) {
            Ok(t) => t,
            Err(_) => return 1,
        };
        let reversed: String = text.chars().rev().collect();
        write_output(reversed.as_bytes());
    }
    0
}
