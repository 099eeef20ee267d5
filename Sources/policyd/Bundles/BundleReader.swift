import Engine

/// Reads and checks one bundle, in the order OPA does (reference A.7) but refusing its
/// ambiguities: archive + limits + paths → signature → manifest → roots → data → modules.
/// Nothing here touches the serving path; the result is handed to activation.
enum BundleReader {
    static func load(path: String, name: String, config: VerificationConfig?,
                     limits: BundleLimits = .default) throws(BundleError) -> LoadedBundle
    {
        try load(files: BundleArchive.read(path: path, limits: limits), name: name, config: config)
    }

    static func load(files: [BundleFile], name: String, config: VerificationConfig?) throws(BundleError) -> LoadedBundle {
        try rejectAmbiguousNames(files)
        var parsed = FileDigest.ParsedFiles()
        let signature = try BundleSignatureVerifier.verify(files: files, config: config, parsed: &parsed)

        var manifest = BundleManifest()
        if let file = files.first(where: { $0.name == ".manifest" }) {
            let raw: RawJSON
            do { raw = try CanonicalJSON.parse(file.bytes) } catch {
                throw BundleError(.manifest, .badManifest, "cannot parse .manifest: \(error)", file: ".manifest")
            }
            manifest = try BundleManifest.parse(raw)
        }
        try BundleRoots.checkInternal(manifest.roots)

        var data: Value = .emptyObject
        var modules: [RegoModule] = []
        var packages: [String: [String]] = [:]
        for file in files {
            let base = BundlePath.basename(file.name)
            if base == "data.json" || base == "data.yaml" || base == "data.yml" {
                let value = try parseData(file, parsed: parsed[file.name])
                data = try insert(value, at: BundlePath.directorySegments(file.name)[...], into: data, file: file.name)
            } else if file.name.hasSuffix(".rego") {
                guard let source = String(validating: file.bytes, as: UTF8.self) else {
                    throw BundleError(.compile, .compileError, "module is not valid UTF-8", file: file.name, line: 1)
                }
                guard let package = RegoPackageScanner.packagePath(source) else {
                    throw BundleError(.compile, .compileError, "module has no package clause", file: file.name, line: 1)
                }
                try BundleRoots.checkPackage(package, roots: manifest.roots, file: file.name)
                packages[file.name] = package
                modules.append(RegoModule(name: file.name, source: source, regoVersion: manifest.regoVersion(forModule: file.name)))
            }
        }
        try BundleRoots.checkData(data, roots: manifest.roots)
        return LoadedBundle(name: name, manifest: manifest, data: data, modules: modules, packages: packages,
                            files: files, signature: signature)
    }

    /// OPA treats any `*.manifest`, `*signatures.json` specially at any depth; policyd accepts
    /// them only at the root. Delta bundles (`patch.json`) and Wasm are not supported.
    private static func rejectAmbiguousNames(_ files: [BundleFile]) throws(BundleError) {
        for f in files {
            if f.name.hasSuffix(".manifest") && f.name != ".manifest" {
                throw BundleError(.archive, .unsafePath, "a manifest is only allowed at the bundle root: \(f.name)", file: f.name)
            }
            if f.name.hasSuffix("signatures.json") && f.name != BundleSignatureVerifier.signaturesFile {
                throw BundleError(.archive, .unsafePath, "a signatures file is only allowed at the bundle root: \(f.name)", file: f.name)
            }
            switch BundlePath.basename(f.name) {
            case "patch.json":
                throw BundleError(.archive, .unsupportedFeature, "delta bundles (patch.json) are not supported", file: f.name)
            case "policy.wasm":
                throw BundleError(.archive, .unsupportedFeature, "wasm modules are not supported", file: f.name)
            default: break
            }
        }
    }

    /// A data file's value: `alreadyParsed` when the signature check parsed it, else parsed
    /// here, with the engine's JSON reader when it accepts the file (same value, much faster)
    /// and otherwise the Go-compatible `CanonicalJSON` (invalid UTF-8 → U+FFFD) or YAML.
    private static func parseData(_ file: BundleFile, parsed alreadyParsed: Value?) throws(BundleError) -> Value {
        let isJSON = BundlePath.basename(file.name) == "data.json"
        let value: Value
        if isJSON, let v = alreadyParsed ?? CanonicalValueWriter.parse(file.bytes)?.value {
            value = v
        } else {
            let raw: RawJSON
            do {
                raw = isJSON ? try CanonicalJSON.parse(file.bytes) : try FileDigest.parseStructured(file.bytes)
            } catch {
                throw BundleError(.data, .badData, "cannot parse \(file.name): \(error)", file: file.name)
            }
            value = CanonicalJSON.value(raw)
        }
        if BundlePath.directorySegments(file.name).isEmpty, value.objectValue == nil {
            throw BundleError(.data, .badData, "root value must be object", file: file.name)
        }
        return value
    }

    /// Merges `value` into `tree` at `path`: objects merge key by key; anything else meeting
    /// an existing value is a conflict.
    static func insert(_ value: Value, at path: ArraySlice<String>, into tree: Value, file: String) throws(BundleError) -> Value {
        guard let key = path.first else { return try merge(tree, value, file: file) }
        guard case .object(let o) = tree else {
            throw BundleError(.data, .badData, "failed to insert data file from path \(file): conflicts with a non-object value", file: file)
        }
        let child = o[key] ?? .emptyObject
        return .object(o.inserting(.string(key), try insert(value, at: path.dropFirst(), into: child, file: file)))
    }

    private static func merge(_ a: Value, _ b: Value, file: String) throws(BundleError) -> Value {
        guard case .object(let x) = a, case .object(let y) = b else {
            if case .object(let x) = a, x.isEmpty { return b }
            throw BundleError(.data, .badData, "failed to insert data file from path \(file): conflicting values", file: file)
        }
        var result = x
        for (k, v) in y.pairs {
            if let existing = result[k] {
                result = result.inserting(k, try merge(existing, v, file: file))
            } else {
                result = result.inserting(k, v)
            }
        }
        return .object(result)
    }
}
