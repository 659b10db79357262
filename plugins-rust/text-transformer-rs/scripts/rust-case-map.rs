// Prints the case mappings of this Rust's std, one code point a line: `CP\tUPPER\tLOWER` (hex). Used by
// gen-unicode.mjs to find where they differ from JavaScript's.
use std::io::Write;
fn main() {
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    for cp in 0..=0x10FFFFu32 {
        if let Some(c) = char::from_u32(cp) {
            let u: String = c.to_uppercase().collect();
            let l: String = c.to_lowercase().collect();
            let hex = |s: &str| s.chars().map(|c| format!("{:X}", c as u32)).collect::<Vec<_>>().join(" ");
            writeln!(out, "{:X}\t{}\t{}", cp, hex(&u), hex(&l)).unwrap();
        }
    }
}
