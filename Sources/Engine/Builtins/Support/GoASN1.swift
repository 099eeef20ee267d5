/// The first checks of Go's encoding/asn1 Unmarshal into a struct: reading the outer SEQUENCE's
/// tag and length, with Go's error texts. OPA reports these for inputs that are not DER at all
/// (x509 CSRs, PKCS#1 keys); deeper structure errors are left to the DER parsers.
enum GoASN1 {
    /// nil when `der` starts with a SEQUENCE header whose length fits; else Go's error for an
    /// Unmarshal into the struct type `typeName`.
    static func outerSequenceError(_ der: ArraySlice<UInt8>, typeName: String) -> String? {
        let b = Array(der)
        if b.isEmpty { return "asn1: syntax error: sequence truncated" }
        var offset = 0
        let first = b[offset]
        offset += 1
        let cls = Int(first >> 6), compound = first & 0x20 != 0
        var tag = Int(first & 0x1F)
        if tag == 0x1F {
            // Base-128 tag number.
            var value: Int64 = 0, shifted = 0, done = false
            while offset < b.count {
                if shifted == 5 { return "asn1: structure error: base 128 integer too large" }
                let c = b[offset]
                if shifted == 0 && c == 0x80 { return "asn1: syntax error: integer is not minimally encoded" }
                offset += 1
                value = value << 7 | Int64(c & 0x7F)
                shifted += 1
                if c & 0x80 == 0 {
                    if value > Int64(Int32.max) { return "asn1: structure error: base 128 integer too large" }
                    done = true
                    break
                }
            }
            if !done { return "asn1: syntax error: truncated base 128 integer" }
            tag = Int(value)
            if tag < 0x1F { return "asn1: syntax error: non-minimal tag" }
        }
        if offset >= b.count { return "asn1: syntax error: truncated tag or length" }
        let lb = b[offset]
        offset += 1
        var length = 0
        if lb & 0x80 == 0 {
            length = Int(lb & 0x7F)
        } else {
            let count = Int(lb & 0x7F)
            if count == 0 { return "asn1: syntax error: indefinite length found (not DER)" }
            for _ in 0..<count {
                if offset >= b.count { return "asn1: syntax error: truncated tag or length" }
                if length >= 1 << 23 { return "asn1: structure error: length too large" }
                length = length << 8 | Int(b[offset])
                offset += 1
                if length == 0 { return "asn1: structure error: superfluous leading zeros in length" }
            }
            if length < 0x80 { return "asn1: structure error: non-minimal length" }
        }
        if cls != 0 || tag != 16 || !compound {
            // Go prints the tag it read and the (default) field parameters with %+v.
            return "asn1: structure error: tags don't match (16 vs {class:\(cls) tag:\(tag) length:\(length) isCompound:\(compound)}) "
                + "{optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> "
                + "stringType:0 timeType:0 set:false omitEmpty:false} \(typeName) @\(offset)"
        }
        if length > b.count - offset { return "asn1: syntax error: data truncated" }
        return nil
    }
}
