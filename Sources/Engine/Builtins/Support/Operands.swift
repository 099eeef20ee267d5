/// Operand helpers shared by the library families, with OPA's exact error texts.
extension Arguments {
    /// A string, or an array/set of strings (strings.any_prefix_match and friends).
    func stringCollection(_ i: Int) throws -> [String] {
        switch values[i] {
        case .string(let s): return [s]
        case .array(let a): return try a.map { try Self.elementString($0, i, "array") }
        case .set(let s): return try s.elements.map { try Self.elementString($0, i, "set") }
        default:
            throw BuiltinError(.type, "operand \(i + 1) must be one of {string, set, array} but got \(values[i].typeName)")
        }
    }

    private static func elementString(_ v: Value, _ i: Int, _ kind: String) throws -> String {
        if case .string(let s) = v { return s }
        throw BuiltinError(.type, "operand \(i + 1) must be \(kind) of strings but got \(kind) containing \(v.typeName)")
    }

    /// An array or a set, as its elements.
    func arrayOrSet(_ i: Int, expectedText: String = "{set, array}") throws -> [Value] {
        switch values[i] {
        case .array(let a): return a
        case .set(let s): return s.elements
        default:
            throw BuiltinError(.type, "operand \(i + 1) must be one of \(expectedText) but got \(values[i].typeName)")
        }
    }
}

extension Unicode.Scalar {
    /// Go's unicode.ToUpper: simple (one-to-one) case mapping; runes whose full mapping has
    /// several scalars (ß) stay unchanged.
    var goUpper: Unicode.Scalar {
        if isASCII {
            let v = value
            return v >= 0x61 && v <= 0x7A ? Unicode.Scalar(v - 32)! : self
        }
        let m = properties.uppercaseMapping.unicodeScalars
        if m.count == 1 { return m.first! }
        return self
    }

    var goLower: Unicode.Scalar {
        if isASCII {
            let v = value
            return v >= 0x41 && v <= 0x5A ? Unicode.Scalar(v + 32)! : self
        }
        if value == 0x130 { return "i" }  // Go maps İ to i (simple mapping)
        let m = properties.lowercaseMapping.unicodeScalars
        if m.count == 1 { return m.first! }
        return self
    }

    /// Go's unicode.IsSpace.
    var goIsSpace: Bool {
        switch value {
        case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0: return true
        default: return value > 0xFF && properties.isWhitespace
        }
    }
}
