// X.509 certificates and CSRs rendered as Go's encoding/json renders crypto/x509's structs
// (x509.Certificate / x509.CertificateRequest), which is what OPA's crypto.x509.* return.
// Parsing uses the small DER walker in JWSKeys.swift. Fields Go fills from extensions this file
// does not decode (name constraints, policy mappings) come out as Go's zero values.

import BigInt
import Foundation

enum X509JSON {
    struct ParseError: Error { let message: String }

    static func b64(_ b: ArraySlice<UInt8>) -> Value { .string(Data(b).base64EncodedString()) }

    static func oidComponents(_ c: ArraySlice<UInt8>) -> [Int] {
        var out: [Int] = []
        var v = 0
        var first = true
        for b in c {
            v = v << 7 | Int(b & 0x7f)
            if b & 0x80 == 0 {
                if first {
                    if v < 40 { out += [0, v] } else if v < 80 { out += [1, v - 40] } else { out += [2, v - 80] }
                    first = false
                } else { out.append(v) }
                v = 0
            }
        }
        return out
    }
    static func oidValue(_ c: ArraySlice<UInt8>) -> Value { .array(oidComponents(c).map { .int($0) }) }
    static func oidString(_ c: ArraySlice<UInt8>) -> String { oidComponents(c).map(String.init).joined(separator: ".") }

    static func bigInt(_ c: ArraySlice<UInt8>) -> Value {
        guard !c.isEmpty else { return .int(0) }
        let negative = c.first! & 0x80 != 0
        var mag = BigInt(BigUInt(Data(c)))
        if negative { mag -= BigInt(1) << (c.count * 8) }
        if let i = Int(exactly: mag) { return .int(i) }
        return .number(Number(mag))
    }

    static func string(_ n: DER.Node) -> String {
        switch n.tag {
        case 0x1E:  // BMPString
            var scalars: [UInt16] = []
            var i = n.content.startIndex
            while i + 1 < n.content.endIndex { scalars.append(UInt16(n.content[i]) << 8 | UInt16(n.content[i + 1])); i += 2 }
            return String(decoding: scalars, as: UTF16.self)
        default:
            return String(decoding: n.content, as: UTF8.self)
        }
    }

    /// pkix.Name from an RDNSequence.
    static func name(_ seq: DER.Node) -> Value {
        var names: [Value] = []
        var fields: [String: [Value]] = [:]
        var cn = "", serial = ""
        let attrNames = ["2.5.4.6": "Country", "2.5.4.10": "Organization", "2.5.4.11": "OrganizationalUnit",
                         "2.5.4.7": "Locality", "2.5.4.8": "Province", "2.5.4.9": "StreetAddress",
                         "2.5.4.17": "PostalCode"]
        for rdn in DER.children(seq.content) ?? [] {
            for atv in DER.children(rdn.content) ?? [] {
                guard let parts = DER.children(atv.content), parts.count == 2 else { continue }
                let oid = oidString(parts[0].content)
                let value = string(parts[1])
                names.append(["Type": oidValue(parts[0].content), "Value": .string(value)])
                if oid == "2.5.4.3" { cn = value } else if oid == "2.5.4.5" { serial = value } else if let f = attrNames[oid] {
                    fields[f, default: []].append(.string(value))
                }
            }
        }
        var b = ObjectBuilder()
        for f in ["Country", "Organization", "OrganizationalUnit", "Locality", "Province", "StreetAddress", "PostalCode"] {
            b[.string(f)] = fields[f].map { .array($0) } ?? .null
        }
        b["CommonName"] = .string(cn)
        b["SerialNumber"] = .string(serial)
        b["Names"] = names.isEmpty ? .null : .array(names)
        b["ExtraNames"] = .null
        return .object(b.build())
    }

    /// UTCTime / GeneralizedTime as RFC 3339 (Go's time JSON).
    static func time(_ n: DER.Node) -> Value {
        var s = String(decoding: n.content, as: UTF8.self)
        if n.tag == 0x17 {  // UTCTime YYMMDDHHMMSSZ
            let yy = Int(s.prefix(2)) ?? 0
            s = (yy >= 50 ? "19" : "20") + s
        }
        let d = Array(s.utf8)
        guard d.count >= 14 else { return .string(s) }
        func part(_ a: Int, _ b: Int) -> String { String(decoding: d[a..<b], as: UTF8.self) }
        return .string("\(part(0, 4))-\(part(4, 6))-\(part(6, 8))T\(part(8, 10)):\(part(10, 12)):\(part(12, 14))Z")
    }

