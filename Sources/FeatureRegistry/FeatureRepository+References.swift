extension FeatureRepository {
    /// The features a request names: a feature service, or a list of `view` / `view:feature`
    /// references — exactly one of the two. Shared by the HTTP API, `pantry get`, `pantry export`
    /// and export jobs, so they accept and reject the same things with the same words.
    public func references(features: [String]?, service: String?) throws(RegistryError) -> [FeatureReference] {
        switch (features, service) {
        case (let features?, nil):
            var references: [FeatureReference] = []
            for text in features {
                guard let reference = FeatureReference(parsing: text) else {
                    throw RegistryError("bad feature reference \"\(text)\": expected \"view:feature\" or \"view\"")
                }
                references.append(reference)
            }
            return references
        case (nil, let name?):
            guard let found = self.service(named: name) else {
                throw RegistryError("unknown feature service \"\(name)\" (services: \(services.map(\.name).joined(separator: ", ")))")
            }
            return found.features
        default:
            throw RegistryError("give exactly one of a feature list (view or view:feature references) or a feature service")
        }
    }
}
