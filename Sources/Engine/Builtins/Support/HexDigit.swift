/// One hexadecimal digit (either case) as its value: the decoders of hex, URL escapes and UUIDs
/// (and the bundle digests in policyd) share it.
public enum HexDigit {
    @inline(__always)
    public static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}