    static let signatureAlgorithms: [String: Int] = [
        "1.2.840.113549.1.1.2": 1, "1.2.840.113549.1.1.4": 2, "1.2.840.113549.1.1.5": 3,
        "1.2.840.113549.1.1.11": 4, "1.2.840.113549.1.1.12": 5, "1.2.840.113549.1.1.13": 6,
        "1.2.840.10040.4.3": 7, "2.16.840.1.101.3.4.3.2": 8, "1.2.840.10045.4.1": 9,
        "1.2.840.10045.4.3.2": 10, "1.2.840.10045.4.3.3": 11, "1.2.840.10045.4.3.4": 12, "1.3.101.112": 16,
    ]

    static func signatureAlgorithm(_ alg: DER.Node) -> Int {
        guard let parts = DER.children(alg.content), let oid = parts.first else { return 0 }
        let s = oidString(oid.content)
        if s == "1.2.840.113549.1.1.10" {
            // RSASSA-PSS: the hash is in the parameters ([0] hashAlgorithm).
            let text = parts.count > 1 ? Data(parts[1].raw).base64EncodedString() : ""
            if text.contains("YIZIAWUDBAIB") { return 13 }
            if text.contains("YIZIAWUDBAIC") { return 14 }
            if text.contains("YIZIAWUDBAID") { return 15 }
            return 0
        }
        return signatureAlgorithms[s] ?? 0
    }

    /// (PublicKeyAlgorithm, PublicKey) as Go marshals them.
    static func publicKey(_ spki: DER.Node) -> (Int, Value) {
        guard let parts = DER.children(spki.content), parts.count == 2, let alg = DER.children(parts[0].content),
              let oid = alg.first else { return (0, .null) }
        let bits = parts[1].content.dropFirst()
        switch oidString(oid.content) {
        case "1.2.840.113549.1.1.1":
            guard let seq = DER.read(bits), let ne = DER.children(seq.content), ne.count == 2 else { return (1, .null) }
            return (1, ["N": bigInt(ne[0].content), "E": bigInt(ne[1].content)])
        case "1.2.840.10045.2.1":
            let point = Array(bits)
            guard point.first == 4, point.count % 2 == 1 else { return (3, .null) }
            let n = (point.count - 1) / 2
            return (3, ["Curve": .emptyObject, "X": bigInt(ArraySlice([0] + point[1...n])),
                        "Y": bigInt(ArraySlice([0] + point[(n + 1)...]))])
        case "1.3.101.112": return (4, b64(bits))
        case "1.2.840.10040.4.1": return (2, .null)
        default: return (0, .null)
        }
    }

    static let extKeyUsages: [String: Int] = [
        "2.5.29.37.0": 0, "1.3.6.1.5.5.7.3.1": 1, "1.3.6.1.5.5.7.3.2": 2, "1.3.6.1.5.5.7.3.3": 3,
        "1.3.6.1.5.5.7.3.4": 4, "1.3.6.1.5.5.7.3.5": 5, "1.3.6.1.5.5.7.3.6": 6, "1.3.6.1.5.5.7.3.7": 7,
        "1.3.6.1.5.5.7.3.8": 8, "1.3.6.1.5.5.7.3.9": 9, "1.3.6.1.4.1.311.10.3.3": 10,
        "2.16.840.1.113730.4.1": 11, "1.3.6.1.4.1.311.2.1.22": 12, "1.3.6.1.4.1.311.61.1.1": 13,
    ]

