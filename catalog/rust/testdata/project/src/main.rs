fn main() {
    let mut buf = itoa::Buffer::new();
    let n: u32 = num_traits::cast(42u64).unwrap_or(0);
    let s = buf.format(n + demo_local::answer());
    println!("{} {:?}", s, memchr::memchr(b'4', s.as_bytes()));
}
