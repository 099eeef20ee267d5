import Engine

/// Human-readable summaries for `bundle verify` and `bundle inspect`.
enum BundleSummary {
    static func text(_ b: LoadedBundle) -> String {
        var lines = ["bundle \(b.name): valid"]
        lines.append("  revision: \(b.revision.isEmpty ? "(none)" : b.revision)")
        lines.append("  roots: \(b.roots.map { $0.isEmpty ? "\"\"" : $0 }.joined(separator: ", "))")
        if let s = b.signature {
            lines.append("  signature: \(s.algorithm.rawValue), key id \(s.keyID)\(s.scope.isEmpty ? "" : ", scope \(s.scope)"), \(s.verifiedDigests.count) file(s) verified")
        } else {
            lines.append("  signature: none (unsigned bundles allowed by configuration)")
        }
        lines.append("  modules: \(b.modules.count)")
        for m in b.modules {
            lines.append("    \(m.name)  package \(b.packages[m.name]?.joined(separator: ".") ?? "?")  rego \(m.regoVersion == .v0 ? "v0" : "v1")")
        }
        let topKeys = b.data.objectValue?.keys.compactMap(\.stringValue) ?? []
        lines.append("  data: \(topKeys.isEmpty ? "(empty)" : topKeys.joined(separator: ", "))")
        return lines.joined(separator: "\n")
    }

    static func inspect(_ files: [BundleFile]) throws(BundleError) -> String {
        var lines: [String] = []
        if let m = files.first(where: { $0.name == ".manifest" }) {
            lines.append("manifest: \(String(decoding: m.bytes, as: UTF8.self).trimmingCharacters(in: [" ", "\n", "\r", "\t"]))")
        } else {
            lines.append("manifest: (none)")
        }
        lines.append("files:")
        for f in files {
            var extra = ""
            if f.name.hasSuffix(".rego"), let p = RegoPackageScanner.packagePath(String(decoding: f.bytes, as: UTF8.self)) {
                extra = "  package \(p.joined(separator: "."))"
            }
            lines.append("  \(f.name)  \(f.bytes.count) bytes  sha256 \(FileDigest.hex(HashAlgorithm.sha256.digest(f.bytes)))\(extra)")
        }
        if let s = files.first(where: { $0.name == BundleSignatureVerifier.signaturesFile }) {
            let token = try BundleSignatureVerifier.parseSignaturesFile(s.bytes)
            let jws = try CompactJWS(token)
            lines.append("signature (not verified):")
            lines.append("  header: \(String(decoding: CanonicalJSON.canonicalBytes(jws.header), as: UTF8.self))")
            let claims = try SignatureClaims.decode(jws.payloadBytes)
            lines.append("  scope: \(claims.scope ?? "(none)")  keyid claim: \(claims.keyID ?? "(none)")  signed files: \(claims.files.count)")
        } else {
            lines.append("signature: (unsigned)")
        }
        return lines.joined(separator: "\n")
    }
}

private extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