    /// Subject alternative names into the builder: DNSNames, EmailAddresses, IPAddresses, URIs, URIStrings.
    static func altNames(_ content: ArraySlice<UInt8>?, into b: inout ObjectBuilder) {
        var dns: [Value] = [], email: [Value] = [], ips: [Value] = [], uris: [Value] = [], uriObjs: [Value] = []
        if let c = content, let seq = DER.read(c) {
            for gn in DER.children(seq.content) ?? [] {
                switch gn.tag {
                case 0x81: email.append(.string(String(decoding: gn.content, as: UTF8.self)))
                case 0x82: dns.append(.string(String(decoding: gn.content, as: UTF8.self)))
                case 0x86:
                    let u = String(decoding: gn.content, as: UTF8.self)
                    uris.append(.string(u))
                    uriObjs.append(urlObject(u))
                case 0x87: ips.append(.string(GoIP.string(Array(gn.content))))
                default: break
                }
            }
        }
        b["DNSNames"] = dns.isEmpty ? .null : .array(dns)
        b["EmailAddresses"] = email.isEmpty ? .null : .array(email)
        b["IPAddresses"] = ips.isEmpty ? .null : .array(ips)
        b["URIs"] = uriObjs.isEmpty ? .null : .array(uriObjs)
        b["URIStrings"] = uris.isEmpty ? .null : .array(uris)
    }

    /// Go's url.URL JSON for simple scheme://host/path?query#fragment URIs.
    static func urlObject(_ s: String) -> Value {
        var rest = Substring(s)
        var scheme = "", host = "", path = "", query = "", fragment = "", opaque = ""
        if let i = rest.firstIndex(of: "#") { fragment = String(rest[rest.index(after: i)...]); rest = rest[..<i] }
        if let i = rest.firstIndex(of: "?") { query = String(rest[rest.index(after: i)...]); rest = rest[..<i] }
        if let i = rest.firstIndex(of: ":") { scheme = String(rest[..<i]).lowercased(); rest = rest[rest.index(after: i)...] }
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            host = String(rest[..<slash]); path = String(rest[slash...])
        } else if !scheme.isEmpty && !rest.hasPrefix("/") { opaque = String(rest) } else { path = String(rest) }
        return ["Scheme": .string(scheme), "Opaque": .string(opaque), "User": .null, "Host": .string(host),
                "Path": .string(path), "RawPath": "", "OmitHost": false, "ForceQuery": false,
                "RawQuery": .string(query), "Fragment": .string(fragment), "RawFragment": ""]
    }

    static func extensionsList(_ exts: [DER.Node]) -> [(oid: String, oidValue: Value, critical: Bool, value: ArraySlice<UInt8>)] {
        exts.compactMap { e in
            guard let p = DER.children(e.content), p.count >= 2, p[0].tag == 0x06 else { return nil }
            let critical = p.count == 3 && p[1].tag == 0x01 && p[1].content.first.map { $0 != 0 } == true
            return (oidString(p[0].content), oidValue(p[0].content), critical, p[p.count - 1].content)
        }
    }

    static func certificate(_ der: ArraySlice<UInt8>) throws -> Value {
        guard let cert = DER.read(der), cert.tag == 0x30, let top = DER.children(cert.content), top.count == 3,
              var tbs = DER.children(top[0].content) else { throw ParseError(message: "x509: malformed certificate") }
        var version = 1
        if tbs.first?.tag == 0xA0 {
            if let v = DER.read(tbs[0].content) { version = Int(v.content.last ?? 0) + 1 }
            tbs.removeFirst()
        }
        guard tbs.count >= 6, let validity = DER.children(tbs[3].content), validity.count == 2 else {
            throw ParseError(message: "x509: malformed tbs certificate")
        }
        var b = ObjectBuilder()
        b["Raw"] = b64(cert.raw)
        b["RawTBSCertificate"] = b64(top[0].raw)
        b["RawSubjectPublicKeyInfo"] = b64(tbs[5].raw)
        b["RawSubject"] = b64(tbs[4].raw)
        b["RawIssuer"] = b64(tbs[2].raw)
        b["Signature"] = b64(top[2].content.dropFirst())
        b["SignatureAlgorithm"] = .int(signatureAlgorithm(top[1]))
        let (pkAlg, pk) = publicKey(tbs[5])
        b["PublicKeyAlgorithm"] = .int(pkAlg)
        b["PublicKey"] = pk
        b["Version"] = .int(version)
        b["SerialNumber"] = bigInt(tbs[0].content)
        b["Issuer"] = name(tbs[2])
        b["Subject"] = name(tbs[4])
        b["NotBefore"] = time(validity[0])
        b["NotAfter"] = time(validity[1])
        var exts: [DER.Node] = []
        for f in tbs.dropFirst(6) where f.tag == 0xA3 {
            if let seq = DER.read(f.content) { exts = DER.children(seq.content) ?? [] }
        }
        fillExtensions(extensionsList(exts), into: &b)
        return .object(b.build())
    }

    static func fillExtensions(_ list: [(oid: String, oidValue: Value, critical: Bool, value: ArraySlice<UInt8>)],
                               into b: inout ObjectBuilder) {
        b["Extensions"] = list.isEmpty ? .null : .array(list.map {
            ["Id": $0.oidValue, "Critical": .bool($0.critical), "Value": b64($0.value)]
        })
        b["ExtraExtensions"] = .null
        var keyUsage = 0, isCA = false, bcValid = false, maxPathLen = 0
        var eku: [Value] = [], unknownEKU: [Value] = [], ski: Value = .null, aki: Value = .null
        var ocsp: [Value] = [], issuerURL: [Value] = [], crl: [Value] = [], policies: [Value] = [], policyIds: [Value] = []
        var san: ArraySlice<UInt8>? = nil
        var unhandled: [Value] = []
        let handled: Set<String> = ["2.5.29.15", "2.5.29.19", "2.5.29.17", "2.5.29.30", "2.5.29.31", "2.5.29.32",
                                    "2.5.29.37", "2.5.29.35", "2.5.29.14", "1.3.6.1.5.5.7.1.1", "2.5.29.33",
                                    "2.5.29.36", "2.5.29.54"]
        for e in list {
            if e.critical && !handled.contains(e.oid) { unhandled.append(e.oidValue) }
            switch e.oid {
            case "2.5.29.15":
                if let bs = DER.read(e.value), bs.tag == 0x03 {
                    for (i, byte) in bs.content.dropFirst().enumerated() {
                        for bit in 0..<8 where byte & (0x80 >> bit) != 0 { keyUsage |= 1 << (i * 8 + bit) }
                    }
                }
            case "2.5.29.19":
                bcValid = true
                maxPathLen = -1
                if let seq = DER.read(e.value) {
                    for f in DER.children(seq.content) ?? [] {
                        if f.tag == 0x01 { isCA = f.content.first.map { $0 != 0 } ?? false }
                        if f.tag == 0x02 { maxPathLen = f.content.reduce(0) { $0 << 8 | Int($1) } }
                    }
                }
            case "2.5.29.17": san = e.value
            case "2.5.29.37":
                if let seq = DER.read(e.value) {
                    for o in DER.children(seq.content) ?? [] {
                        if let k = extKeyUsages[oidString(o.content)] { eku.append(.int(k)) } else { unknownEKU.append(oidValue(o.content)) }
                    }
                }
            case "2.5.29.14":
                if let o = DER.read(e.value) { ski = b64(o.content) }
            case "2.5.29.35":
                if let seq = DER.read(e.value), let f = DER.children(seq.content)?.first(where: { $0.tag == 0x80 }) { aki = b64(f.content) }
            case "1.3.6.1.5.5.7.1.1":
                if let seq = DER.read(e.value) {
                    for ad in DER.children(seq.content) ?? [] {
                        guard let p = DER.children(ad.content), p.count == 2, p[1].tag == 0x86 else { continue }
                        let url = Value.string(String(decoding: p[1].content, as: UTF8.self))
                        let m = oidString(p[0].content)
                        if m == "1.3.6.1.5.5.7.48.1" { ocsp.append(url) } else if m == "1.3.6.1.5.5.7.48.2" { issuerURL.append(url) }
                    }
                }
            case "2.5.29.31":
                if let seq = DER.read(e.value) {
                    for dp in DER.children(seq.content) ?? [] {
                        // DistributionPoint { [0] { [0] fullName GeneralNames } }
                        guard let dpn = DER.children(dp.content)?.first(where: { $0.tag == 0xA0 }),
                              let full = DER.children(dpn.content)?.first(where: { $0.tag == 0xA0 }) else { continue }
                        for gn in DER.children(full.content) ?? [] where gn.tag == 0x86 {
                            crl.append(.string(String(decoding: gn.content, as: UTF8.self)))
                        }
                    }
                }
            case "2.5.29.32":
                if let seq = DER.read(e.value) {
                    for pi in DER.children(seq.content) ?? [] {
                        guard let o = DER.children(pi.content)?.first, o.tag == 0x06 else { continue }
                        policyIds.append(oidValue(o.content))
                        policies.append(.string(oidString(o.content)))
                    }
                }
            default: break
            }
        }
        b["KeyUsage"] = .int(keyUsage)
        b["ExtKeyUsage"] = eku.isEmpty ? .null : .array(eku)
        b["UnknownExtKeyUsage"] = unknownEKU.isEmpty ? .null : .array(unknownEKU)
        b["BasicConstraintsValid"] = .bool(bcValid)
        b["IsCA"] = .bool(isCA)
        b["MaxPathLen"] = .int(maxPathLen)
        b["MaxPathLenZero"] = .bool(bcValid && maxPathLen == 0)
        b["SubjectKeyId"] = ski
        b["AuthorityKeyId"] = aki
        b["OCSPServer"] = ocsp.isEmpty ? .null : .array(ocsp)
        b["IssuingCertificateURL"] = issuerURL.isEmpty ? .null : .array(issuerURL)
        b["CRLDistributionPoints"] = crl.isEmpty ? .null : .array(crl)
        b["PolicyIdentifiers"] = policyIds.isEmpty ? .null : .array(policyIds)
        b["Policies"] = policies.isEmpty ? .null : .array(policies)
        b["UnhandledCriticalExtensions"] = unhandled.isEmpty ? .null : .array(unhandled)
        altNames(san, into: &b)
        for f in ["PermittedDNSDomains", "ExcludedDNSDomains", "PermittedIPRanges", "ExcludedIPRanges",
                  "PermittedEmailAddresses", "ExcludedEmailAddresses", "PermittedURIDomains", "ExcludedURIDomains",
                  "PolicyMappings"] { b[.string(f)] = .null }
        b["PermittedDNSDomainsCritical"] = false
        for f in ["InhibitAnyPolicy", "InhibitPolicyMapping", "RequireExplicitPolicy"] { b[.string(f)] = 0 }
        for f in ["InhibitAnyPolicyZero", "InhibitPolicyMappingZero", "RequireExplicitPolicyZero"] { b[.string(f)] = false }
    }

    /// x509.CertificateRequest.
    static func certificateRequest(_ der: ArraySlice<UInt8>) throws -> Value {
        guard let csr = DER.read(der), csr.tag == 0x30, let top = DER.children(csr.content), top.count == 3,
              let info = DER.children(top[0].content), info.count >= 3 else {
            throw ParseError(message: "asn1: structure error: tags don't match")
        }
        var b = ObjectBuilder()
        b["Raw"] = b64(csr.raw)
        b["RawTBSCertificateRequest"] = b64(top[0].raw)
        b["RawSubjectPublicKeyInfo"] = b64(info[2].raw)
        b["RawSubject"] = b64(info[1].raw)
        b["Version"] = .int(Int(info[0].content.last ?? 0))
        b["Signature"] = b64(top[2].content.dropFirst())
        b["SignatureAlgorithm"] = .int(signatureAlgorithm(top[1]))
        let (pkAlg, pk) = publicKey(info[2])
        b["PublicKeyAlgorithm"] = .int(pkAlg)
        b["PublicKey"] = pk
        b["Subject"] = name(info[1])
        // Attributes: extensionRequest (1.2.840.113549.1.9.14) carries the extensions.
        var exts: [DER.Node] = []
        if info.count > 3, info[3].tag == 0xA0 {
            for attr in DER.children(info[3].content) ?? [] {
                guard let p = DER.children(attr.content), p.count == 2, oidString(p[0].content) == "1.2.840.113549.1.9.14",
                      let set = DER.children(p[1].content), let seq = set.first else { continue }
                exts = DER.children(seq.content) ?? []
            }
        }
        let list = extensionsList(exts)
        b["Attributes"] = .null
        b["Extensions"] = list.isEmpty ? .null : .array(list.map { ["Id": $0.oidValue, "Critical": .bool($0.critical), "Value": b64($0.value)] })
        b["ExtraExtensions"] = .null
        altNames(list.first(where: { $0.oid == "2.5.29.17" })?.value, into: &b)
        b["URIStrings"] = nil
        return .object(b.build())
    }
}
